"""Parents move only through the move services, and the denormalised ancestors always follow the tree."""
import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role
from members.models import PartyBranch
from mediation import services as mediation_services
from organization.services import tree_check
from tests.clients import api_client
from tests import factories as f
from villages import services as village_services
from villages.models import Household, MicroGrid, NaturalVillage, Village
from organization import services as organization_services
from zones.models import WorkZone

pytestmark = pytest.mark.django_db


def assert_tree_consistent():
    report = tree_check()
    assert {code: row["found"] for code, row in report.items() if row["found"]} == {}


@pytest.fixture
def tree():
    """Two towns; town A has zones A1 and A2; each zone one village with a natural village, a grid, households,
    a village branch and a dispute case."""
    town_a, town_b = f.TownFactory(), f.TownFactory()
    zone_a1, zone_a2 = f.WorkZoneFactory(town=town_a), f.WorkZoneFactory(town=town_a)
    zone_b = f.WorkZoneFactory(town=town_b)
    out = {"town_a": town_a, "town_b": town_b, "zone_a1": zone_a1, "zone_a2": zone_a2, "zone_b": zone_b}
    for key, zone in (("1", zone_a1), ("2", zone_a2), ("b", zone_b)):
        village = f.VillageFactory(zone=zone)
        nv = f.NaturalVillageFactory(village=village)
        grid = f.MicroGridFactory(natural_village=nv)
        households = [f.HouseholdFactory(grid=grid) for _ in range(3)]
        f.PartyBranchFactory(village=village)
        cadre = f.make_user(Role.VILLAGE_CADRE, village)
        mediation_services.case_create(by=cadre, village=village, source="grid", category="neighbour", title="排水沟纠纷",
                                       description="两户争吵。", parties=[{"role": "applicant", "name": "张三"}])
        out.update({f"village_{key}": village, f"nv_{key}": nv, f"grid_{key}": grid, f"households_{key}": households})
    out["admin"] = f.make_user(Role.DISTRICT_ADMIN)
    out["town_user"] = f.make_user(Role.TOWN_STAFF, town_a)
    return out


# --- plain CRUD cannot move a parent ----------------------------------------------------------------

@pytest.mark.parametrize(("url", "field", "target"), [
    ("/api/villages/{village_1.pk}/", "zone", "zone_a2"),
    ("/api/natural-villages/{nv_1.pk}/", "village", "village_2"),
    ("/api/grids/{grid_1.pk}/", "natural_village", "nv_2"),
    ("/api/zones/{zone_a1.pk}/", "town", "town_b"),
])
def test_patching_a_parent_is_refused_and_names_the_move_action(tree, url, field, target):
    households_before = sorted(Household.objects.values_list("pk", "zone_id", "town_id", "village_id"))
    client = api_client(tree["admin"])
    response = client.patch(url.format(**tree), {field: tree[target].pk}, format="json")
    assert response.status_code == 400, response.data
    message = " ".join(response.data[field])
    assert "move" in message and "迁移" in message
    assert sorted(Household.objects.values_list("pk", "zone_id", "town_id", "village_id")) == households_before
    assert_tree_consistent()


def test_an_update_that_keeps_the_parent_is_fine(tree):
    client = api_client(tree["admin"])
    village = tree["village_1"]
    response = client.put(f"/api/villages/{village.pk}/", {"zone": village.zone_id, "name": "新名字村", "kind": village.kind},
                          format="json")
    assert response.status_code == 200, response.data
    assert Village.objects.get(pk=village.pk).name == "新名字村"


# --- the move services keep every ancestor right ----------------------------------------------------

def test_village_move(tree):
    organization_services.village_move(village=tree["village_1"], to_zone=tree["zone_b"], apply=True)
    assert set(Household.objects.filter(village=tree["village_1"]).values_list("zone_id", "town_id")) == {
        (tree["zone_b"].pk, tree["town_b"].pk)}
    assert_tree_consistent()


