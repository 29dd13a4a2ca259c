"""The mediation statistics read the registry (core/metrics.py): for a node and a period they are the values of
GET /api/metrics/values/; the new figures (referred, concluded, follow-ups done, satisfied) hand-counted on the
cases of test_selectors; a selection the registry does not describe (a category) is counted over the rows."""
import pytest

from core import metrics
from mediation.selectors import STATISTICS_CODES
from tests.clients import api_client

from . import test_selectors

cases = test_selectors.cases  # the fixture: the hand-counted cases of March 2025

MARCH = {"received_after": "2025-03-01", "received_before": "2025-03-31"}
FRACTIONS = ("share_in_village", "share_in_zone", "satisfaction")


def test_the_new_figures_match_the_hand_count(world, cases):
    codes = ["mediation.referred", "mediation.concluded", "mediation.follow_ups_done", "mediation.satisfied"]
    values = metrics.evaluate(codes, metrics.NodeSet("zone", (world.zone_a.pk, world.zone_b.pk)),
                              metrics.Period.parse("2025-03"))
    # 闫满: c3 referred; c1, c2, c5, c6 resolved + c3; follow-ups c1 ×2, c2, c6 (three satisfied or basic)
    assert [values[world.zone_a.pk][c] for c in codes] == [1, 5, 4, 3]
    assert [values[world.zone_b.pk][c] for c in codes] == [0, 1, 0, 0]


def _registry(user, node: str, period: str) -> dict:
    answer = api_client(user).get("/api/metrics/values/", {"node": node, "period": period,
                                                            "codes": ",".join(STATISTICS_CODES)})
    assert answer.status_code == 200, answer.json()
    return {(v["node"], v["code"]): v["value"] for v in answer.json()["values"]}


def _page_value(figures: dict, code: str):
    name = code.removeprefix("mediation.")
    if name.startswith("source."):
        return figures["by_source"][name.removeprefix("source.")]
    if name.startswith("category."):
        return figures["by_category"][name.removeprefix("category.")]
    value = figures[name]
    return round(100 * value, 1) if name in FRACTIONS and value is not None else value


@pytest.mark.parametrize("who, params, node, group_by", [
    ("zone_a_user", {}, "zone_a", "village"),
    ("zone_a_user", {"zone": "zone_a"}, "zone_a", "village"),
    ("town_a_user", {}, "town_a", "zone"),
    ("town_a_user", {"zone": "zone_b"}, "zone_b", "village"),
    ("cadre_a1", {}, "village_a1", "village"),
])
def test_the_statistics_are_the_registrys_values(world, cases, who, params, node, group_by):
    user = getattr(world, who)
    query = {"group_by": group_by, **MARCH, **{k: getattr(world, v).pk for k, v in params.items()}}
    stats = api_client(user).get("/api/dispute-cases/statistics/", query).json()
    level = node.split("_")[0]
    key = f"{level}:{getattr(world, node).pk}"
    values = _registry(user, key, "2025-03")
    for code in STATISTICS_CODES:
        assert _page_value(stats["total"], code) == values[(key, code)], code
    rows = _registry(user, ",".join(f"{group_by}:{r['id']}" for r in stats["rows"]), "2025-03")
    for row in stats["rows"]:
        for code in STATISTICS_CODES:
            assert _page_value(row, code) == rows[(f"{group_by}:{row['id']}", code)], (row["name"], code)
    definitions = {d["key"]: d["definition"] for d in stats["definitions"]}
    received = metrics.get("mediation.received")
    assert definitions["received"] == f"{received.name}：{received.definition}"


def test_the_zone_statistics_hand_counted(world, cases):
    stats = api_client(world.zone_a_user).get("/api/dispute-cases/statistics/", {"group_by": "village", **MARCH}).json()
    total = stats["total"]
    assert (total["received"], total["resolved"], total["referred"], total["concluded"]) == (6, 4, 1, 5)
    assert (total["share_in_village"], total["share_in_zone"], total["satisfaction"]) == (0.4, 0.6, 0.75)
    assert [(r["name"], r["received"]) for r in stats["rows"]] == [("闫满村", 4), ("石匣村", 2)]


def test_a_village_cadre_grouping_by_zone_sees_their_village(world, cases):
    stats = api_client(world.cadre_a1).get("/api/dispute-cases/statistics/", {"group_by": "zone", **MARCH}).json()
    assert stats["group_by"] == "village" and [(r["name"], r["received"]) for r in stats["rows"]] == [("闫满村", 4)]
    assert stats["total"]["received"] == 4
    # asking for the zone (readable, an ancestor) shows the cadre's part of it, never the zone's total
    stats = api_client(world.cadre_a1).get("/api/dispute-cases/statistics/",
                                           {"group_by": "village", "zone": world.zone_a.pk, **MARCH}).json()
    assert stats["total"]["received"] == 4


def test_a_node_outside_the_scope_counts_nothing(world, cases):
    stats = api_client(world.zone_a_user).get("/api/dispute-cases/statistics/",
                                              {"group_by": "zone", "zone": world.zone_b.pk, **MARCH}).json()
    assert stats["total"]["received"] == 0 and stats["rows"] == []


def test_a_filtered_selection_is_counted_over_the_rows(world, cases):
    stats = api_client(world.zone_a_user).get("/api/dispute-cases/statistics/",
                                              {"group_by": "zone", "category": "neighbour", **MARCH}).json()
    assert stats["total"]["received"] == 2 and stats["total"]["by_category"]["neighbour"] == 2
    assert any(d["key"] == "received" for d in stats["definitions"])
