"""PlacementGroup.ready(): an ObjectRef set once the group is placed, and
failed with TaskPlacementGroupRemoved if the group is removed first."""

import threading

from photon._private import serialization
from photon._private.object_ref import ObjectRef
from photon._private.state import state


def placement_group_ready(pg):
    core = state.require_core()
    ref = ObjectRef(core.create_pending())

    def wait():
        while True:
            try:
                if core.wait_placement_group(pg.id.binary(), 10_000):
                    core.fulfill(ref.binary(), *serialization.pickle_with_buffers(pg))
                    return
            except Exception:
                break
        # Removed, or photon shut down (then nobody can get the ref).
        try:
            if core.get_placement_group(pg.id.binary(), "")["state"] == "REMOVED":
                core.fail_pending(ref.binary(), "TaskPlacementGroupRemoved",
                                  f"placement group {pg.id.hex()} was removed before it was placed")
        except Exception:
            pass

    threading.Thread(target=wait, name="photon-pg-ready", daemon=True).start()
    return ref
