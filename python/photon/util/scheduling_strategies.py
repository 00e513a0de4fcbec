"""Scheduling strategies (Ray's ray.util.scheduling_strategies). The strings
"DEFAULT" and "SPREAD" are strategies too. Each class makes its own core
form (`_to_core()`, a photon._core.SchedulingStrategy)."""

from photon import _core


class PlacementGroupSchedulingStrategy:
    """Run in a placement group's bundle (index -1 or None: any bundle)."""

    def __init__(self, placement_group, placement_group_bundle_index=-1,
                 placement_group_capture_child_tasks=None):
        from photon.util.placement_group import PlacementGroup
        if not isinstance(placement_group, PlacementGroup):
            raise TypeError(f"placement_group must be a PlacementGroup, not {type(placement_group).__name__}")
        if placement_group_bundle_index is not None and placement_group_bundle_index != -1:
            if not 0 <= placement_group_bundle_index < placement_group.bundle_count:
                raise ValueError(f"placement_group_bundle_index {placement_group_bundle_index} is out of range: "
                                 f"the group has {placement_group.bundle_count} bundles")
        self.placement_group = placement_group
        self.placement_group_bundle_index = placement_group_bundle_index
        self.placement_group_capture_child_tasks = placement_group_capture_child_tasks

    def _to_core(self):
        index = self.placement_group_bundle_index
        return _core.SchedulingStrategy.placement_group(self.placement_group.id.binary(),
                                                        -1 if index is None else int(index))


class NodeAffinitySchedulingStrategy:
    """Run on the node `node_id` (hex); with soft=True elsewhere if it cannot."""

    def __init__(self, node_id, soft):
        if not isinstance(node_id, str):
            raise TypeError(f"node_id must be a hex string, not {type(node_id).__name__}")
        try:
            bytes.fromhex(node_id)
        except ValueError:
            raise ValueError(f"node_id {node_id!r} is not a hex node id") from None
        self.node_id = node_id
        self.soft = soft

    def _to_core(self):
        return _core.SchedulingStrategy.node_affinity(bytes.fromhex(self.node_id), bool(self.soft))


__all__ = ["PlacementGroupSchedulingStrategy", "NodeAffinitySchedulingStrategy"]
