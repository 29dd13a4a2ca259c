"""What the zone pages' forms do over the API: towns and zones created, edited, archived and restored by
the roles allowed to, refused for the others, bad input a 400 naming the field with nothing written."""
import datetime

import pytest

from tests import factories as f
from tests.clients import api_client
from zones.models import CommitteeMember, PartyInstructor, SunkCadrePosting, Town, WorkZone, ZoneOffice

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone():
    return f.WorkZoneFactory()


@pytest.fixture
def district():
    return api_client(f.make_user("district_admin"))


@pytest.fixture
def town_client(zone):
    return api_client(f.make_user("town_staff", zone.town))


@pytest.fixture
def zone_client(zone):
    return api_client(f.make_user("zone_committee", zone))


# ---- towns --------------------------------------------------------------------------------------------

def test_district_admin_creates_edits_archives_and_restores_a_town(district):
    response = district.post("/api/towns/", {"name": "相公庄街道", "code": "370181010"}, format="json")
    assert response.status_code == 201, response.data
    town = Town.objects.get(pk=response.data["id"])
    assert response.data["archived_at"] is None

    assert district.patch(f"/api/towns/{town.pk}/", {"code": "370181011"}, format="json").status_code == 200
    town.refresh_from_db()
    assert town.code == "370181011"

    assert district.delete(f"/api/towns/{town.pk}/").status_code == 204
    town.refresh_from_db()
    assert town.archived_at is not None  # kept: soft archive
    assert town.pk not in [row["id"] for row in district.get("/api/towns/").data["results"]]
    assert [row["id"] for row in district.get("/api/towns/", {"archived": "true"}).data["results"]] == [town.pk]
    # the archived town keeps its detail and history
    assert district.get(f"/api/towns/{town.pk}/").status_code == 200
    labels = [e["label"] for e in district.get(f"/api/towns/{town.pk}/history/").data]
    assert labels.count("修改") == 2 and "创建" in labels

    restored = district.post(f"/api/towns/{town.pk}/restore/")
    assert restored.status_code == 200 and restored.data["archived_at"] is None
    assert town.pk in [row["id"] for row in district.get("/api/towns/").data["results"]]


def test_town_staff_may_not_create_edit_or_archive_a_town(town_client, zone):
    count = Town.objects.count()
    assert town_client.post("/api/towns/", {"name": "新街道"}, format="json").status_code == 403
    assert Town.objects.count() == count
    assert town_client.patch(f"/api/towns/{zone.town_id}/", {"name": "改名"}, format="json").status_code == 403
    assert town_client.delete(f"/api/towns/{zone.town_id}/").status_code == 403
    zone.town.refresh_from_db()
    assert zone.town.archived_at is None and zone.town.name != "改名"


def test_town_with_bad_input_is_400_naming_the_field(district):
    count = Town.objects.count()
    response = district.post("/api/towns/", {"name": "", "code": "1" * 30}, format="json")
    assert response.status_code == 400
    assert response.data["name"][0].startswith("名称")
    assert response.data["code"][0].startswith("区划代码")
    assert Town.objects.count() == count
    existing = f.TownFactory()
    response = district.post("/api/towns/", {"name": existing.name}, format="json")
    assert response.status_code == 400 and response.data["name"] == ["名称：已有同名的街道(镇)（若已归档，可在“显示已归档”中恢复）。"]
    assert Town.objects.count() == count + 1


def test_town_with_active_zones_refuses_archive_409(district, zone):
    response = district.delete(f"/api/towns/{zone.town_id}/")
    assert response.status_code == 409
    assert "党建工作区 1 条" in response.data["detail"]
    zone.town.refresh_from_db()
    assert zone.town.archived_at is None


def test_town_archives_once_its_zone_is_archived_and_the_zone_restores_only_after_it(district, zone):
    assert district.delete(f"/api/zones/{zone.pk}/").status_code == 204
    assert district.delete(f"/api/towns/{zone.town_id}/").status_code == 204
    refused = district.post(f"/api/zones/{zone.pk}/restore/")
    assert refused.status_code == 409 and "已归档" in refused.data["detail"]
    # no new zone under an archived town
    response = district.post("/api/zones/", {"town": zone.town_id, "name": "新工作区"}, format="json")
    assert response.status_code == 400 and "已归档" in response.data["town"][0]
    assert district.post(f"/api/towns/{zone.town_id}/restore/").status_code == 200
    assert district.post(f"/api/zones/{zone.pk}/restore/").status_code == 200


# ---- zones --------------------------------------------------------------------------------------------

def test_town_staff_creates_edits_and_archives_a_zone_in_their_town(town_client, zone):
    created = town_client.post("/api/zones/", {"town": zone.town_id, "name": "乐和工作区", "brand": "乐和"}, format="json")
    assert created.status_code == 201, created.data
    pk = created.data["id"]
    edited = town_client.patch(f"/api/zones/{pk}/", {"brand": "乐和家园"}, format="json")
    assert edited.status_code == 200 and edited.data["brand"] == "乐和家园"
    assert town_client.delete(f"/api/zones/{pk}/").status_code == 204
    assert WorkZone.objects.get(pk=pk).archived_at is not None
    assert ZoneOffice.objects.filter(zone_id=pk).count() == 5  # its offices are kept with it
    assert pk not in [row["id"] for row in town_client.get("/api/zones/").data["results"]]
    assert [row["id"] for row in town_client.get("/api/zones/", {"archived": "true"}).data["results"]] == [pk]
    assert town_client.get(f"/api/zones/{pk}/").data["archived_at"] is not None
    assert town_client.post(f"/api/zones/{pk}/restore/").status_code == 200
    assert WorkZone.objects.get(pk=pk).archived_at is None


