"""Households registered together (``villages.services.households_create``, an Excel import) are planned as if
registered one by one: the same first due date under the policy in force, the same reminders, the same history."""
import datetime

import pytest
from pghistory.models import Events

from core.text import pinyin_key
from villages.models import Household, HouseholdPerson
from villages.services import household_create, households_create, households_insert
from visits import services
from visits.models import Reminder

COLORS = ("green", "yellow", "orange", "red")
REMINDER_FIELDS = ("due_on", "recipient_id", "color", "created_on", "next_step_on", "closed_on",
                   "escalated_grid_at", "escalated_zone_at", "escalated_town_at")


def _item(grid, color, n, people=True):
    item = {"grid": grid, "head_name": f"韩{n}", "address": f"新村路{n}号", "phone": "13812345678", "color": color,
            "tags": ["低保"] if color != "green" else []}
    if people:
        item["people"] = [{"name": f"韩{n}", "relation": "户主", "birth_year": 1950},
                          {"name": f"韩{n}妻", "relation": "配偶", "birth_year": 1952, "tags": ["残疾"]}]
    else:
        item["people_count"] = 3
    return item


def _reminders(household):
    return list(Reminder.objects.filter(household=household).order_by("due_on").values_list(*REMINDER_FIELDS))


def _history(household):
    """The household's own row's events, and its people's (their values, not the row ids)."""
    own = [e.pgh_label for e in Events.objects.tracks(household).order_by("pgh_id")]
    people = sorted((e.pgh_label, e.pgh_data["relation"], e.pgh_data["birth_year"], e.pgh_data["position"])
                    for e in Events.objects.references(household).across("villages.HouseholdPersonEvent"))
    return own, people


@pytest.mark.parametrize("days_later", [0, 5])
def test_households_registered_together_are_planned_as_one_by_one(world, clock, days_later):
    # three policies in force: 闫满's own (red 3 days, so its red households are already past the grid step
    # window), 官庄's (胡山 inherits it), and the defaults (相公庄)
    services.visit_policy_save(town=world.town, yellow_days=20, red_days=5, remind_days_before=10)
    services.visit_policy_save(zone=world.zone, red_days=3, orange_days=8)
    clock.advance(days=days_later, hours=3)
    grids = [world.grid, world.grid2, world.other_zone_household.grid, world.other_town_household.grid]
    singles, items = [], []
    n = 0
    for grid in grids:
        for color in COLORS:
            for people in (True, False):
                n += 1
                singles.append(household_create(**_item(grid, color, n, people)))
                items.append(_item(grid, color, n + 1000, people))
    together = households_create(households=items)
    assert len(together) == len(singles)
    reminded = 0
    for one, bulk in zip(singles, together):
        one, bulk = Household.objects.get(pk=one.pk), Household.objects.get(pk=bulk.pk)
        assert bulk.next_visit_due == one.next_visit_due, (bulk.color, bulk.zone_id)
        interval = services.selectors.policy_for_household(bulk).intervals[bulk.color]
        assert bulk.next_visit_due == clock.today + datetime.timedelta(days=interval)
        assert bulk.created_at.date() == one.created_at.date()
        assert (bulk.people_count, bulk.phone_hash, bulk.color, bulk.tags) == (
            one.people_count, one.phone_hash, one.color, one.tags)
        assert bulk.name_pinyin == pinyin_key(bulk.head_name) != ""
        assert (bulk.grid_id, bulk.natural_village_id, bulk.village_id, bulk.zone_id, bulk.town_id) == (
            one.grid_id, one.natural_village_id, one.village_id, one.zone_id, one.town_id)
        assert [(p.relation, p.birth_year, p.tags, p.position) for p in bulk.people.order_by("position")] == [
            (p.relation, p.birth_year, p.tags, p.position) for p in one.people.order_by("position")]
        assert _reminders(bulk) == _reminders(one), (bulk.color, bulk.zone_id)
        assert _history(bulk) == _history(one)
        assert _history(bulk)[0] == ["insert"]  # the row written once, its due date in it
        reminded += bool(_reminders(bulk))
    assert reminded >= 8  # red households everywhere, orange and yellow under the longer reminder window
    # addressed to the grid worker of 网格一 (no member links a new household)
    assert Reminder.objects.filter(household__in=together, household__grid=world.grid,
                                   recipient=world.worker_user).exists()


def test_households_registered_together_keep_a_due_date_already_set(world, clock):
    household = Household(head_name="韩1", address="新村路1号", people_count=1, color="red")
    household.place_in(world.grid)
    household.next_visit_due = clock.today + services._days(60)
    households_insert(households=[household])
    assert Household.objects.get(pk=household.pk).next_visit_due == clock.today + services._days(60)
    assert not Reminder.objects.filter(household=household).exists()  # not due within the window


def test_households_registered_together_take_a_few_statements_whatever_their_number(world, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(n, start):
        with CaptureQueriesContext(connection) as queries:
            households_create(households=[_item(world.grid2, COLORS[i % 4], start + i) for i in range(n)])
        return len(queries.captured_queries)

    few, many = statements(3, 0), statements(60, 100)
    assert few == many <= 12
    assert HouseholdPerson.objects.filter(household__grid=world.grid2).count() == 2 * 63
