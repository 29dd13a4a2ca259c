"""Pointing a record at a platform account (a cadre's or grid worker's login) stays inside the scope."""
import pytest

from tests.clients import api_client
from tests import factories as f
from villages.models import MicroGrid, VillageCadre
from zones.models import CommitteeMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone():
    return f.WorkZoneFactory()


def test_a_zone_can_point_at_accounts_holding_roles_in_the_zone(zone):
    me = f.make_user("zone_committee", zone)
    village = f.VillageFactory(zone=zone)
    cadre_login = f.make_user("village_cadre", village)
    client = api_client(me)
    for login in (me, cadre_login):
        response = client.post("/api/committee-members/", {"zone": zone.pk, "name": "郑委员", "role": "member",
                                                           "user": login.pk}, format="json")
        assert response.status_code == 201, response.data
        assert response.data["user"] == login.pk
    response = client.post("/api/village-cadres/", {"village": village.pk, "name": "村书记", "role": "secretary",
                                                    "user": cadre_login.pk}, format="json")
    assert response.status_code == 201, response.data
    assert VillageCadre.objects.get().user_id == cadre_login.pk


def test_accounts_elsewhere_or_without_a_role_are_400(zone):
    client = api_client(f.make_user("zone_committee", zone))
    elsewhere = f.make_user("zone_committee", f.WorkZoneFactory())
    nobody = f.UserFactory()
    for login in (elsewhere, nobody):
        response = client.post("/api/committee-members/", {"zone": zone.pk, "name": "郑委员", "role": "member",
                                                           "user": login.pk}, format="json")
        assert response.status_code == 400, response.data
        assert "平台账号" in response.data["user"][0]
    assert not CommitteeMember.objects.exists()


def test_a_village_cadre_sets_the_grid_worker_login(zone):
    village = f.VillageFactory(zone=zone)
    grid = f.MicroGridFactory(natural_village__village=village)
    worker = f.make_user("grid_member", grid)
    client = api_client(f.make_user("village_cadre", village))
    response = client.patch(f"/api/grids/{grid.pk}/", {"worker_user": worker.pk}, format="json")
    assert response.status_code == 200, response.data
    assert MicroGrid.objects.get(pk=grid.pk).worker_user_id == worker.pk
    other_grid_worker = f.make_user("grid_member", f.MicroGridFactory())
    response = client.patch(f"/api/grids/{grid.pk}/", {"worker_user": other_grid_worker.pk}, format="json")
    assert response.status_code == 400 and "worker_user" in response.data


def test_the_district_may_point_at_any_account(zone):
    client = api_client(f.make_user("district_admin"))
    nobody = f.UserFactory()
    response = client.post("/api/committee-members/", {"zone": zone.pk, "name": "郑委员", "role": "member",
                                                       "user": nobody.pk}, format="json")
    assert response.status_code == 201, response.data
