"""What members do when the apps below them announce a change (domain events, see core.events)."""
from core.triggers import touch
from villages import events as village_events

from .models import HouseholdLink

MOVED_NODES = ("grid_id", "natural_village_id", "village_id", "zone_id")


@village_events.households_moved.subscribe
def touch_moved_links(**node) -> None:
    """A household's link is in scope where its household is: when households move to another part of the tree the
    links move with them (into or out of a consumer's scope), unchanged; stamp them for incremental pulls."""
    (key, value), = ((k, v) for k, v in node.items() if k in MOVED_NODES)
    touch(HouseholdLink.objects.filter(**{f"household__{key}": value}))
