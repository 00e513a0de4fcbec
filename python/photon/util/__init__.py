"""photon.util: placement groups and scheduling strategies."""

from photon.util import scheduling_strategies
from photon.util.placement_group import (PlacementGroup, get_placement_group, placement_group,
                                         placement_group_table, remove_placement_group)

__all__ = ["PlacementGroup", "placement_group", "remove_placement_group", "get_placement_group",
           "placement_group_table", "scheduling_strategies"]
