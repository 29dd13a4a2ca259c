"""GET /api/search/: the header's global search, each kind within the user's scope."""
import pytest

from accounts.models import Role
from mediation import services as mediation_services
from tests import factories as f
from tests.clients import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    out = {}
    for key in ("a", "b"):
        zone = f.WorkZoneFactory()
        village = f.VillageFactory(zone=zone, name=f"张家村{key}")
        nv = f.NaturalVillageFactory(village=village)
        grid = f.MicroGridFactory(natural_village=nv)
        other_grid = f.MicroGridFactory(natural_village=nv)
        household = f.HouseholdFactory(grid=grid, head_name="张三", address=f"幸福路{key}号")
        far = f.HouseholdFactory(grid=other_grid, head_name="张四", address="远处路1号")
        branch = f.PartyBranchFactory(village=village)
        member = f.PartyMemberFactory(branch=branch, name="张三丰")
        cadre = f.make_user(Role.VILLAGE_CADRE, village)
        case = mediation_services.case_create(
            by=cadre, village=village, source="grid", category="neighbour", title="张三家排水沟纠纷",
            description="两户争吵。", parties=[{"role": "applicant", "name": "李四"}])
        out[key] = {"zone": zone, "village": village, "grid": grid, "household": household, "far": far,
                    "member": member, "case": case}
    return out


def search(user, q):
    return api_client(user).get("/api/search/", {"q": q})


def ids(data, kind):
    return {row["id"] for row in data[kind]}


def test_a_zone_user_finds_only_their_zone(world):
    user = f.make_user(Role.ZONE_COMMITTEE, world["a"]["zone"])
    response = search(user, "张")
    assert response.status_code == 200, response.data
    data = response.data
    a, b = world["a"], world["b"]
    assert ids(data, "households") == {a["household"].pk, a["far"].pk}
    assert ids(data, "members") == {a["member"].pk}
    assert ids(data, "villages") == {a["village"].pk}
    assert ids(data, "cases") == {a["case"].pk}
    assert not ids(data, "members") & {b["member"].pk}
    assert not ids(data, "villages") & {b["village"].pk}
    assert not ids(data, "cases") & {b["case"].pk}
    assert not ids(data, "households") & {b["household"].pk, b["far"].pk}
    assert data["households"][0]["url"] == f"/households/{data['households'][0]['id']}/"
    assert data["members"][0]["url"] == f"/members/{a['member'].pk}/"
    assert data["villages"][0]["url"] == f"/households/?village={a['village'].pk}"
    assert data["cases"][0]["url"] == f"/mediation/cases/{a['case'].pk}/"


def test_a_grid_member_finds_their_grid_and_linked_households_only(world):
    a = world["a"]
    me = f.PartyMemberFactory(branch=a["member"].branch, name="网格员")
    linked = f.HouseholdFactory(grid=f.MicroGridFactory(natural_village=a["far"].natural_village), head_name="张五")
    f.HouseholdLinkFactory(household=linked, member=me)
    user = f.make_user(Role.GRID_MEMBER, a["grid"], member=me)
    data = search(user, "张").data
    assert ids(data, "households") == {a["household"].pk, linked.pk}
    assert not ids(data, "cases") & {world["b"]["case"].pk}


def test_pinyin_initials_and_address_match(world):
    user = f.make_user(Role.ZONE_COMMITTEE, world["a"]["zone"])
    data = search(user, "zs").data
    assert world["a"]["household"].pk in ids(data, "households")
    data = search(user, "ZSF").data
    assert ids(data, "members") == {world["a"]["member"].pk}
    data = search(user, "幸福路").data
    assert ids(data, "households") == {world["a"]["household"].pk}
    data = search(user, "李四").data
    assert ids(data, "cases") == {world["a"]["case"].pk}


def test_results_carry_no_personal_numbers(world):
    user = f.make_user(Role.DISTRICT_ADMIN)
    data = search(user, "张").data
    for kind in data:
        for row in data[kind]:
            assert set(row) == {"id", "title", "subtitle", "url"}


def test_at_most_five_a_kind(world):
    village = world["a"]["village"]
    grid = world["a"]["grid"]
    for _ in range(7):
        f.HouseholdFactory(grid=grid, head_name="王五")
    user = f.make_user(Role.VILLAGE_CADRE, village)
    assert len(search(user, "王五").data["households"]) == 5


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "张" * 51}])
def test_a_missing_empty_or_long_q_is_a_400_naming_the_field(world, params):
    user = f.make_user(Role.DISTRICT_ADMIN)
    response = api_client(user).get("/api/search/", params)
    assert response.status_code == 400
    message = " ".join(response.data["q"])
    assert "搜索关键词" in message


def test_anonymous_is_refused(client):
    assert client.get("/api/search/", {"q": "张"}).status_code in (401, 403)
