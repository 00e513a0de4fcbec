"""photon.util: placement groups, scheduling strategies, ActorPool and
photon.util.queue.Queue."""

from photon.util import queue, scheduling_strategies
from photon.util.actor_pool import ActorPool
from photon.util.placement_group import (PlacementGroup, get_placement_group, placement_group,
                                         placement_group_table, remove_placement_group)

__all__ = ["PlacementGroup", "placement_group", "remove_placement_group", "get_placement_group",
           "placement_group_table", "scheduling_strategies", "ActorPool", "queue"]
