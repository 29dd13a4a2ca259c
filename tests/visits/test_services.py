"""Visit services: policies re-plan in one statement, colors keep history, visits move the due date."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pghistory.models import Events

from tests import factories as f
from villages.models import Household
from villages.services import household_update
from visits import selectors, services
from visits.models import ColorChange, HouseholdVisitState, Visit, VisitPolicy

from .conftest import refreshed

D = datetime.timedelta


def days(n):
    return D(days=n)


# --- policies --------------------------------------------------------------------------------


def test_new_households_are_due_after_their_colors_default_interval(world, clock):
    expected = {"green": 90, "yellow": 30, "orange": 14, "red": 7}
    for household in world.linked:
        assert household.next_visit_due == clock.today + days(expected[household.color])


def test_town_policy_change_replans_governed_households_in_one_update(world, clock):
    services.visit_policy_save(zone=world.other_zone, red_days=3)  # 胡山 overrides: not governed by the town policy
    f.HouseholdFactory(grid=world.other_zone_household.grid, color="red")
    before = {h.pk: h.next_visit_due for h in Household.objects.all()}
    with CaptureQueriesContext(connection) as queries:
        policy = services.visit_policy_save(town=world.town, red_days=10, green_days=60, user=world.town_user)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "villages_household"')
               or q["sql"].startswith("UPDATE villages_household")]
    assert len(updates) == 1
    assert policy.updated_by == world.town_user
    after = {h.pk: h for h in Household.objects.all()}
    assert after[world.red.pk].next_visit_due == before[world.red.pk] + days(3)
    assert after[world.green.pk].next_visit_due == before[world.green.pk] - days(30)
    assert after[world.unlinked.pk].next_visit_due == before[world.unlinked.pk] - days(30)
    assert after[world.yellow.pk].next_visit_due == before[world.yellow.pk]
    # the overriding zone and the other town are untouched
    for household in Household.objects.filter(zone=world.other_zone):
        assert household.next_visit_due == before[household.pk]
    assert after[world.other_town_household.pk].next_visit_due == before[world.other_town_household.pk]


def test_zone_override_starts_from_the_town_policy_and_deleting_it_falls_back(world, clock):
    services.visit_policy_save(town=world.town, yellow_days=20, orange_content=["了解困难诉求", "送医送药"])
    yellow_due = refreshed(world.yellow).next_visit_due
    override = services.visit_policy_save(zone=world.zone, green_days=120)
    assert (override.yellow_days, override.orange_content) == (20, ["了解困难诉求", "送医送药"])
    assert selectors.policy_for_household(world.green).source == "zone"
    assert refreshed(world.green).next_visit_due == clock.today + days(120)
    assert refreshed(world.yellow).next_visit_due == yellow_due
    services.visit_policy_delete(policy=override)
    assert refreshed(world.green).next_visit_due == clock.today + days(90)
    assert selectors.policy_for_household(world.green).source == "town"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"red_days": 0}, "red_days"),
        ({"green_days": -5}, "green_days"),
        ({"yellow_days": 400}, "yellow_days"),
        ({"red_content": ["了解困难诉求", ""]}, "red_content"),
        ({"escalate_grid_days": 10, "escalate_zone_red_days": 5}, "escalate_zone_red_days"),
        ({"remind_days_before": 90}, "remind_days_before"),
    ],
)
def test_bad_policy_is_refused_and_nothing_moves(world, values, field):
    before = dict(Household.objects.values_list("pk", "next_visit_due"))
    with pytest.raises(ValidationError) as exc:
        services.visit_policy_save(town=world.town, **values)
    assert field in exc.value.message_dict
    assert not VisitPolicy.objects.exists()
    assert dict(Household.objects.values_list("pk", "next_visit_due")) == before


def test_zone_must_belong_to_the_town(world):
    with pytest.raises(ValidationError) as exc:
        services.visit_policy_save(town=world.other_town, zone=world.zone, red_days=5)
    assert "zone" in exc.value.message_dict


# --- color classification ----------------------------------------------------------------------


def test_raising_to_red_needs_a_reason_and_writes_nothing_without_one(world):
    with pytest.raises(ValidationError) as exc:
        services.color_change(household=world.green, to_color="red", reason="  ", user=world.member_user)
    assert "reason" in exc.value.message_dict
    assert refreshed(world.green).color == "green"
    assert not ColorChange.objects.exists()


def test_unknown_color_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.color_change(household=world.green, to_color="purple", reason="x", user=world.cadre_user)
    assert "to_color" in exc.value.message_dict


def test_raising_replans_at_once_and_keeps_history(world, clock):
    clock.advance(days=60)  # green due in 30 days
    change = services.color_change(household=world.green, to_color="red", reason="突发重病，独自居住",
                                   user=world.member_user)
    green = refreshed(world.green)
    assert green.color == "red"
    assert green.next_visit_due == clock.today + days(7)
    assert (change.from_color, change.to_color, change.changed_by, change.next_visit_due) == (
        "green", "red", world.member_user, green.next_visit_due)


def test_raising_never_hides_an_overdue_household(world, clock):
    due = refreshed(world.yellow).next_visit_due
    clock.go_to(due + days(5))  # five days overdue as yellow
    services.color_change(household=world.yellow, to_color="orange", reason="老人摔伤", user=world.cadre_user)
    assert refreshed(world.yellow).next_visit_due == due
    assert selectors.is_overdue(refreshed(world.yellow))


def test_lowering_keeps_the_last_visit_clock_and_needs_a_cadre(world, clock):
    services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today)
    clock.advance(days=3)
    with pytest.raises(PermissionDenied):
        services.color_change(household=world.red, to_color="green", reason="", user=world.member_user)
    assert refreshed(world.red).color == "red"
    services.color_change(household=world.red, to_color="yellow", reason="纠纷已调解", user=world.cadre_user)
    red = refreshed(world.red)
    assert red.color == "yellow"
    assert red.next_visit_due == clock.today - days(3) + days(30)  # the visit three days ago + 30


def test_same_color_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.color_change(household=world.orange, to_color="orange", reason="x", user=world.cadre_user)
    assert "to_color" in exc.value.message_dict


def test_suggestion_from_tags_is_offered_never_applied_silently(world):
    household = f.HouseholdFactory(grid=world.grid, tags=["独居老人", "重病"], color="yellow")
    assert selectors.color_suggestion(household.tags) == ("orange", ["独居老人+重病"])
    assert selectors.color_suggestion(["矛盾纠纷", "信访", "低保"])[0] == "red"
    assert selectors.color_suggestion([]) == ("green", [])
    suggested = {h.pk: h.suggested_color for h in selectors.households_with_suggestion(Household.objects.all())}
    # 钱二 (低保 → yellow) is yellow already; 孙三 (独居老人 → yellow) is orange: only raising suggestions appear
    assert suggested == {household.pk: "orange"}
    assert refreshed(household).color == "yellow"
    change = services.color_change(household=household, to_color="orange", source="suggestion", user=world.cadre_user)
    assert change.reason == "情况标签：独居老人+重病"
    with pytest.raises(ValidationError):
        services.color_change(household=world.unlinked, to_color="red", source="suggestion", user=world.cadre_user)


def test_a_plain_household_edit_of_the_color_still_leaves_history_and_replans(world, clock):
    household_update(household=world.green, color="orange")
    change = ColorChange.objects.get(household=world.green)
    assert (change.from_color, change.to_color, change.source) == ("green", "orange", "household_edit")
    assert refreshed(world.green).next_visit_due == clock.today + days(14)
    household_update(household=world.green, address="新地址1号")  # no color change: no history
    assert ColorChange.objects.filter(household=world.green).count() == 1


# --- visits -------------------------------------------------------------------------------------


def test_logging_a_visit_moves_the_due_date(world, clock):
    clock.advance(days=10)
    visit = services.visit_log(
        household=world.red, author=world.member_user, visited_on=clock.today - days(1), method="phone",
        content=["了解困难诉求", "化解矛盾纠纷"], duties=["concerns", "harmony"], concerns="邻里宅基地纠纷",
        follow_up_needed=True, follow_up_note="报工作区轮值调解室",
    )
    assert visit.visitor_member == world.member  # the author's linked party member record
    assert (visit.color, visit.visitor_name, visit.created_by) == ("red", "张党员", world.member_user)
    assert refreshed(world.red).next_visit_due == clock.today - days(1) + days(7)
    state = HouseholdVisitState.objects.get(household=world.red)
    assert (state.last_visit, state.last_visited_on, state.visits) == (visit, clock.today - days(1), 1)


def test_a_back_dated_visit_never_moves_the_due_date_back(world, clock):
    clock.advance(days=5)
    services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today)
    due = refreshed(world.red).next_visit_due
    services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today - days(4))
    assert refreshed(world.red).next_visit_due == due
    state = HouseholdVisitState.objects.get(household=world.red)
    assert (state.last_visited_on, state.visits) == (clock.today, 2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"visited_on": "tomorrow"}, "visited_on"),
        ({"visited_on": "before-registration"}, "visited_on"),
        ({"method": "letter"}, "method"),
        ({"content": ["了解困难诉求", "打麻将"]}, "content"),
        ({"duties": ["policy", "boss"]}, "duties"),
        ({"follow_up_needed": True, "follow_up_note": " "}, "follow_up_note"),
    ],
)
def test_bad_visits_are_refused_and_nothing_is_written(world, clock, kwargs, field):
    clock.advance(days=2)
    kwargs = dict(kwargs)
    if kwargs.get("visited_on") == "tomorrow":
        kwargs["visited_on"] = clock.today + days(1)
    elif kwargs.get("visited_on") == "before-registration":
        kwargs["visited_on"] = clock.today - days(3)
    due = refreshed(world.red).next_visit_due
    with pytest.raises(ValidationError) as exc:
        services.visit_log(household=world.red, author=world.member_user,
                           **{"visited_on": clock.today, **kwargs})
    assert field in exc.value.message_dict
    assert not Visit.objects.exists() and not HouseholdVisitState.objects.exists()
    assert refreshed(world.red).next_visit_due == due


def test_a_visitor_must_be_linked_or_hold_a_role_over_the_household(world, clock):
    stranger = f.PartyMemberFactory(name="外村党员")
    with pytest.raises(ValidationError) as exc:
        services.visit_log(household=world.red, author=world.cadre_user, visitor_member=stranger,
                           visited_on=clock.today)
    assert "visitor_member" in exc.value.message_dict
    other_worker = f.UserFactory(username="stranger")
    with pytest.raises(ValidationError) as exc:
        services.visit_log(household=world.red, author=world.cadre_user, visitor_user=other_worker,
                           visited_on=clock.today)
    assert "visitor_user" in exc.value.message_dict
    assert not Visit.objects.exists()
    # the grid worker (not a party member) and the village cadre (a role over the village) may visit
    by_worker = services.visit_log(household=world.green, author=world.worker_user, visited_on=clock.today)
    assert (by_worker.visitor_user, by_worker.visitor_member) == (world.worker_user, None)
    by_cadre = services.visit_log(household=world.red, author=world.cadre_user, visited_on=clock.today)
    assert by_cadre.visitor_member == world.cadre_member


def test_author_corrects_within_seven_days_then_only_the_zone(world, clock):
    clock.advance(days=1)
    visit = services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today,
                               content=["了解困难诉求"])
    clock.advance(days=6)
    services.visit_correct(visit=visit, user=world.member_user, concerns="补充：需要低保复核")
    with pytest.raises(PermissionDenied):
        services.visit_correct(visit=visit, user=world.cadre_user, concerns="不是登记人")
    clock.advance(days=2)
    with pytest.raises(PermissionDenied):
        services.visit_correct(visit=visit, user=world.member_user, concerns="太晚了")
    with pytest.raises(PermissionDenied):
        services.visit_correct(visit=visit, user=world.other_zone_user, concerns="别的工作区")
    services.visit_correct(visit=visit, user=world.zone_user, visited_on=clock.today - days(9))
    visit.refresh_from_db()
    assert visit.concerns == "补充：需要低保复核"
    assert visit.corrected_by == world.zone_user
    # the date moved back a day: the household is re-planned from the corrected date
    assert refreshed(world.red).next_visit_due == clock.today - days(9) + days(7)
    labels = [e.pgh_label for e in Events.objects.tracks(visit).order_by("pgh_created_at")]
    assert labels == ["insert", "update", "update"]


def test_correction_is_validated_like_a_new_visit(world, clock):
    visit = services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today)
    with pytest.raises(ValidationError) as exc:
        services.visit_correct(visit=visit, user=world.member_user, visited_on=clock.today + days(1))
    assert "visited_on" in exc.value.message_dict
    assert Visit.objects.get(pk=visit.pk).visited_on == clock.today


# --- the one definition of overdue, across due dates ---------------------------------------------


def test_overdue_starts_the_day_after_the_due_date(world, clock):
    due = refreshed(world.red).next_visit_due
    households = Household.objects.filter(pk=world.red.pk)
    clock.go_to(due)
    assert not selectors.households_due(households, overdue_only=True).exists()
    assert selectors.households_due(households, within_days=0).exists()
    clock.advance(days=1)
    assert selectors.households_due(households, overdue_only=True).exists()
    assert selectors.is_overdue(refreshed(world.red))
    services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today)
    assert not selectors.households_due(households, overdue_only=True).exists()


def test_coverage_counts_households_visited_within_their_interval(world, clock):
    clock.advance(days=20)
    services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today - days(8))  # too long ago
    services.visit_log(household=world.orange, author=world.member_user, visited_on=clock.today - days(14))  # just in
    services.visit_log(household=world.green, author=world.member_user, visited_on=clock.today - days(1))
    rows = selectors.coverage(Household.objects.filter(grid=world.grid), by="member")
    assert rows == [{"level": "member", "id": world.member.pk, "name": "张党员", "households": 4, "covered": 2,
                     "rate": 0.5}]
    counts = selectors.due_counts(Household.objects.filter(village=world.village), by="grid", within_days=7)
    by_grid = {r["id"]: r for r in counts}
    # red (visited 8 days ago) is overdue; orange (visited 14 days ago) is due today
    assert (by_grid[world.grid.pk]["overdue"], by_grid[world.grid.pk]["due"]) == (1, 1)
    assert (by_grid[world.grid2.pk]["households"], by_grid[world.grid2.pk]["overdue"]) == (1, 0)


def test_the_policy_in_force_is_one_rule_in_python_and_in_sql(world, clock):
    """Zone override, else town policy, else defaults: the selectors and the job's SQL agree for every zone."""
    from visits import reminders

    services.visit_policy_save(town=world.town, red_days=5)
    services.visit_policy_save(zone=world.zone, red_days=3)
    by_zone = selectors.policies_by_zone()
    for zone, source, red in ((world.zone, "zone", 3), (world.other_zone, "town", 5), (world.other_town_household.zone, "default", 7)):
        one = selectors.policy_for(town_id=zone.town_id, zone_id=zone.pk)
        assert (one.source, one.intervals["red"]) == (source, red)
        assert by_zone[zone.pk] == one
    assert selectors.policy_for(town_id=world.town.pk, zone_id=None).source == "town"
    # the job plans a household without a due date under the same rule
    red_elsewhere = f.HouseholdFactory(grid=world.other_zone_household.grid, color="red")
    Household.objects.filter(pk__in=[world.red.pk, red_elsewhere.pk]).update(next_visit_due=None)
    assert reminders.households_plan_missing() == 2
    assert refreshed(world.red).next_visit_due == clock.today + datetime.timedelta(days=3)
    assert refreshed(red_elsewhere).next_visit_due == clock.today + datetime.timedelta(days=5)


def test_a_household_selection_names_households_never_sql():
    from visits.reminders import HouseholdSelection

    assert HouseholdSelection(household_ids=[3, 4]).where() == ("h.id = ANY(%(sel_households)s)", {"sel_households": [3, 4]})
    assert HouseholdSelection(town_id=1, except_zone_ids=[7]).where() == (
        "h.town_id = %(sel_town_id)s AND h.zone_id <> ALL(%(sel_except_zones)s)",
        {"sel_town_id": 1, "sel_except_zones": [7]})
    assert HouseholdSelection(all=True).where() == ("true", {})
    with pytest.raises(ValueError):
        HouseholdSelection()
