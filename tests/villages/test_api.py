"""Households, grids and villages over the API: bad input, search, ordering, pagination, filters, moves."""

import pytest
from rest_framework.test import APIClient
from pghistory.models import Events

from tests import factories as f
from tests.api_fixtures import client, grid, village  # noqa: F401 (fixtures, used by name)
from tests.api_fixtures import text as error_text
from tests.clients import api_client
from villages.models import Household, MicroGrid, Village

pytestmark = pytest.mark.django_db






def _household_body(grid, **changes):
    return {"grid": grid.pk, "head_name": "张三", "address": "东街1号", "people_count": 3, "phone": "13812345678",
            "tags": ["低保"], "color": "yellow", **changes}


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"people_count": 0}, "people_count", "人口数"),
        ({"people_count": -1}, "people_count", "人口数"),
        ({"people_count": "三"}, "people_count", "人口数"),
        ({"phone": "1381234"}, "phone", "电话"),
        ({"color": "purple"}, "color", "四色分类"),
        ({"tags": ["低保", "富裕"]}, "tags", "情况标签"),
        ({"head_name": ""}, "head_name", "户主姓名"),
    ],
)
def test_household_bad_input_is_400_naming_the_field_and_writes_nothing(client, grid, changes, field, text):
    events = Events.objects.count()
    response = client.post("/api/households/", _household_body(grid, **changes), format="json")
    assert response.status_code == 400
    assert field in response.data
    assert text in error_text(response.data[field])
    assert not Household.objects.exists()
    assert Events.objects.count() == events


def test_household_bad_update_changes_nothing(client, grid):
    household = f.HouseholdFactory(grid=grid, people_count=4, color="green")
    for body in ({"people_count": 0, "color": "red"}, {"color": "red", "phone": "abc"}, {"tags": ["未知"]}):
        response = client.patch(f"/api/households/{household.pk}/", body, format="json")
        assert response.status_code == 400, body
    household.refresh_from_db()
    assert (household.people_count, household.color) == (4, "green")


def test_household_create_returns_the_saved_row(client, grid):
    response = client.post("/api/households/", _household_body(grid), format="json")
    assert response.status_code == 201, response.data
    household = Household.objects.get()
    assert response.data["id"] == household.pk
    assert response.data["phone_masked"] == "138****5678" and "phone" not in response.data
    assert (response.data["village"], response.data["zone"], response.data["town"]) == (
        grid.village_id, grid.village.zone_id, grid.village.zone.town_id)


def test_household_history_shows_who_changed_what(village, grid):
    user = f.make_user("village_cadre", village, display_name="王村干")
    client = APIClient()
    client.force_login(user)  # a session, as the pages use: the history records the user
    created = client.post("/api/households/", _household_body(grid), format="json")
    assert created.status_code == 201
    pk = created.data["id"]
    # the color is not a plain edit: a reclassification goes through color-changes, with its reason
    refused = client.patch(f"/api/households/{pk}/", {"color": "red"}, format="json")
    assert refused.status_code == 400 and "color-changes" in refused.data["color"][0]
    assert client.patch(f"/api/households/{pk}/", {"color": "yellow", "address": "南街3号"}, format="json").status_code == 200
    changed = client.post("/api/color-changes/", {"household": pk, "to_color": "red", "reason": "突发重病"}, format="json")
    assert changed.status_code == 201, changed.data
    history = client.get(f"/api/households/{pk}/history/").data
    assert history[-1]["label"] == "创建"  # newest first
    colour = [e for e in history if e["changes"] and "color" in e["changes"]]
    assert len(colour) == 1 and colour[0]["label"] == "修改"
    assert colour[0]["changes"]["color"] == ["yellow", "red"]
    assert any(e["changes"] and "address" in e["changes"] for e in history)
    assert {e["user"] for e in history} == {"王村干"}
    assert not any("phone_encrypted" in (e["changes"] or {}) for e in history)


