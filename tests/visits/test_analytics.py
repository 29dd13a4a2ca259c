"""The visits' analytics tables stay exact: after logging, correcting and moving households, the figures read
from them equal a count of the visits themselves, for every level and kind of period."""
from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection

from accounts.models import Role
from core.metrics import NodeSet, Period
from members.models import Duty
from tests import factories as f
from villages import services as village_services
from visits import analytics, services, tasks
from visits.metrics import visit_figures
from visits.models import HouseholdVisitYear, Visit, VisitDay, VisitMethod

pytestmark = pytest.mark.django_db

CONCERNS = ["", "", "路灯不亮", "想咨询医保"]


def counted(nodes: NodeSet, period: Period) -> dict:
    """The figures of `visit_figures` counted by hand from the visits (current places and people counts)."""
    path = {"district": None, "town": "town_id", "zone": "zone_id", "village": "village_id"}[nodes.level]
    result: dict = {}
    in_person: dict = {}
    for visit in Visit.objects.select_related("household"):
        if not period.start <= visit.visited_on <= period.end:
            continue
        node = getattr(visit.household, path) if path else None
        if node not in nodes.ids:
            continue
        row = result.setdefault(node, {})
        concern = visit.concerns != ""
        for code, hit in [("visits.total", True), (f"visits.method.{visit.method}", True),
                          ("visits.concerns", concern), ("visits.concerns_on_spot", concern and not visit.follow_up_needed),
                          *((f"visits.duty.{d}", d in visit.duties) for d in Duty.values)]:
            row[code] = row.get(code, 0) + int(hit)
        if visit.method == VisitMethod.IN_PERSON:
            in_person.setdefault(node, {})[visit.household_id] = visit.household.people_count
    for node, households in in_person.items():
        result[node].update({"visits.in_person_households": len(households),
                             "visits.people_served": sum(households.values())})
    return result


def read(nodes: NodeSet, period: Period) -> dict:
    computed = visit_figures(nodes, period)
    return {node: {code: value for code, value in row.items() if code.startswith("visits.") and value}
            for node, row in computed.items() if any(v for c, v in row.items() if c.startswith("visits."))}


def nonzero(rows: dict) -> dict:
    return {node: {c: v for c, v in row.items() if v} for node, row in rows.items() if any(row.values())}


def assert_exact(world) -> None:
    assert analytics.differences() == 0
    years = {(y.household_id, y.year): y.days for y in HouseholdVisitYear.objects.all()}
    expected: dict = {}
    for visit in Visit.objects.filter(method=VisitMethod.IN_PERSON):
        bits = expected.setdefault((visit.household_id, visit.visited_on.year), ["0"] * analytics.DAY_BITS)
        bits[visit.visited_on.timetuple().tm_yday - 1] = "1"
    assert years == {key: "".join(bits) for key, bits in expected.items()}
    households = [world.green, world.yellow, world.orange, world.red, world.unlinked,
                  world.other_zone_household, world.other_town_household]
    for h in households:
        h.refresh_from_db()
    levels = {
        "district": (None,),
        "town": (world.town.pk, world.other_town.pk),
        "zone": (world.zone.pk, world.other_zone.pk, world.other_town_household.zone_id),
        "village": tuple({h.village_id for h in households}),
    }
    for period in ("2025", "2025-Q2", "2025-12", "2025-05-20..2025-06-10", "2025-12-30..2026-01-02", "2026"):
        for level, ids in levels.items():
            nodes = NodeSet(level, ids)
            assert read(nodes, Period.parse(period)) == nonzero(counted(nodes, Period.parse(period))), (period, level)


def test_logged_corrected_and_moved_visits_keep_the_tables_exact(world, clock):
    rng = random.Random(11)
    admin = f.make_user(Role.DISTRICT_ADMIN, None, username="qu")
    today = clock.go_to(datetime.date(2026, 1, 15))
    households = [world.green, world.yellow, world.orange, world.red, world.unlinked,
                  world.other_zone_household, world.other_town_household]
    visits = []
    for _ in range(40):
        household = rng.choice(households)
        visits.append(services.visit_log(
            household=household, author=admin,
            visitor_member=world.member if household in world.linked else None,
            visitor_user=None if household in world.linked else admin,
            visited_on=today - datetime.timedelta(days=rng.randrange(0, 290)),
            method=rng.choice(VisitMethod.values), duties=rng.sample(Duty.values, rng.randrange(0, 3)),
            concerns=rng.choice(CONCERNS), follow_up_needed=rng.random() < 0.3, follow_up_note="再去看看"))
    assert_exact(world)

    # corrections move a visit's contribution: another day (across the year's end too), method, duties, concerns
    for visit in rng.sample(visits, 8):
        services.visit_correct(
            visit=visit, user=admin,
            visited_on=visit.visited_on - datetime.timedelta(days=rng.randrange(1, 20)),
            method=rng.choice(VisitMethod.values), duties=rng.sample(Duty.values, 2), concerns=rng.choice(CONCERNS),
            follow_up_needed=False)
    assert_exact(world)

    # households change village three ways: a household into another village's grid, a grid into another
    # village's natural village, a natural village into another village
    target_grid = world.other_zone_household.grid
    village_services.household_update(household=world.green, grid=target_grid)
    village_services.grid_move(grid=world.grid2, to_natural_village=target_grid.natural_village, apply=True)
    assert_exact(world)
    other = f.VillageFactory(zone=world.other_zone, name="新村")
    village_services.natural_village_move(natural_village=world.grid.natural_village, to_village=other, apply=True)
    assert_exact(world)


def test_a_full_rebuild_gives_the_same_rows(world, clock):
    clock.go_to(datetime.date(2025, 3, 20))
    for day, method in ((18, "in_person"), (19, "phone"), (19, "in_person")):
        services.visit_log(household=world.red, author=world.member_user, visited_on=datetime.date(2025, 3, day),
                           method=method, concerns="漏水")
    before = sorted(VisitDay.objects.values_list(*["village_id", "day", *analytics.COLUMNS]))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE visits_visitday SET total = total + 5")
    assert analytics.differences() == 2  # both days
    assert analytics.rebuild() == 2
    assert sorted(VisitDay.objects.values_list(*["village_id", "day", *analytics.COLUMNS])) == before
    row = VisitDay.objects.get(day=datetime.date(2025, 3, 19))
    assert (row.total, row.method_in_person, row.method_phone, row.concerns, row.concerns_on_spot) == (2, 1, 1, 2, 2)
    assert HouseholdVisitYear.objects.get(household=world.red).days.count("1") == 2


def test_the_nightly_check_finds_and_repairs_a_difference(world, clock, caplog):
    clock.go_to(datetime.date(2025, 3, 20))
    services.visit_log(household=world.red, author=world.member_user, visited_on=datetime.date(2025, 3, 19))
    assert tasks.check_visit_analytics() == 0
    VisitDay.objects.all().delete()  # e.g. a restored backup without the analytics tables
    with caplog.at_level("ERROR", logger="visits"):
        assert tasks.check_visit_analytics() == 1
    assert "rebuilt" in caplog.text
    assert analytics.differences() == 0 and VisitDay.objects.get().total == 1
    HouseholdVisitYear.objects.all().delete()
    assert tasks.check_visit_analytics() == 1 and HouseholdVisitYear.objects.count() == 1
