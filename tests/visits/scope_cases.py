"""Scope-matrix expectations for the visits endpoints (see tests/accounts/scope_world.py)."""
from __future__ import annotations

import datetime

from django.utils import timezone

from tests.accounts.scope_world import GRID_MEMBER, VILLAGE_UP, ZONE_UP, Case
from visits import services
from visits.models import ColorChange, ColorSuggestionReview, Reminder, Visit, VisitPolicy

VISIT_WRITERS = VILLAGE_UP | {GRID_MEMBER}


def _households(world):
    from villages.models import Household

    return [(pk, loc) for pk, loc in world.rows[Household].items()]


def _linked_member(world, household_id):
    return next((m for _l, h, m in world.links if h == household_id), None)


def _member_rows(model):
    def rows(world, member_id):
        linked = {h for _l, h, m in world.links if m == member_id}
        return {pk for pk, loc in world.rows.get(model, {}).items() if loc["household"] in linked}
    return rows


def _populate_policies(world):
    for town in world.places_at("town"):
        world.add(services.visit_policy_save(town=town.obj, red_days=7), town.loc)


def _populate_color_changes(world):
    for pk, loc in _households(world):
        world.add(ColorChange.objects.create(household_id=pk, from_color="yellow", to_color="green", reason="矩阵"),
                  {**loc, "household": pk})


def _populate_visits(world):
    """One visit per household, logged today; the grid member authored those of their grid."""
    from members.models import PartyMember

    grid_member = world.roles["grid_member"]
    world.visit_authors = {}
    for pk, loc in _households(world):
        member_id = _linked_member(world, pk)
        if member_id is None:
            village_key = next(p.key for p in world.places_at("village") if p.obj.pk == loc["village"])
            member_id = world.members_of_village[village_key][0].pk
        author = grid_member.user if loc["grid"] == world.place("A1a-g1").obj.pk else None
        visit = Visit.objects.create(
            household_id=pk, visitor_member_id=member_id, visitor_name=PartyMember.objects.get(pk=member_id).name,
            visited_on=timezone.localdate(), color="green", created_by=author,
        )
        world.visit_authors[visit.pk] = author.pk if author else None
        world.add(visit, {**loc, "household": pk})


def _visit_update_ok(world, role, pk):
    """The author within 7 days, otherwise the zone (zone committee, town staff, district)."""
    if role.user is not None and world.visit_authors.get(pk) == role.user.pk:
        return True
    loc = world.loc_of(Visit, pk)
    return any(g.role in ZONE_UP and (g.place is None or loc.get(g.place.level) == g.place.obj.pk) for g in role.grants)


def _populate_reminders(world):
    today = timezone.localdate()
    for pk, loc in _households(world):
        world.add(Reminder.objects.create(household_id=pk, due_on=today - datetime.timedelta(days=1), color="green",
                                          created_on=today), {**loc, "household": pk})


def _populate_suggestion_reviews(world):
    for pk, loc in _households(world):
        world.add(ColorSuggestionReview.objects.create(
            household_id=pk, from_color="green", suggested_color="yellow", decision="rejected", reason="矩阵"),
            {**loc, "household": pk})


def _first_household(world, place):
    return world.households_of_grid[place.key][0]


CASES = {
    "visit-policies": Case(
        model=VisitPolicy, level="town", writers=ZONE_UP, parent_level="zone", populate=_populate_policies,
        payload=lambda w, p: {"zone": p.obj.pk, "red_days": 5, "green_content": ["宣传政策法规"]},
        fks=lambda w, p: [p.obj],
    ),
    "color-changes": Case(
        model=ColorChange, level="grid", writers=VISIT_WRITERS, parent_level="grid", populate=_populate_color_changes,
        payload=lambda w, p: {"household": _first_household(w, p).pk, "to_color": "yellow", "reason": "家中老人住院"},
        fks=lambda w, p: [_first_household(w, p)], member_rows=_member_rows(ColorChange), append_only=True,
    ),
    "visits": Case(
        model=Visit, level="grid", writers=VISIT_WRITERS, parent_level="grid", populate=_populate_visits,
        payload=lambda w, p: {"household": _first_household(w, p).pk, "visited_on": timezone.localdate().isoformat(),
                              "method": "in_person", "duties": ["concerns"]},
        fks=lambda w, p: [_first_household(w, p)], member_rows=_member_rows(Visit), update_ok=_visit_update_ok,
        deletable=False,
    ),
    "color-suggestion-reviews": Case(
        model=ColorSuggestionReview, level="grid", writers=frozenset(), populate=_populate_suggestion_reviews,
        member_rows=_member_rows(ColorSuggestionReview), read_only=True,
        read_only_status=403,  # no role writes the model through its endpoint (the colour changes' actions do)
    ),
    "reminders": Case(
        model=Reminder, level="grid", writers=frozenset(), populate=_populate_reminders,
        member_rows=_member_rows(Reminder), read_only=True,
    ),
}