def test_pinyin_search_ordering_and_pagination(client, grid):
    zhang = f.HouseholdFactory(grid=grid, head_name="张三", people_count=2, address="东街1号")
    li = f.HouseholdFactory(grid=grid, head_name="李四", people_count=5, address="西街2号")
    zhao = f.HouseholdFactory(grid=grid, head_name="赵珊", people_count=1, address="张家胡同3号")

    def ids(**params):
        return [row["id"] for row in client.get("/api/households/", params).data["results"]]

    assert ids(q="zs") == [zhang.pk, zhao.pk]  # 张三 and 赵珊 both have the initials zs
    assert ids(q="ZS") == [zhang.pk, zhao.pk]
    assert ids(q="zhangsan") == [zhang.pk]
    assert ids(q="san") == []  # a syllable inside a name is not a word match
    assert ids(q="张") == [zhang.pk, zhao.pk]  # head name or address
    assert ids(q="ls") == [li.pk]
    assert ids(ordering="-people_count") == [li.pk, zhang.pk, zhao.pk]
    assert ids(ordering="head_name") == sorted([zhang.pk, li.pk, zhao.pk],
                                              key=lambda pk: Household.objects.get(pk=pk).head_name)
    page = client.get("/api/households/", {"page_size": 2}).data
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    second = client.get("/api/households/", {"page_size": 2, "page": 2}).data
    assert [r["id"] for r in page["results"] + second["results"]] == [zhang.pk, li.pk, zhao.pk]
    assert client.get("/api/households/", {"page_size": 2, "page": 9}).status_code == 404


def test_household_filters_are_named_after_fields(client, village, grid):
    other_grid = f.MicroGridFactory(natural_village=grid.natural_village)
    red = f.HouseholdFactory(grid=grid, color="red", tags=["低保", "重病"])
    orange = f.HouseholdFactory(grid=grid, color="orange", tags=["独居老人"])
    green = f.HouseholdFactory(grid=other_grid, color="green", next_visit_due="2025-01-01")
    link = f.HouseholdLinkFactory(household=orange)

    def ids(params):
        response = client.get("/api/households/", params)
        assert response.status_code == 200, response.data
        return {row["id"] for row in response.data["results"]}

    assert ids({"color": "red"}) == {red.pk}
    assert ids([("color", "red"), ("color", "orange")]) == {red.pk, orange.pk}
    assert ids({"tag": "低保"}) == {red.pk}
    assert ids({"grid": other_grid.pk}) == {green.pk}
    assert ids({"village": village.pk}) == {red.pk, orange.pk, green.pk}
    assert ids({"linked": "true"}) == {orange.pk}
    assert ids({"linked": "false"}) == {red.pk, green.pk}
    assert ids({"member": link.member_id}) == {orange.pk}
    assert ids({"due_before": "2025-06-01"}) == {green.pk}
    bad = client.get("/api/households/", {"color": "purple"})
    assert bad.status_code == 400 and "color" in bad.data


def test_grid_and_village_filters(client, village, grid):
    nv2 = f.NaturalVillageFactory(village=village, name="后峪")
    grid2 = f.MicroGridFactory(natural_village=nv2, worker_name="王网格")
    rows = client.get("/api/grids/", {"natural_village": nv2.pk}).data["results"]
    assert [r["id"] for r in rows] == [grid2.pk]
    assert [r["id"] for r in client.get("/api/grids/", {"q": "王网格"}).data["results"]] == [grid2.pk]
    assert [r["id"] for r in client.get("/api/natural-villages/", {"q": "hy"}).data["results"]] == [nv2.pk]
    zone_client = api_client(f.make_user("zone_committee", village.zone))
    f.VillageFactory(zone=village.zone, kind="community")
    assert zone_client.get("/api/villages/", {"kind": "community"}).data["count"] == 1
    assert zone_client.get("/api/villages/", {"zone": village.zone_id}).data["count"] == 2
    assert zone_client.get("/api/villages/", {"town": village.zone.town_id}).data["count"] == 2


def test_grid_create_sets_its_village_from_the_natural_village(client, grid):
    response = client.post("/api/grids/", {"natural_village": grid.natural_village_id, "name": "新网格",
                                           "village": 999999}, format="json")
    assert response.status_code == 201, response.data
    assert MicroGrid.objects.get(pk=response.data["id"]).village_id == grid.village_id
    duplicate = client.post("/api/grids/", {"natural_village": grid.natural_village_id, "name": "新网格"}, format="json")
    assert duplicate.status_code == 400


# --- reorganisation over the API ------------------------------------------------------------

