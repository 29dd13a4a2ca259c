"""The visits dashboard reads the registry (core/metrics.py): the same values as GET /api/metrics/values/ for the
node shown over today, the new figures (colour mix, overdue by colour, due within 7 days) hand-counted, each with
its definition; a scope below the registry's levels (a grid member) keeps its own count over its rows."""
import datetime

import pytest

from core import metrics
from tests import factories as f
from tests.clients import api_client
from villages.models import Household
from visits.selectors import COLOR_MIX_FIGURES, DASHBOARD_FIGURES, VILLAGE_FIGURES

COLORS = ("green", "yellow", "orange", "red")


@pytest.fixture
def plan(world, clock):
    """Due dates set by hand (today = 2025-03-03): red two days ago and orange yesterday (overdue), yellow in 3 days,
    grid two's green in 7 (due this week), grid one's green in 8; 胡山 and 相公庄 in 30 days. One more green household
    in a second village of 闫满 zone (石匣), due in 30 days."""
    today = clock.today
    due = {world.red: -2, world.orange: -1, world.yellow: 3, world.unlinked: 7, world.green: 8,
           world.other_zone_household: 30, world.other_town_household: 30}
    for household, days in due.items():
        Household.objects.filter(pk=household.pk).update(next_visit_due=today + datetime.timedelta(days=days))
    second = f.VillageFactory(zone=world.zone, name="石匣村")
    extra = f.HouseholdFactory(grid=f.MicroGridFactory(natural_village__village=second), color="green")
    Household.objects.filter(pk=extra.pk).update(next_visit_due=today + datetime.timedelta(days=30))
    return second


def _period(clock):
    return metrics.Period.parse(f"{clock.today}..{clock.today}")


def _codes():
    return [*DASHBOARD_FIGURES.values(), *(c for pair in COLOR_MIX_FIGURES.values() for c in pair)]


def test_the_plan_figures_match_the_hand_count(world, clock, plan):
    codes = [*(f"visits.color.{c}" for c in COLORS), *(f"visits.overdue_color.{c}" for c in COLORS), "visits.due_week"]

    def at(level, node, period=None):
        values = metrics.evaluate(codes, metrics.NodeSet(level, (node,)), period or _period(clock))[node]
        return [values[c] for c in codes]

    # green, yellow, orange, red | overdue green, yellow, orange, red | due within 7 days (overdue included)
    assert at("village", world.village.pk) == [2, 1, 1, 1, 0, 0, 1, 1, 4]
    assert at("zone", world.zone.pk) == [3, 1, 1, 1, 0, 0, 1, 1, 4]
    assert at("town", world.town.pk) == [4, 1, 1, 1, 0, 0, 1, 1, 4]
    assert at("district", None) == [5, 1, 1, 1, 0, 0, 1, 1, 4]
    # a period that ended before today: no colour or due date is kept for it
    assert at("zone", world.zone.pk, metrics.Period.parse("2024")) == [None] * 9


def _registry(user, node, codes, clock):
    answer = api_client(user).get("/api/metrics/values/", {"node": node, "period": f"{clock.today}..{clock.today}",
                                                            "codes": ",".join(codes)})
    assert answer.status_code == 200, answer.json()
    return {(v["node"], v["code"]): v["value"] for v in answer.json()["values"]}


def _assert_same(board, values, node):
    for key, code in DASHBOARD_FIGURES.items():
        if key == "coverage_rate":
            assert values[(node, code)] == round(100 * board[key], 1)
        elif key != "overdue_red":
            assert board[key] == values[(node, code)], key
    mix = {c["color"]: (c["households"], c["overdue"]) for c in board["color_mix"]}
    assert mix == {c: (values[(node, a)], values[(node, b)]) for c, (a, b) in COLOR_MIX_FIGURES.items()}


@pytest.mark.parametrize("who, params, node", [
    ("zone_user", {"zone": "zone"}, "zone"), ("zone_user", {}, "zone"), ("town_user", {}, "town"),
    ("town_user", {"zone": "zone"}, "zone"), ("cadre_user", {}, "village"),
])
def test_the_dashboard_reads_the_registry_for_the_node_shown(world, clock, plan, who, params, node):
    user = getattr(world, who)
    board = api_client(user).get("/api/visits/dashboard/", {k: getattr(world, v).pk for k, v in params.items()}).json()
    key = f"{node}:{getattr(world, node).pk}"
    _assert_same(board, _registry(user, key, _codes(), clock), key)
    # each village row is the registry's figure for that village
    villages = ",".join(f"village:{r['id']}" for r in board["overdue_by_village"])
    rows = _registry(user, villages, list(VILLAGE_FIGURES.values()), clock)
    for row in board["overdue_by_village"]:
        for name, code in VILLAGE_FIGURES.items():
            expected = rows[(f"village:{row['id']}", code)]
            assert row[name] == (round(expected / 100, 4) if name == "rate" and expected is not None else expected)
    definitions = {d["key"]: d["definition"] for d in board["definitions"]}
    overdue = metrics.get("visits.overdue")
    assert definitions["overdue"] == f"{overdue.name}：{overdue.definition}"
    assert {"households", "due_week", "coverage_rate", "village_rate", "color_red"} <= set(definitions)


def test_the_zone_dashboard_hand_counted(world, clock, plan):
    board = api_client(world.zone_user).get("/api/visits/dashboard/", {"zone": world.zone.pk}).json()
    assert (board["households"], board["overdue"], board["due_week"]) == (6, 2, 4)
    assert [(r["name"], r["households"], r["overdue"], r["overdue_red"]) for r in board["overdue_by_village"]] == [
        ("闫满村", 5, 2, 1), ("石匣村", 1, 0, 0)]
    assert board["coverage_trend"][-1]["households"] == 6


def test_a_village_cadre_opening_their_zone_sees_their_village_only(world, clock, plan):
    """The zone is readable to the cadre (an ancestor) but its total is not theirs: the village is shown."""
    board = api_client(world.cadre_user).get("/api/visits/dashboard/", {"zone": world.zone.pk}).json()
    assert board["households"] == 5 and [r["name"] for r in board["overdue_by_village"]] == ["闫满村"]
    answer = api_client(world.cadre_user).get("/api/metrics/values/", {"node": f"zone:{world.zone.pk}", "period": "2025"})
    assert answer.status_code == 400  # the metrics API refuses the zone too


def test_a_zone_outside_the_scope_is_404(world, clock, plan):
    assert api_client(world.zone_user).get("/api/visits/dashboard/", {"zone": world.other_zone.pk}).status_code == 404
    assert api_client(world.cadre_user).get("/api/visits/dashboard/", {"town": world.other_town.pk}).status_code == 404


@pytest.mark.parametrize("who", ["worker_user", "member_user"])
def test_a_grid_member_is_counted_over_their_rows(world, clock, plan, who):
    """A grid (or one's linked households) is below the registry's levels: the scoped rows, same definitions."""
    board = api_client(getattr(world, who)).get("/api/visits/dashboard/").json()
    assert (board["households"], board["overdue"], board["due_week"]) == (4, 2, 3)
    assert {c["color"]: c["households"] for c in board["color_mix"]} == {"green": 1, "yellow": 1, "orange": 1, "red": 1}
    assert [(r["name"], r["households"]) for r in board["overdue_by_village"]] == [("闫满村", 4)]
    assert any(d["key"] == "households" for d in board["definitions"])
