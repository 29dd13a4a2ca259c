"""Visits' subscriptions to the domain events of the apps below it (``core/events.py``), keeping the plan whole.

- a new household gets its first due date (its color's interval after registration) before its row is
  written, and its reminder when that date is already within the reminder window; households registered
  together (an import) get the same, set-based;
- a color changed by a plain household edit (not through ``services.color_change``) still leaves a history
  row and re-plans the due date, so nothing changes silently;
- when a household's first contact changes (its member link, its grid, its grid's worker) or it moves to
  another zone or town (another policy may govern it), its open reminders are brought up to date, so the
  daily digest and the ladder reach whoever is responsible now;
- households that change village take their visits' sums with them (``analytics``: both villages recounted);
- the visits of households that move are stamped (``updated_at``), since they enter another zone's or town's
  scope without a column of their own changing, and a consumer pulling ``?updated_since=`` must see them.
"""
from members import events as member_events
from villages import events as village_events

from villages.models import Household

from . import analytics, services
from .reminders import HouseholdSelection


@village_events.household_registering.subscribe
def plan_new_household(*, household) -> None:
    if household.next_visit_due is None and household.town_id and household.zone_id:
        household.next_visit_due = services.household_initial_due(household)


@village_events.household_created.subscribe
def remind_new_household(*, household) -> None:
    services.household_remind(household=household)  # e.g. a new red household is due within the week


@village_events.households_registering.subscribe
def plan_new_households(*, households) -> None:
    # the rule of plan_new_household, the policy read once per zone
    services.households_initial_due([h for h in households if h.next_visit_due is None and h.town_id and h.zone_id])


@village_events.households_registered.subscribe
def remind_new_households(*, household_ids) -> None:
    if household_ids:
        services.households_remind_new(household_ids)  # one reminder sync for the set


@village_events.household_color_edited.subscribe
def record_color_edit(*, household, from_color: str, due) -> None:
    services.color_change_record_edit(household=household, from_color=from_color, due=due)


@village_events.household_grid_changed.subscribe
@village_events.households_archived.subscribe
@member_events.household_links_changed.subscribe
def readdress_households(*, household_ids) -> None:
    services.reminders_readdress(HouseholdSelection(household_ids=tuple(household_ids)))


@village_events.grid_worker_changed.subscribe
def readdress_grid(*, grid_id: int) -> None:
    services.reminders_readdress(HouseholdSelection(grid_id=grid_id))


@village_events.households_moved.subscribe
def resync_moved(**node) -> None:
    services.reminders_readdress(HouseholdSelection(**node))
    services.visits_touch(households=Household.objects.filter(**node))  # they enter another scope with them


@village_events.household_grid_changed.subscribe
def touch_regridded(*, household_ids) -> None:
    services.visits_touch(households=Household.objects.filter(pk__in=household_ids))


@village_events.households_changed_village.subscribe
def recount_villages(*, village_ids) -> None:
    analytics.rebuild(village_ids=sorted(set(village_ids)))  # their visits now count in another village