def test_village_move_preview_then_apply_over_the_api(village, grid):
    household = f.HouseholdFactory(grid=grid)
    town_user = f.make_user("town_staff", village.zone.town)
    target = f.WorkZoneFactory(town=village.zone.town)
    client = api_client(town_user)
    preview = client.post(f"/api/villages/{village.pk}/move/", {"zone": target.pk}, format="json")
    assert preview.status_code == 200 and preview.data["applied"] is False and preview.data["households"] == 1
    assert Village.objects.get(pk=village.pk).zone_id != target.pk
    applied = client.post(f"/api/villages/{village.pk}/move/", {"zone": target.pk, "apply": True}, format="json")
    assert applied.status_code == 200 and applied.data["applied"] is True
    assert Household.objects.get(pk=household.pk).zone_id == target.pk


def test_village_move_target_outside_scope_is_400_and_unwritable_target_403(village):
    zone_user = f.make_user("zone_committee", village.zone)
    client = api_client(zone_user)
    elsewhere = f.WorkZoneFactory()
    response = client.post(f"/api/villages/{village.pk}/move/", {"zone": elsewhere.pk, "apply": True}, format="json")
    assert response.status_code == 400 and "target" in response.data
    # a consumer reading the other zone, writing nothing there
    sibling = f.WorkZoneFactory(town=village.zone.town)
    f.add_role(zone_user, "api_consumer", sibling)
    response = client.post(f"/api/villages/{village.pk}/move/", {"zone": sibling.pk, "apply": True}, format="json")
    assert response.status_code == 403
    assert Village.objects.get(pk=village.pk).zone_id == village.zone_id


def test_village_cadre_cannot_move_their_village(client, village):
    target = f.WorkZoneFactory(town=village.zone.town)
    response = client.post(f"/api/villages/{village.pk}/move/", {"zone": target.pk, "apply": True}, format="json")
    assert response.status_code in (400, 403)
    assert Village.objects.get(pk=village.pk).zone_id == village.zone_id


def test_grid_move_over_the_api(client, village, grid):
    household = f.HouseholdFactory(grid=grid)
    target = f.NaturalVillageFactory(village=village)
    response = client.post(f"/api/grids/{grid.pk}/move/", {"natural_village": target.pk, "apply": True}, format="json")
    assert response.status_code == 200 and response.data["applied"] is True
    assert Household.objects.get(pk=household.pk).natural_village_id == target.pk
    elsewhere = f.NaturalVillageFactory()
    response = client.post(f"/api/grids/{grid.pk}/move/", {"natural_village": elsewhere.pk, "apply": True}, format="json")
    assert response.status_code == 400
    assert MicroGrid.objects.get(pk=grid.pk).natural_village_id == target.pk


def test_overview_counts_only_the_scope(client, village, grid):
    f.HouseholdFactory.create_batch(2, grid=grid, color="red")
    f.HouseholdLinkFactory(household=f.HouseholdFactory(grid=grid, color="green"))
    f.HouseholdFactory.create_batch(3)  # elsewhere
    data = client.get("/api/overview/").data
    assert data["households"] == 3
    assert data["households_by_color"] == {"green": 1, "yellow": 0, "orange": 0, "red": 2}
    assert (data["villages"], data["grids"], data["links"], data["unlinked_households"]) == (1, 1, 1, 2)


def test_tree_shows_only_the_scope_level_by_level():
    zone = f.WorkZoneFactory()
    sibling = f.WorkZoneFactory(town=zone.town)
    village = f.VillageFactory(zone=zone)
    f.VillageFactory(zone=sibling)
    grid = f.MicroGridFactory(natural_village__village=village)
    f.HouseholdFactory.create_batch(2, grid=grid, color="red")
    f.HouseholdFactory(grid=grid, color="green")
    f.TownFactory()
    client = api_client(f.make_user("zone_committee", zone))

    def level(name, parent=None):
        params = {"level": name} if parent is None else {"level": name, "parent": parent}
        response = client.get("/api/tree/", params)
        assert response.status_code == 200, response.data
        return response.data

    towns = level("town")
    assert [(n["id"], n["households"], n["red"], n["children"]) for n in towns] == [(zone.town_id, 3, 2, 1)]
    assert [n["id"] for n in level("zone", zone.town_id)] == [zone.pk]
    assert level("village", sibling.pk) == []
    villages = level("village", zone.pk)
    assert [(n["id"], n["children"], n["child_level"]) for n in villages] == [(village.pk, 1, "natural_village")]
    grids = level("grid", grid.natural_village_id)
    assert [(n["id"], n["households"], n["child_level"]) for n in grids] == [(grid.pk, 3, None)]
    assert client.get("/api/tree/", {"level": "household"}).status_code == 400
    assert client.get("/api/tree/", {"level": "zone", "parent": "x"}).status_code == 400
