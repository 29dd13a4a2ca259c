"""The village level's forms over the API: villages, cadres, natural villages, grids, households with their
people (户成员); refusals, nothing half-written, archive and restore."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pghistory.models import Events

from tests import factories as f
from tests.api_fixtures import client, grid, village  # noqa: F401 (fixtures, used by name)
from tests.api_fixtures import text as error_text
from tests.clients import api_client
from villages.models import Household, HouseholdPerson, MicroGrid, NaturalVillage, Village, VillageCadre

pytestmark = pytest.mark.django_db

TWO = [
    {"name": "张三", "relation": "户主", "birth_year": 1968, "tags": ["低保"]},
    {"name": "李梅", "relation": "配偶", "birth_year": 1970, "tags": []},
]


def _body(grid, **changes):
    return {"grid": grid.pk, "head_name": "张三", "address": "东街1号", "people_count": 3, "phone": "13812345678",
            "tags": ["低保"], "color": "yellow", **changes}


# --- households with their people ----------------------------------------------------------


def test_household_created_with_its_people_count_follows_the_list(client, grid):
    response = client.post("/api/households/", _body(grid, people_count=5, people=TWO), format="json")
    assert response.status_code == 201, response.data
    household = Household.objects.get()
    assert household.people_count == 2 == response.data["people_count"]
    assert [p["name"] for p in response.data["people"]] == ["张三", "李梅"]
    assert list(household.people.values_list("name", "relation", "birth_year", "tags", "position")) == [
        ("张三", "户主", 1968, ["低保"], 1), ("李梅", "配偶", 1970, [], 2)]


def test_household_without_people_needs_a_people_count(client, grid):
    body = _body(grid)
    del body["people_count"]
    response = client.post("/api/households/", body, format="json")
    assert response.status_code == 400 and "people_count" in response.data
    assert "人口数" in error_text(response.data["people_count"])
    body["people"] = TWO[:1]  # with people, the count is not asked for
    response = client.post("/api/households/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["people_count"] == 1


@pytest.mark.parametrize(
    ("third", "text"),
    [
        ({"name": "", "relation": "子女"}, "第3人：姓名"),
        ({"name": "张小", "relation": "邻居"}, "第3人：与户主关系"),
        ({"name": "张小", "relation": "子女", "birth_year": 1850}, "第3人：出生年份"),
        ({"name": "张小", "relation": "子女", "birth_year": "明年"}, "第3人：出生年份"),
        ({"name": "张小", "relation": "子女", "tags": ["富裕"]}, "第3人：未知的情况标签"),
        ({"name": "张小", "relation": "户主"}, "只能有一位户主"),
    ],
)
def test_a_bad_third_person_writes_neither_household_nor_people(client, grid, third, text):
    events = Events.objects.count()
    response = client.post("/api/households/", _body(grid, people=[*TWO, third]), format="json")
    assert response.status_code == 400
    assert list(response.data) == ["people"]
    assert text in error_text(response.data["people"])
    assert not Household.objects.exists() and not HouseholdPerson.objects.exists()
    assert Events.objects.count() == events


def test_people_errors_come_with_the_other_field_errors(client, grid):
    response = client.post("/api/households/", _body(grid, head_name="", people=[{"name": "", "relation": "户主"}]),
                           format="json")
    assert response.status_code == 400
    assert {"head_name", "people"} <= set(response.data)
    assert "第1人：姓名不能为空" in error_text(response.data["people"])


def test_people_must_be_a_list_of_objects(client, grid):
    for people in ("张三", ["张三"], {"name": "张三"}):
        response = client.post("/api/households/", _body(grid, people=people), format="json")
        assert response.status_code == 400 and "people" in response.data, people
    assert not Household.objects.exists()


def test_update_replaces_the_people_and_a_bad_list_changes_nothing(client, grid):
    created = client.post("/api/households/", _body(grid, people=TWO), format="json").data
    url = f"/api/households/{created['id']}/"
    three = [*TWO, {"name": "张小明", "relation": "子女", "birth_year": 1995, "tags": ["残疾"]}]
    response = client.patch(url, {"people": three, "address": "西街2号"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["people_count"] == 3 and len(response.data["people"]) == 3

    bad = [three[0], {"name": "王五", "relation": "子女", "birth_year": 3000}]
    response = client.patch(url, {"people": bad, "address": "北街9号"}, format="json")
    assert response.status_code == 400 and "第2人：出生年份" in error_text(response.data["people"])
    household = Household.objects.get(pk=created["id"])
    assert (household.address, household.people_count) == ("西街2号", 3)
    assert household.people.count() == 3

    # a bad other field rolls the new list back too
    response = client.patch(url, {"people": TWO, "phone": "abc"}, format="json")
    assert response.status_code == 400 and "phone" in response.data
    assert Household.objects.get(pk=created["id"]).people.count() == 3

    # an empty list removes the people; the count stays as entered
    response = client.patch(url, {"people": [], "people_count": 4}, format="json")
    assert response.status_code == 200 and response.data["people"] == [] and response.data["people_count"] == 4


def test_people_count_cannot_differ_from_a_kept_list(client, grid):
    created = client.post("/api/households/", _body(grid, people=TWO), format="json").data
    response = client.patch(f"/api/households/{created['id']}/", {"people": TWO, "people_count": 7}, format="json")
    assert response.status_code == 200 and response.data["people_count"] == 2


def test_detail_has_the_people_and_the_list_does_not(client, grid):
    created = client.post("/api/households/", _body(grid, people=TWO), format="json").data
    assert [p["relation"] for p in client.get(f"/api/households/{created['id']}/").data["people"]] == ["户主", "配偶"]
    row = client.get("/api/households/").data["results"][0]
    assert "people" not in row and row["people_count"] == 2


def test_household_list_reads_no_person_and_runs_no_query_per_row(grid):
    households = f.HouseholdFactory.create_batch(30, grid=grid)
    HouseholdPerson.objects.bulk_create([
        HouseholdPerson(household=h, name=f"人{i}", relation="子女", position=i)
        for h in households for i in range(3)])
    client = api_client(f.make_user("village_cadre", grid.village))
    with CaptureQueriesContext(connection) as small:
        assert client.get("/api/households/", {"page_size": 3}).status_code == 200
    with CaptureQueriesContext(connection) as large:
        response = client.get("/api/households/", {"page_size": 30})
    assert len(response.data["results"]) == 30
    assert len(large) <= len(small)
    assert not any("householdperson" in q["sql"] for q in large.captured_queries)


def test_household_people_have_their_own_audit_trail(client, grid):
    created = client.post("/api/households/", _body(grid, people=TWO), format="json").data
    person = HouseholdPerson.objects.filter(household_id=created["id"]).first()
    assert Events.objects.tracks(person).exists()


# --- archive and restore --------------------------------------------------------------------


def test_archived_household_leaves_the_list_has_no_due_date_and_comes_back(client, grid):
    household = f.HouseholdFactory(grid=grid, next_visit_due=datetime.date.today() + datetime.timedelta(days=3))
    url = f"/api/households/{household.pk}/"
    assert client.delete(url).status_code == 204
    household.refresh_from_db()
    assert household.archived_at is not None and household.next_visit_due is None
    assert client.get("/api/households/").data["count"] == 0
    archived = client.get("/api/households/", {"archived": "true"}).data
    assert [r["id"] for r in archived["results"]] == [household.pk] and archived["results"][0]["archived_at"]
    assert client.get(url).status_code == 200  # its page stays

    response = client.post(url + "restore/")
    assert response.status_code == 200, response.data
    household.refresh_from_db()
    assert household.archived_at is None
    assert household.next_visit_due is not None and household.next_visit_due > datetime.date.today()
    assert response.data["archived_at"] is None and response.data["next_visit_due"] == household.next_visit_due.isoformat()


def test_village_with_active_households_cannot_be_archived(grid):
    f.HouseholdFactory(grid=grid)
    village = grid.village
    client = api_client(f.make_user("zone_committee", village.zone))
    response = client.delete(f"/api/villages/{village.pk}/")
    assert response.status_code == 409 and "户" in response.data["detail"]
    assert Village.objects.get(pk=village.pk).archived_at is None


def test_archive_bottom_up_then_restore_top_down(grid):
    village = grid.village
    household = f.HouseholdFactory(grid=grid)
    client = api_client(f.make_user("zone_committee", village.zone))
    nv = grid.natural_village
    assert client.delete(f"/api/grids/{grid.pk}/").status_code == 409  # its household first
    assert client.delete(f"/api/households/{household.pk}/").status_code == 204
    assert client.delete(f"/api/grids/{grid.pk}/").status_code == 204
    assert client.delete(f"/api/natural-villages/{nv.pk}/").status_code == 204
    assert client.delete(f"/api/villages/{village.pk}/").status_code == 204
    assert client.get("/api/villages/", {"archived": "true"}).data["count"] == 1

    # a child is not restored under an archived parent
    response = client.post(f"/api/households/{household.pk}/restore/")
    assert response.status_code == 409 and "微网格" in response.data["detail"]
    assert Household.objects.get(pk=household.pk).archived_at is not None
    for url in (f"/api/villages/{village.pk}/", f"/api/natural-villages/{nv.pk}/", f"/api/grids/{grid.pk}/",
                f"/api/households/{household.pk}/"):
        assert client.post(url + "restore/").status_code == 200, url
    assert not Household.objects.filter(archived_at__isnull=False).exists()
    assert not MicroGrid.objects.filter(archived_at__isnull=False).exists()


def test_a_grid_member_cannot_archive_or_restore_a_household(grid):
    member = f.PartyMemberFactory(branch__village=grid.village)
    household = f.HouseholdFactory(grid=grid)
    f.HouseholdLinkFactory(household=household, member=member)
    client = api_client(f.make_user("grid_member", grid, member=member))
    assert client.delete(f"/api/households/{household.pk}/").status_code == 403
    assert Household.objects.get(pk=household.pk).archived_at is None


# --- villages, cadres, natural villages, grids ----------------------------------------------


def test_village_cadre_may_not_create_a_village_elsewhere(village):
    other_zone = f.WorkZoneFactory()
    client = api_client(f.make_user("village_cadre", village))
    for zone in (other_zone, village.zone):
        response = client.post("/api/villages/", {"zone": zone.pk, "name": "新村", "kind": "village"}, format="json")
        assert response.status_code in (400, 403), response.data
        if response.status_code == 400:
            assert "zone" in response.data
    assert not Village.objects.filter(name="新村").exists()


def test_zone_committee_creates_a_village_with_its_cadres(village):
    client = api_client(f.make_user("zone_committee", village.zone))
    response = client.post("/api/villages/", {"zone": village.zone_id, "name": "新村", "kind": "community"},
                           format="json")
    assert response.status_code == 201, response.data
    new = response.data["id"]
    response = client.post("/api/village-cadres/", {"village": new, "name": "赵书记", "role": "first_secretary",
                                                    "start_date": "2024-03-01"}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["role_display"] == "第一书记"
    # another zone's village is not a choice
    elsewhere = f.VillageFactory()
    response = client.post("/api/village-cadres/", {"village": elsewhere.pk, "name": "钱", "role": "director"},
                           format="json")
    assert response.status_code == 400 and "village" in response.data
    # nor a role that does not exist
    response = client.post("/api/village-cadres/", {"village": new, "name": "孙", "role": "boss"}, format="json")
    assert response.status_code == 400 and "role" in response.data
    assert VillageCadre.objects.count() == 1


def test_village_bad_input_names_the_field(village):
    client = api_client(f.make_user("zone_committee", village.zone))
    for body, field in (({"zone": village.zone_id, "name": "", "kind": "village"}, "name"),
                        ({"zone": village.zone_id, "name": "甲村", "kind": "city"}, "kind"),
                        ({"zone": village.zone_id, "name": village.name, "kind": "village"}, "non_field_errors")):
        response = client.post("/api/villages/", body, format="json")
        assert response.status_code == 400 and field in response.data, (body, response.data)
    assert Village.objects.count() == 1


def test_village_cadre_cannot_write_cadres_but_manages_natural_villages_and_grids(village):
    client = api_client(f.make_user("village_cadre", village))
    response = client.post("/api/village-cadres/", {"village": village.pk, "name": "钱", "role": "director"},
                           format="json")
    assert response.status_code == 403
    response = client.post("/api/natural-villages/", {"village": village.pk, "name": "东庄"}, format="json")
    assert response.status_code == 201, response.data
    nv = response.data["id"]
    response = client.post("/api/grids/", {"natural_village": nv, "name": "一网格", "worker_name": "周网格"},
                           format="json")
    assert response.status_code == 201, response.data
    assert response.data["village"] == village.pk
    other = f.NaturalVillageFactory()
    response = client.post("/api/grids/", {"natural_village": other.pk, "name": "二网格"}, format="json")
    assert response.status_code == 400 and "natural_village" in response.data
    response = client.post("/api/grids/", {"natural_village": nv, "name": ""}, format="json")
    assert response.status_code == 400 and "name" in response.data
    assert MicroGrid.objects.count() == 1 and NaturalVillage.objects.filter(village=village).count() == 1


def test_household_grid_choices_are_the_users_grids(client, grid):
    other = f.MicroGridFactory()
    response = client.post("/api/households/", _body(other, people=TWO), format="json")
    assert response.status_code == 400 and "grid" in response.data
    assert not Household.objects.exists()
    archived = f.MicroGridFactory(natural_village=grid.natural_village)
    client.delete(f"/api/grids/{archived.pk}/")
    assert [g["id"] for g in client.get("/api/grids/").data["results"]] == [grid.pk]


def test_people_are_kept_in_place_and_their_changes_are_in_the_household_history(village, grid):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(f.make_user("village_cadre", village, display_name="王村干"))
    created = client.post("/api/households/", _body(grid, people=TWO), format="json").data
    url = f"/api/households/{created['id']}/"
    ids = list(HouseholdPerson.objects.order_by("position").values_list("id", flat=True))
    changed = [TWO[0], {**TWO[1], "birth_year": 1972}, {"name": "张小明", "relation": "子女", "birth_year": 1996}]
    assert client.patch(url, {"people": changed}, format="json").status_code == 200
    assert list(HouseholdPerson.objects.order_by("position").values_list("id", flat=True))[:2] == ids  # in place
    assert client.patch(url, {"people": changed[:2]}, format="json").status_code == 200
    assert HouseholdPerson.objects.count() == 2

    history = client.get(url + "history/").data
    labels = [row["label"] for row in history]
    assert "户成员创建：李梅" in labels and "户成员删除：张小明" in labels and "户成员创建：张小明" in labels
    update = next(row for row in history if row["label"] == "户成员修改：李梅")
    assert update["changes"] == {"出生年份": [1970, 1972]} and update["user"] == "王村干"
    added = next(row for row in history if row["label"] == "户成员创建：张小明")
    assert added["changes"] == {"姓名": [None, "张小明"], "与户主关系": [None, "子女"], "出生年份": [None, 1996]}
    assert "创建" in labels


@pytest.mark.parametrize("person", [
    {"name": "李梅", "relation": "配偶", "tags": True},
    {"name": ["李梅"], "relation": "配偶"},
    {"name": "李梅", "relation": 3},
    {"name": "李梅", "relation": "配偶", "birth_year": True},
])
def test_people_of_the_wrong_shape_are_a_400_not_a_500(person):
    from villages.services import clean_people
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        clean_people([{"name": "张三", "relation": "户主"}, person])
    assert all(m.startswith("第2人") for m in caught.value.message_dict["people"])
