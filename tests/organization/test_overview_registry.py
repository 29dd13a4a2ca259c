"""The home overview reads the registry (core/metrics.py): the same values as GET /api/metrics/values/ for the
node at the top of the user's scope over today, the new figures hand-counted, each with its definition; a grid
member's scope (below the registry's levels) is counted over the scoped rows."""
import datetime

import pytest
from django.utils import timezone

from accounts.scoping import user_scope
from core import metrics
from organization.selectors import COLOR_FIGURES, OVERVIEW_FIGURES, overview_below
from tests import factories as f
from tests.clients import api_client
from zones.models import WorkZone

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    """官庄: zone 闫满 (villages 闫满: grids 2; 石匣: grid 1), zone 胡山 (village 胡山: grid 1), zone 旧 (archived);
    town 相公庄 (zone, village, grid 1). Households: 闫满 red, orange, green, green (the red one linked);
    石匣 yellow (linked); 胡山 green; 相公庄 red. Members in post: the two links' (闫满, 石匣); not in post: one who
    left 闫满, one who joins it in five days."""
    town = f.TownFactory(name="官庄街道")
    zone = f.WorkZoneFactory(town=town, name="闫满党建工作区")
    other_zone = f.WorkZoneFactory(town=town, name="胡山党建工作区")
    archived = f.WorkZoneFactory(town=town, name="旧工作区")
    WorkZone.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    yanman = f.VillageFactory(zone=zone, name="闫满村")
    shixia = f.VillageFactory(zone=zone, name="石匣村")
    hushan = f.VillageFactory(zone=other_zone, name="胡山村")
    grids = [f.MicroGridFactory(natural_village__village=v) for v in (yanman, yanman, shixia, hushan)]
    other_town = f.TownFactory(name="相公庄街道")
    far = f.MicroGridFactory(natural_village__village=f.VillageFactory(zone=f.WorkZoneFactory(town=other_town)))
    households = [f.HouseholdFactory(grid=grids[0], color=c) for c in ("red", "orange", "green")]
    households.append(f.HouseholdFactory(grid=grids[1], color="green"))
    yellow = f.HouseholdFactory(grid=grids[2], color="yellow")
    f.HouseholdFactory(grid=grids[3], color="green")
    f.HouseholdFactory(grid=far, color="red")
    f.HouseholdLinkFactory(household=households[0])  # its member: one more, on a branch of 闫满
    f.HouseholdLinkFactory(household=yellow)
    today = timezone.localdate()
    branch = f.PartyBranchFactory(village=yanman)
    f.PartyMemberFactory(branch=branch, left_on=today - datetime.timedelta(days=3))
    f.PartyMemberFactory(branch=branch, joined_on=today + datetime.timedelta(days=5))
    return {"town": town, "zone": zone, "yanman": yanman, "grid": grids[0], "other_town": other_town}


def _registry(user, node: str) -> dict:
    today = timezone.localdate().isoformat()
    codes = [*OVERVIEW_FIGURES.values(), *COLOR_FIGURES.values()]
    answer = api_client(user).get("/api/metrics/values/", {"node": node, "period": f"{today}..{today}",
                                                            "codes": ",".join(codes)})
    assert answer.status_code == 200, answer.json()
    return {v["code"]: v["value"] for v in answer.json()["values"]}


def test_the_new_figures_match_the_hand_count(place):
    today = timezone.localdate()
    period = metrics.Period.parse(f"{today}..{today}")
    codes = ["zones.towns", "zones.zones", "villages.villages", "villages.grids", "members.households",
             "members.linked_households", "members.unlinked_households", "members.count"]

    def at(level, node):
        return [metrics.evaluate(codes, metrics.NodeSet(level, (node,)), period)[node][c] for c in codes]

    # towns, zones (the archived one left out), villages, grids, households, linked, unlinked, members in post
    # (the two links' members are in post, one on each village's branch; one member left, one joins later)
    assert at("district", None) == [2, 3, 4, 5, 7, 2, 5, 2]
    assert at("town", place["town"].pk) == [1, 2, 3, 4, 6, 2, 4, 2]
    assert at("zone", place["zone"].pk) == [1, 1, 2, 3, 5, 2, 3, 2]
    assert at("village", place["yanman"].pk) == [1, 1, 1, 2, 4, 1, 3, 1]


@pytest.mark.parametrize("role, node", [("district_admin", None), ("town_staff", "town"), ("zone_committee", "zone"),
                                        ("village_cadre", "yanman")])
def test_the_overview_reads_the_registry_for_the_top_of_the_scope(place, role, node):
    user = f.make_user(role, place[node] if node else None)
    overview = api_client(user).get("/api/overview/").json()
    key = "district" if node is None else f"{ {'yanman': 'village'}.get(node, node)}:{place[node].pk}"
    values = _registry(user, key)
    for name, code in OVERVIEW_FIGURES.items():
        assert overview[name] == values[code], name
    assert overview["households_by_color"] == {c: values[code] for c, code in COLOR_FIGURES.items()}
    households = metrics.get("members.households")
    assert overview["definitions"]["households"] == f"{households.name}：{households.definition}"
    assert set(overview["definitions"]) == set(OVERVIEW_FIGURES) | set(COLOR_FIGURES)


def test_the_zone_overview_hand_counted(place):
    overview = api_client(f.make_user("zone_committee", place["zone"])).get("/api/overview/").json()
    assert (overview["towns"], overview["zones"], overview["villages"], overview["grids"]) == (1, 1, 2, 3)
    assert overview["households_by_color"] == {"red": 1, "orange": 1, "yellow": 1, "green": 2}
    assert (overview["households"], overview["links"], overview["unlinked_households"]) == (5, 2, 3)
    assert (overview["members"], overview["link_coverage"]) == (2, 40.0)


def test_a_grid_member_is_counted_over_their_rows(place):
    """A grid is below the registry's levels: the scoped rows, the same definitions."""
    overview = api_client(f.make_user("grid_member", place["grid"])).get("/api/overview/").json()
    assert overview["households"] == 3 and overview["grids"] == 1
    assert overview["households_by_color"] == {"red": 1, "orange": 1, "yellow": 0, "green": 1}
    assert (overview["links"], overview["unlinked_households"], overview["link_coverage"]) == (1, 2, 33.3)
    assert "households" in overview["definitions"]


def test_the_breakdown_below_the_top_reads_the_registry(place):
    below = {r["name"]: r for r in overview_below(user_scope(f.make_user("town_staff", place["town"])))}
    assert (below["闫满党建工作区"]["households"], below["闫满党建工作区"]["red"]) == (5, 1)
    assert below["胡山党建工作区"]["households"] == 1 and "旧工作区" not in below


def test_a_node_outside_the_scope_is_refused_by_the_api_the_overview_never_names_one(place):
    user = f.make_user("zone_committee", place["zone"])
    answer = api_client(user).get("/api/metrics/values/", {"node": f"town:{place['town'].pk}", "period": "2026"})
    assert answer.status_code == 400
    assert api_client(user).get("/api/overview/").json()["households"] == 5
