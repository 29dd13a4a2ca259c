"""Domain events members emits (``core/events.py``): higher apps (visits) subscribe in their ``ready()``."""
from core.events import Event

household_links_changed = Event(
    "members.household_links_changed",
    "Which member some households are linked to changed (a link created, moved or deleted, a member leaving): "
    "payload ``household_ids`` (list[int]). Visits re-addresses their open reminders to the new first contact.",
)
