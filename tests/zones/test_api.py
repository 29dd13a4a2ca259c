"""Towns, zones, committee, cadres and instructors over the API."""
import datetime

import pytest

from tests.clients import api_client
from tests import factories as f
from zones.models import CommitteeMember, PartyInstructor, SunkCadrePosting, WorkZone, ZoneOffice

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone():
    return f.WorkZoneFactory()


@pytest.fixture
def town_client(zone):
    return api_client(f.make_user("town_staff", zone.town))


@pytest.fixture
def zone_client(zone):
    return api_client(f.make_user("zone_committee", zone))


def test_zone_created_over_the_api_has_five_offices(town_client, zone):
    response = town_client.post("/api/zones/", {"town": zone.town_id, "name": "红映青山工作区", "brand": "红映青山"},
                                format="json")
    assert response.status_code == 201, response.data
    assert response.data["town_name"] == zone.town.name
    new = WorkZone.objects.get(pk=response.data["id"])
    assert ZoneOffice.objects.filter(zone=new).count() == 5
    offices = town_client.get("/api/zone-offices/", {"zone": new.pk}).data
    assert offices["count"] == 5
    assert {o["kind_display"] for o in offices["results"]} >= {"党群工作办公室", "应急环保办公室"}


def test_duplicate_zone_name_is_400_and_writes_nothing(town_client, zone):
    zones, offices = WorkZone.objects.count(), ZoneOffice.objects.count()
    response = town_client.post("/api/zones/", {"town": zone.town_id, "name": zone.name}, format="json")
    assert response.status_code == 400
    assert response.data["non_field_errors"] == ["已有街道(镇)、名称相同的党建工作区。"]
    assert (WorkZone.objects.count(), ZoneOffice.objects.count()) == (zones, offices)


def test_zone_search_filter_and_ordering(town_client, zone):
    zone.name, zone.brand = "七彩官庄工作区", "七彩官庄"
    zone.save()
    other = f.WorkZoneFactory(town=zone.town, name="善治胡山工作区", brand="善治胡山")

    def ids(**params):
        return [row["id"] for row in town_client.get("/api/zones/", params).data["results"]]

    assert ids(q="szhs") == [other.pk]
    assert ids(q="胡山") == [other.pk]
    assert ids(town=zone.town_id) == [zone.pk, other.pk]
    assert ids(ordering="-id") == [other.pk, zone.pk]


def test_zone_flags_endpoint(zone_client, zone):
    covered, bare = f.VillageFactory.create_batch(2, zone=zone)
    f.PartyInstructorFactory(village=covered)  # brings one current sunk cadre
    f.SunkCadrePostingFactory.create_batch(3, zone=zone)
    f.SunkCadrePostingFactory(zone=zone, end_date=datetime.date.today() - datetime.timedelta(days=1))
    data = zone_client.get(f"/api/zones/{zone.pk}/flags/").data
    assert data["current_cadres"] == 4 and data["cadres_below_minimum"] is True
    assert [v["id"] for v in data["villages_without_instructor"]] == [bare.pk]
    other = f.WorkZoneFactory()
    assert zone_client.get(f"/api/zones/{other.pk}/flags/").status_code == 404


def test_sunk_cadre_current_filter(zone_client, zone):
    current = f.SunkCadrePostingFactory(zone=zone)
    ended = f.SunkCadrePostingFactory(zone=zone, end_date=datetime.date.today() - datetime.timedelta(days=1))
    ids = {r["id"]: r["is_current"] for r in zone_client.get("/api/sunk-cadres/").data["results"]}
    assert ids == {current.pk: True, ended.pk: False}
    assert [r["id"] for r in zone_client.get("/api/sunk-cadres/", {"current": "true"}).data["results"]] == [current.pk]
    assert [r["id"] for r in zone_client.get("/api/sunk-cadres/", {"current": "false"}).data["results"]] == [ended.pk]


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"end_date": "2020-01-01"}, "end_date", "结束日期"),
        ({"start_date": "昨天"}, "start_date", "下沉日期"),
    ],
)
def test_sunk_cadre_bad_input(zone_client, zone, body, field, text):
    data = {"zone": zone.pk, "name": "刘干部", "start_date": "2024-01-01", **body}
    response = zone_client.post("/api/sunk-cadres/", data, format="json")
    assert response.status_code == 400 and text in str(response.data[field])
    assert not SunkCadrePosting.objects.exists()


def test_sunk_cadre_office_of_another_zone_is_400(town_client, zone):
    other = f.WorkZoneFactory(town=zone.town)
    body = {"zone": zone.pk, "office": other.offices.first().pk, "name": "刘干部", "start_date": "2024-01-01"}
    response = town_client.post("/api/sunk-cadres/", body, format="json")
    assert response.status_code == 400 and "office" in response.data


def test_committee_rules(zone_client, zone):
    ok = zone_client.post("/api/committee-members/", {"zone": zone.pk, "name": "周书记", "role": "secretary"},
                          format="json")
    assert ok.status_code == 201, ok.data
    second = zone_client.post("/api/committee-members/", {"zone": zone.pk, "name": "吴书记", "role": "secretary"},
                              format="json")
    assert second.status_code == 400 and "职务" in second.data["role"][0]
    part_time = zone_client.post("/api/committee-members/", {"zone": zone.pk, "name": "郑委员", "role": "part_time",
                                                             "origin": "town_cadre"}, format="json")
    assert part_time.status_code == 400 and "来源" in part_time.data["origin"][0]
    fine = zone_client.post("/api/committee-members/", {"zone": zone.pk, "name": "郑委员", "role": "part_time",
                                                        "origin": "enterprise", "organisation": "明水化工党委"},
                            format="json")
    assert fine.status_code == 201
    assert CommitteeMember.objects.filter(zone=zone).count() == 2


def test_instructor_rules(zone_client, zone):
    village = f.VillageFactory(zone=zone)
    foreign_cadre = f.SunkCadrePostingFactory(zone=f.WorkZoneFactory(town=zone.town))
    own_cadre = f.SunkCadrePostingFactory(zone=zone)
    town_client = api_client(f.make_user("town_staff", zone.town))
    response = town_client.post("/api/instructors/", {"village": village.pk, "cadre": foreign_cadre.pk,
                                                      "start_date": "2024-01-01"}, format="json")
    assert response.status_code == 400 and "cadre" in response.data
    response = zone_client.post("/api/instructors/", {"village": village.pk, "cadre": own_cadre.pk,
                                                      "start_date": "2024-01-01", "days_per_week": 0}, format="json")
    assert response.status_code == 400 and "days_per_week" in response.data
    response = zone_client.post("/api/instructors/", {"village": village.pk, "cadre": own_cadre.pk,
                                                      "start_date": "2024-01-01"}, format="json")
    assert response.status_code == 201, response.data
    assert PartyInstructor.objects.get().days_per_week == 3


def test_deleting_a_zone_that_still_has_villages_is_409_and_archives_nothing(town_client, zone):
    village = f.VillageFactory(zone=zone)
    response = town_client.delete(f"/api/zones/{zone.pk}/")
    assert response.status_code == 409 and "不能归档" in response.data["detail"]
    assert WorkZone.objects.filter(pk=zone.pk, archived_at__isnull=True).exists() and village.zone_id == zone.pk
    assert ZoneOffice.objects.filter(zone=zone).count() == 5