def test_natural_village_move_over_the_api(tree):
    client = api_client(tree["town_user"])
    url = f"/api/natural-villages/{tree['nv_1'].pk}/move/"
    preview = client.post(url, {"village": tree["village_2"].pk}, format="json")
    assert preview.status_code == 200 and preview.data["households"] == 3 and preview.data["applied"] is False
    assert NaturalVillage.objects.get(pk=tree["nv_1"].pk).village_id == tree["village_1"].pk
    done = client.post(url, {"village": tree["village_2"].pk, "apply": True}, format="json")
    assert done.status_code == 200 and done.data["applied"] is True
    assert set(Household.objects.filter(natural_village=tree["nv_1"]).values_list("village_id", "zone_id")) == {
        (tree["village_2"].pk, tree["zone_a2"].pk)}
    assert MicroGrid.objects.get(pk=tree["grid_1"].pk).village_id == tree["village_2"].pk
    assert_tree_consistent()
    # a village of another town is outside the town user's scope: 400 naming nothing from there
    refused = client.post(url, {"village": tree["village_b"].pk}, format="json")
    assert refused.status_code == 400 and tree["village_b"].name not in str(refused.data)


def test_grid_move(tree):
    village_services.grid_move(grid=tree["grid_1"], to_natural_village=tree["nv_b"], apply=True)
    assert_tree_consistent()


def test_zone_move_over_the_api(tree):
    url = f"/api/zones/{tree['zone_a1'].pk}/move/"
    # a town's staff may not hand a zone to another town: only the district moves zones between towns
    assert api_client(tree["town_user"]).post(url, {"town": tree["town_b"].pk, "apply": True}, format="json").status_code in (400, 403)
    client = api_client(tree["admin"])
    preview = client.post(url, {"town": tree["town_b"].pk}, format="json")
    assert preview.status_code == 200 and preview.data == {
        "zone": tree["zone_a1"].name, "from_town": tree["town_a"].name, "to_town": tree["town_b"].name,
        "villages": 1, "households": 3, "branches": 1, "applied": False}
    assert client.post(url, {"town": tree["town_b"].pk, "apply": True}, format="json").data["applied"] is True
    assert WorkZone.objects.get(pk=tree["zone_a1"].pk).town_id == tree["town_b"].pk
    assert set(Household.objects.filter(zone=tree["zone_a1"]).values_list("town_id", flat=True)) == {tree["town_b"].pk}
    assert set(PartyBranch.objects.filter(zone=tree["zone_a1"]).values_list("town_id", flat=True)) == {tree["town_b"].pk}
    assert_tree_consistent()


# --- the check finds and repairs drift ------------------------------------------------------------------

def test_check_tree_reports_and_repairs_drift(tree, capsys):
    call_command("check_tree")  # consistent: no error
    household = tree["households_1"][0]
    Household.objects.filter(pk=household.pk).update(zone=tree["zone_b"], town=tree["town_b"])  # written outside the services
    MicroGrid.objects.filter(pk=tree["grid_2"].pk).update(village=tree["village_b"])
    PartyBranch.objects.filter(village=tree["village_2"]).update(town=tree["town_b"])
    with pytest.raises(CommandError, match="3 条"):
        call_command("check_tree")
    call_command("check_tree", "--repair")
    assert "已修复" in capsys.readouterr().out
    assert Household.objects.filter(pk=household.pk).values_list("zone_id", "town_id").get() == (tree["zone_a1"].pk, tree["town_a"].pk)
    assert_tree_consistent()


def test_the_weekly_job_repairs(tree):
    from organization.tasks import weekly_tree_check

    Household.objects.filter(pk=tree["households_2"][0].pk).update(village=tree["village_1"])
    report = weekly_tree_check.apply().get()
    assert report["household_ancestors"] == {"label": report["household_ancestors"]["label"], "found": 1, "repaired": 1}
    assert_tree_consistent()
