"""Who may mint API tokens, and the security events of minting and revoking."""
import base64

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import SecurityAction, SecurityEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def _basic(username, password=f.PASSWORD):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.mark.parametrize("role", ["district_admin", "town_staff", "zone_committee", "village_cadre", "grid_member"])
def test_only_api_consumers_mint_tokens(role):
    grid = f.MicroGridFactory()
    node = {"district_admin": None, "town_staff": grid.village.zone.town, "zone_committee": grid.village.zone,
            "village_cadre": grid.village, "grid_member": grid}[role]
    user = f.make_user(role, node)
    response = APIClient().post("/api/auth/token/", HTTP_AUTHORIZATION=_basic(user.username))
    assert response.status_code == 403
    assert response.json() == {"detail": "只有数据对接账号可以申请 API 令牌；浏览器请使用登录会话。"}
    session = APIClient()
    session.force_login(user)
    assert session.post("/api/auth/token/").status_code == 403
    assert not AuthToken.objects.exists()
    assert not SecurityEvent.objects.filter(action=SecurityAction.TOKEN_CREATED).exists()


def test_mint_and_revoke_are_logged():
    user = f.make_user("api_consumer", f.TownFactory())
    response = APIClient().post("/api/auth/token/", HTTP_AUTHORIZATION=_basic(user.username), REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 200
    token = response.json()["token"]
    created = SecurityEvent.objects.get(action=SecurityAction.TOKEN_CREATED)
    assert (created.user_id, created.ip_address, created.object_type) == (user.pk, "10.3.3.3", "knox.authtoken")
    assert created.object_id == token[:15] and token not in str(created.detail)
    second = APIClient().post("/api/auth/token/", HTTP_AUTHORIZATION=_basic(user.username)).json()["token"]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").post("/api/auth/token/revoke/").status_code == 204
    revoked = SecurityEvent.objects.get(action=SecurityAction.TOKEN_REVOKED)
    assert (revoked.user_id, revoked.object_id, revoked.detail["reason"]) == (user.pk, token[:15], "logout")
    assert APIClient(HTTP_AUTHORIZATION=f"Token {second}").post("/api/auth/token/revoke-all/").status_code == 204
    assert SecurityEvent.objects.filter(action=SecurityAction.TOKEN_REVOKED).count() == 2
    assert not AuthToken.objects.exists()


def test_an_api_consumer_session_may_mint():
    user = f.make_user("api_consumer", None)
    session = APIClient()
    session.force_login(user)
    assert session.post("/api/auth/token/").status_code == 200
