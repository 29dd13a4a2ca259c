"""Session limits: idle timeout and absolute limit, with a message on the login page; the session is not
rewritten on every request."""
import datetime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from accounts.models import SecurityAction, SecurityEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = f.make_user("village_cadre", f.VillageFactory())
    client.post("/login/", {"username": user.username, "password": f.PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)
    return user


def test_defaults():
    assert (settings.SESSION_IDLE_MINUTES, settings.SESSION_ABSOLUTE_HOURS) == (30, 8)


def test_idle_session_is_signed_out_with_a_message(client, signed_in):
    start = timezone.now()
    with time_machine.travel(start + datetime.timedelta(minutes=29)):
        assert client.get("/tree/").status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=29 + 31)):
        response = client.get("/tree/")
        assert response.status_code == 302 and response["Location"] == "/login/?next=/tree/"
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"])
        assert "长时间未操作，已自动退出，请重新登录。" in page.content.decode()
    logout = SecurityEvent.objects.get(action=SecurityAction.LOGOUT)
    assert logout.user_id == signed_in.pk and logout.detail == {"reason": "session_idle"}


def test_idle_api_session_gets_401_json(client, signed_in):
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        response = client.get("/api/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "长时间未操作，已自动退出，请重新登录。"}


def test_an_active_session_ends_after_the_absolute_limit(client, signed_in):
    start = timezone.now()
    for minutes in range(20, 8 * 60, 20):  # a request every 20 minutes: never idle
        with time_machine.travel(start + datetime.timedelta(minutes=minutes)):
            assert client.get("/tree/").status_code == 200, minutes
    with time_machine.travel(start + datetime.timedelta(hours=8, minutes=1)):
        response = client.get("/tree/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert "已自动退出" in client.get("/login/").content.decode()


def test_the_session_is_written_at_most_once_a_minute(client, signed_in):
    name = settings.SESSION_COOKIE_NAME
    start = timezone.now()
    with time_machine.travel(start + datetime.timedelta(seconds=5)):
        assert name not in client.get("/tree/").cookies  # stamps were set by the sign-in itself
    with time_machine.travel(start + datetime.timedelta(seconds=30)):
        assert name not in client.get("/tree/").cookies
    with time_machine.travel(start + datetime.timedelta(seconds=75)):
        assert name in client.get("/tree/").cookies  # the idle stamp moves on


def test_token_requests_are_not_concerned(client):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    user = f.make_user("api_consumer", None)
    _instance, token = AuthToken.objects.create(user=user)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=9)):
        assert api.get("/api/me/").status_code == 200


def test_a_token_minted_with_basic_auth_opens_no_session():
    import base64

    from rest_framework.test import APIClient

    user = f.make_user("api_consumer", None)
    basic = "Basic " + base64.b64encode(f"{user.username}:{f.PASSWORD}".encode()).decode()
    response = APIClient().post("/api/auth/token/", HTTP_AUTHORIZATION=basic)
    assert response.status_code == 200 and settings.SESSION_COOKIE_NAME not in response.cookies
