"""Placement groups (Ray's ray.util.placement_group)."""

from photon._private import worker
from photon._private.object_ref import ObjectRef

STRATEGIES = ("PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD")


class PlacementGroupID:
    def __init__(self, binary):
        self._binary = binary

    def binary(self):
        return self._binary

    def hex(self):
        return self._binary.hex()

    def __eq__(self, other):
        return isinstance(other, PlacementGroupID) and other._binary == self._binary

    def __hash__(self):
        return hash(self._binary)

    def __repr__(self):
        return f"PlacementGroupID({self.hex()})"


class PlacementGroup:
    def __init__(self, id_binary, bundles):
        self.id = PlacementGroupID(id_binary)
        self.bundle_specs = [dict(b) for b in bundles]

    @property
    def bundle_count(self):
        return len(self.bundle_specs)

    def ready(self):
        """An ObjectRef that becomes ready once the group is placed."""
        from photon._private.ready import placement_group_ready
        return placement_group_ready(self)

    def wait(self, timeout_seconds=30):
        """True once every bundle is reserved; False if `timeout_seconds` passed first."""
        return worker.core().wait_placement_group(self.id.binary(), int(timeout_seconds * 1000))

    def __repr__(self):
        return f"PlacementGroup({self.id.hex()}, {self.bundle_specs})"

    def __eq__(self, other):
        return isinstance(other, PlacementGroup) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __reduce__(self):
        return (PlacementGroup, (self.id.binary(), self.bundle_specs))


def placement_group(bundles, strategy="PACK", name="", lifetime=None):
    """Reserves `bundles` (a list of resource dicts) across the cluster."""
    if not isinstance(bundles, (list, tuple)) or not bundles:
        raise ValueError("placement_group() needs a non-empty list of bundles (resource dicts)")
    for i, b in enumerate(bundles):
        if not isinstance(b, dict) or not b:
            raise ValueError(f"bundle {i} must be a non-empty dict of resources, got {b!r}")
        for k, v in b.items():
            if not isinstance(k, str) or not isinstance(v, (int, float)) or v < 0:
                raise ValueError(f"bundle {i}: resource {k!r} must be a name with a number >= 0, got {v!r}")
        if all(v == 0 for v in b.values()):
            raise ValueError(f"bundle {i} asks for nothing: {b!r}")
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    if lifetime not in (None, "detached"):
        raise ValueError(f"lifetime must be None or 'detached', got {lifetime!r}")
    bundles = [{k: float(v) for k, v in b.items()} for b in bundles]
    pg_id = worker.core().create_placement_group(bundles, strategy, name or "", lifetime == "detached")
    return PlacementGroup(pg_id, bundles)


def remove_placement_group(placement_group):
    if not isinstance(placement_group, PlacementGroup):
        raise TypeError(f"remove_placement_group() takes a PlacementGroup, not {type(placement_group).__name__}")
    worker.core().remove_placement_group(placement_group.id.binary())


def get_placement_group(placement_group_name):
    """The placement group called `placement_group_name` in this job's namespace."""
    if not isinstance(placement_group_name, str) or not placement_group_name:
        raise ValueError("get_placement_group() needs a name")
    info = worker.core().get_placement_group(b"", placement_group_name)
    return PlacementGroup(info["placement_group_id"], [b["resources"] for b in info["bundles"]])


def placement_group_table(placement_group=None):
    """The state of one placement group (as a dict)."""
    if placement_group is None:
        raise ValueError("placement_group_table() needs a placement group")
    info = worker.core().get_placement_group(placement_group.id.binary(), "")
    return {
        "placement_group_id": info["placement_group_id"].hex(),
        "name": info["name"],
        "state": info["state"],
        "strategy": info["strategy"],
        "bundles": {i: b["resources"] for i, b in enumerate(info["bundles"])},
        "bundles_to_node_id": {i: b["node_id"].hex() for i, b in enumerate(info["bundles"]) if b["node_id"]},
        "pending_reason": info["pending_reason"],
    }


__all__ = ["PlacementGroup", "placement_group", "remove_placement_group", "get_placement_group",
           "placement_group_table", "ObjectRef"]
