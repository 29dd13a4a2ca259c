"""Domain events villages emits (``core/events.py``): higher apps (visits) subscribe in their ``ready()``."""
from core.events import Event

household_registering = Event(
    "villages.household_registering",
    "A new household is about to be inserted (payload ``household``, unsaved, placed in its grid): subscribers "
    "may fill the planning columns they keep (visits: its first due date), so the row is written once.",
)
household_created = Event(
    "villages.household_created", "A household was registered (payload ``household``, saved).",
)
households_registering = Event(
    "villages.households_registering",
    "Many new households are about to be inserted at once (payload ``households``: unsaved, validated, placed in "
    "their grids; ``households_insert``, e.g. an Excel import): ``household_registering`` for a set, so subscribers "
    "fill the planning columns they keep (visits: the first due dates) set-based and each row is written once.",
)
households_registered = Event(
    "villages.households_registered",
    "Many households were registered at once, with their people (payload ``household_ids``): "
    "``household_created`` for a set, heard once (visits: the reminders already due, one statement for all).",
)
household_color_edited = Event(
    "villages.household_color_edited",
    "A plain household edit changed its color (payload ``household`` as saved, ``from_color``, ``due``: its due "
    "date before the edit); a reclassification with a reason is visits' own ``color_change``.",
)
household_grid_changed = Event(
    "villages.household_grid_changed",
    "Households were placed in another grid (payload ``household_ids``): their first contact may have changed.",
)
households_moved = Event(
    "villages.households_moved",
    "A node moved with its households (payload: one of ``grid_id``, ``natural_village_id``, ``village_id``, "
    "``zone_id`` naming the moved households): their zone or town, hence the policy governing them, may differ.",
)
households_changed_village = Event(
    "villages.households_changed_village",
    "Households left one administrative village for another (a grid or natural village moved, a household placed "
    "in another village's grid; payload ``village_ids``: the villages left and joined): figures kept per village "
    "(visits' analytics tables) are recomputed for them.",
)
grid_worker_changed = Event(
    "villages.grid_worker_changed",
    "A grid's worker account changed (payload ``grid_id``): the first contact of its unlinked households.",
)
households_archived = Event(
    "villages.households_archived",
    "Households were archived (payload ``household_ids``): their due date is cleared, so their open reminders "
    "are no longer due and none is planned for them until they are restored (restoring emits "
    "``household_registering`` and ``household_created``, as a new registration).",
)
