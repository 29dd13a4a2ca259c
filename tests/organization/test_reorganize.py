"""The 区划调整 page and its moves: who sees the page, the preview's labels, archived targets refused."""
import pytest
from django.utils import timezone

from tests import factories as f
from tests.clients import api_client, page_client
from villages.models import Household, Village

pytestmark = pytest.mark.django_db


@pytest.fixture
def village():
    household = f.HouseholdFactory()
    return household.grid.village


def test_reorganize_page_and_menu_entry_for_town_staff_and_up(village):
    town = village.zone.town
    staff = page_client(f.make_user("town_staff", town))
    response = staff.get("/reorganize/")
    assert response.status_code == 200
    labels = response.context["page_data"]["labels"]
    assert labels["village"]["households"] == "涉及户数" and labels["grid"]["to_natural_village"] == "目标自然村"
    assert labels["zone"]["villages"] == "涉及村/社区数"
    assert "区划调整" in response.content.decode()
    zone_page = page_client(f.make_user("zone_committee", village.zone)).get("/zones/")
    assert "/reorganize/" not in zone_page.content.decode()  # not in a zone committee's menu
    towns = page_client(f.make_user("district_admin")).get("/zones/towns/")
    assert towns.status_code == 200 and "街道(镇)" in towns.content.decode()


def test_a_village_moves_into_no_archived_zone(village):
    client = api_client(f.make_user("town_staff", village.zone.town))
    target = f.WorkZoneFactory(town=village.zone.town)
    target.archived_at = timezone.now()
    target.save(update_fields=["archived_at"])
    response = client.post(f"/api/villages/{village.pk}/move/", {"zone": target.pk, "apply": True}, format="json")
    assert response.status_code == 400
    assert "已归档" in response.data["zone"][0]
    village.refresh_from_db()
    assert village.zone_id != target.pk
    assert not Household.objects.filter(zone=target).exists()

    target.archived_at = None
    target.save(update_fields=["archived_at"])
    preview = client.post(f"/api/villages/{village.pk}/move/", {"zone": target.pk}, format="json")
    assert preview.status_code == 200 and preview.data["households"] == 1 and preview.data["applied"] is False
    assert Village.objects.get(pk=village.pk).zone_id != target.pk


def test_a_zone_moves_into_no_archived_town(village):
    client = api_client(f.make_user("district_admin"))
    town = f.TownFactory()
    town.archived_at = timezone.now()
    town.save(update_fields=["archived_at"])
    response = client.post(f"/api/zones/{village.zone_id}/move/", {"town": town.pk, "apply": True}, format="json")
    assert response.status_code == 400 and "已归档" in response.data["town"][0]
    village.zone.refresh_from_db()
    assert village.zone.town_id != town.pk


def test_town_staff_may_not_move_a_village_out_of_their_town(village):
    client = api_client(f.make_user("town_staff", village.zone.town))
    other = f.WorkZoneFactory()
    response = client.post(f"/api/villages/{village.pk}/move/", {"zone": other.pk, "apply": True}, format="json")
    assert response.status_code == 400 and "target" in response.data
    village.refresh_from_db()
    assert village.zone_id != other.pk


def test_archived_zones_and_towns_leave_the_tree_and_the_overview(village):
    client = api_client(f.make_user("district_admin"))
    spare = f.WorkZoneFactory(town=village.zone.town)
    empty_town = f.TownFactory()
    before = client.get("/api/overview/").data
    zones = [n["id"] for n in client.get("/api/tree/", {"level": "zone", "parent": village.zone.town_id}).data]
    assert spare.pk in zones
    assert client.delete(f"/api/zones/{spare.pk}/").status_code == 204
    assert client.delete(f"/api/towns/{empty_town.pk}/").status_code == 204
    nodes = client.get("/api/tree/", {"level": "zone", "parent": village.zone.town_id}).data
    assert [n["id"] for n in nodes] == [village.zone_id]
    towns = client.get("/api/tree/", {"level": "town"}).data
    assert empty_town.pk not in [n["id"] for n in towns]
    assert next(n for n in towns if n["id"] == village.zone.town_id)["children"] == 1
    after = client.get("/api/overview/").data
    assert (after["zones"], after["towns"]) == (before["zones"] - 1, before["towns"] - 1)
