"""API tokens (django-rest-knox): issued with basic auth, expiring, revocable, read-only for API consumers."""
import base64
import datetime

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories as f
from villages.models import Household

pytestmark = pytest.mark.django_db


def _basic(username, password=f.PASSWORD):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def zone():
    return f.WorkZoneFactory()


def _token(user) -> str:
    client = APIClient()
    response = client.post("/api/auth/token/", HTTP_AUTHORIZATION=_basic(user.username))
    assert response.status_code == 200, response.data
    assert response.data["expiry"]
    return response.data["token"]


def test_basic_auth_gives_a_token_that_works(zone):
    village = f.VillageFactory(zone=zone)
    f.VillageFactory()  # another zone
    user = f.make_user("zone_committee", zone)
    token = _token(user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/villages/")
    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [village.pk]
    assert client.get("/api/me/").data["username"] == user.username


def test_wrong_password_gets_no_token(zone):
    user = f.make_user("zone_committee", zone)
    response = APIClient().post("/api/auth/token/", HTTP_AUTHORIZATION=_basic(user.username, "wrong"))
    assert response.status_code in (401, 403)
    assert not AuthToken.objects.exists()


def test_revoked_token_is_401(zone):
    token = _token(f.make_user("zone_committee", zone))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/auth/token/revoke/").status_code == 204
    response = client.get("/api/villages/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_revoke_all_revokes_every_token_of_the_user(zone):
    user = f.make_user("zone_committee", zone)
    first, second = _token(user), _token(user)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {first}").post("/api/auth/token/revoke-all/").status_code == 204
    assert APIClient(HTTP_AUTHORIZATION=f"Token {second}").get("/api/villages/").status_code == 401


def test_expired_token_is_401(zone):
    user = f.make_user("zone_committee", zone)
    _instance, token = AuthToken.objects.create(user=user, expiry=datetime.timedelta(seconds=-1))
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/villages/").status_code == 401
    _instance, fresh = AuthToken.objects.create(user=user, expiry=datetime.timedelta(hours=1))
    assert APIClient(HTTP_AUTHORIZATION=f"Token {fresh}").get("/api/villages/").status_code == 200


def test_api_consumer_token_reads_but_cannot_write(zone):
    grid = f.MicroGridFactory(natural_village__village__zone=zone)
    household = f.HouseholdFactory(grid=grid, color="green")
    token = _token(f.make_user("api_consumer", zone))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/households/").data["count"] == 1
    assert client.patch(f"/api/households/{household.pk}/", {"color": "red"}, format="json").status_code == 403
    body = {"grid": grid.pk, "head_name": "钱七", "address": "南街5号", "people_count": 2}
    assert client.post("/api/households/", body, format="json").status_code == 403
    assert client.delete(f"/api/households/{household.pk}/").status_code == 403
    assert Household.objects.get().color == "green"


def test_token_requests_need_no_csrf_but_session_writes_do(zone):
    village = f.VillageFactory(zone=zone)
    user = f.make_user("zone_committee", zone)
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(user)
    assert session.patch(f"/api/villages/{village.pk}/", {"name": "改名村"}, format="json").status_code == 403
    token = APIClient(HTTP_AUTHORIZATION=f"Token {_token(user)}", enforce_csrf_checks=True)
    assert token.patch(f"/api/villages/{village.pk}/", {"name": "改名村"}, format="json").status_code == 200