def test_town_staff_may_not_touch_another_towns_zone(town_client, zone):
    other = f.WorkZoneFactory()
    assert town_client.patch(f"/api/zones/{other.pk}/", {"name": "改名"}, format="json").status_code == 404
    assert town_client.delete(f"/api/zones/{other.pk}/").status_code == 404
    assert town_client.post(f"/api/zones/{other.pk}/restore/").status_code == 404
    response = town_client.post("/api/zones/", {"town": other.town_id, "name": "越界工作区"}, format="json")
    assert response.status_code == 400 and response.data["town"][0].startswith("街道(镇)")
    other.refresh_from_db()
    assert other.name != "改名" and other.archived_at is None
    assert not WorkZone.objects.filter(name="越界工作区").exists()


def test_zone_committee_may_edit_its_zone_but_not_create_one(zone_client, zone):
    count = WorkZone.objects.count()
    assert zone_client.post("/api/zones/", {"town": zone.town_id, "name": "另一个工作区"}, format="json").status_code == 403
    assert WorkZone.objects.count() == count
    assert zone_client.patch(f"/api/zones/{zone.pk}/", {"brand": "红色引擎"}, format="json").status_code == 200


def test_zone_bad_input_is_400_naming_the_field_and_writes_nothing(town_client, zone):
    zones, offices = WorkZone.objects.count(), ZoneOffice.objects.count()
    response = town_client.post("/api/zones/", {"town": zone.town_id, "name": "", "brand": "牌" * 60}, format="json")
    assert response.status_code == 400
    assert response.data["name"][0].startswith("名称")
    assert response.data["brand"][0].startswith("党建品牌")
    assert (WorkZone.objects.count(), ZoneOffice.objects.count()) == (zones, offices)
    moved = f.TownFactory()
    response = town_client.patch(f"/api/zones/{zone.pk}/", {"town": moved.pk}, format="json")
    assert response.status_code == 400 and "town" in response.data


def test_zone_with_villages_refuses_archive_409(town_client, zone):
    f.VillageFactory(zone=zone)
    response = town_client.delete(f"/api/zones/{zone.pk}/")
    assert response.status_code == 409
    assert "村/社区 1 条" in response.data["detail"]
    zone.refresh_from_db()
    assert zone.archived_at is None


# ---- the zone page's records --------------------------------------------------------------------------

def test_committee_member_form_refusals_and_save(zone_client, zone):
    f.CommitteeMemberFactory(zone=zone, role="secretary")
    count = CommitteeMember.objects.count()
    second = zone_client.post("/api/committee-members/", {"zone": zone.pk, "name": "吴敏", "role": "secretary",
                                                          "origin": "town_cadre"}, format="json")
    assert second.status_code == 400 and second.data["role"][0].startswith("职务")
    part = zone_client.post("/api/committee-members/", {"zone": zone.pk, "name": "吴敏", "role": "part_time",
                                                        "origin": "town_cadre"}, format="json")
    assert part.status_code == 400 and part.data["origin"][0].startswith("来源")
    other = f.WorkZoneFactory()
    outside = zone_client.post("/api/committee-members/", {"zone": other.pk, "name": "吴敏", "role": "member"},
                               format="json")
    assert outside.status_code == 400 and outside.data["zone"][0].startswith("工作区")
    assert CommitteeMember.objects.count() == count
    saved = zone_client.post("/api/committee-members/", {"zone": zone.pk, "name": "吴敏", "role": "member",
                                                         "origin": "town_cadre"}, format="json")
    assert saved.status_code == 201
    assert zone_client.delete(f"/api/committee-members/{saved.data['id']}/").status_code == 204
    assert CommitteeMember.objects.count() == count


def test_cadre_posting_and_instructor_forms(zone_client, zone):
    village = f.VillageFactory(zone=zone)
    office = zone.offices.get(kind="economy")
    bad = zone_client.post("/api/sunk-cadres/", {"zone": zone.pk, "name": "钱多", "start_date": "2026-03-01",
                                                 "end_date": "2026-01-01"}, format="json")
    assert bad.status_code == 400 and bad.data["end_date"][0].startswith("结束日期")
    other_office = f.WorkZoneFactory().offices.first()
    bad = zone_client.post("/api/sunk-cadres/", {"zone": zone.pk, "office": other_office.pk, "name": "钱多",
                                                 "start_date": "2026-03-01"}, format="json")
    assert bad.status_code == 400 and bad.data["office"][0].startswith("所在办公室")
    assert not SunkCadrePosting.objects.exists()
    cadre = zone_client.post("/api/sunk-cadres/", {"zone": zone.pk, "office": office.pk, "name": "钱多",
                                                   "home_unit": "区财政局", "start_date": "2026-03-01"}, format="json")
    assert cadre.status_code == 201, cadre.data

    days = zone_client.post("/api/instructors/", {"village": village.pk, "cadre": cadre.data["id"],
                                                  "start_date": "2026-03-02", "days_per_week": 9}, format="json")
    assert days.status_code == 400 and days.data["days_per_week"][0].startswith("每周驻村天数")
    assert not PartyInstructor.objects.exists()
    made = zone_client.post("/api/instructors/", {"village": village.pk, "cadre": cadre.data["id"],
                                                  "start_date": "2026-03-02", "days_per_week": 3}, format="json")
    assert made.status_code == 201, made.data
    ended = zone_client.patch(f"/api/instructors/{made.data['id']}/",
                              {"end_date": str(datetime.date(2026, 6, 30))}, format="json")
    assert ended.status_code == 200 and ended.data["end_date"] == "2026-06-30"

    office_edit = zone_client.patch(f"/api/zone-offices/{office.pk}/", {"head_name": "孙主任"}, format="json")
    assert office_edit.status_code == 200 and office_edit.data["head_name"] == "孙主任"
