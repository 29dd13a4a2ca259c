"""Login lockout (django-axes): 5 failures of one account or 20 from one address within 15 minutes lock
for 15 minutes, on the login page, the token endpoint (HTTP Basic) and the admin login."""
import base64
import datetime
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import SecurityAction, SecurityEvent, SecurityResult
from core import http
from tests import factories as f

pytestmark = pytest.mark.django_db

RETRY = re.compile(r"请于 (\d\d):(\d\d) 后重试")


@pytest.fixture(autouse=True)
def _fresh_proxy_cache():
    http._trusted_networks.cache_clear()
    yield
    http._trusted_networks.cache_clear()


def _basic(username, password=f.PASSWORD):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _login(client, username, password, addr="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=addr)


def _retry_at(text: str) -> tuple[int, int]:
    match = RETRY.search(text)
    assert match, text
    return int(match[1]), int(match[2])


def _lockouts():
    return list(SecurityEvent.objects.filter(action=SecurityAction.LOCKOUT).order_by("id"))


def test_five_failures_lock_the_account_on_the_login_page(client):
    user = f.UserFactory(username="zhangsan")
    for _ in range(4):
        response = _login(client, "zhangsan", "wrong-1")
        assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()
    started = timezone.localtime()
    response = _login(client, "zhangsan", "wrong-1")  # the fifth: locked from now on
    assert response.status_code == 429
    body = response.content.decode()
    assert "登录失败次数过多，账号已锁定" in body
    until = started + datetime.timedelta(minutes=15)
    assert _retry_at(body) in {(until.hour, until.minute), ((until + datetime.timedelta(minutes=1)).hour,
                                                          (until + datetime.timedelta(minutes=1)).minute)}
    # the right password changes nothing while locked, nor from another address
    assert _login(client, "zhangsan", f.PASSWORD).status_code == 429
    assert _login(client, "zhangsan", f.PASSWORD, addr="10.0.0.99").status_code == 429
    assert "_auth_user_id" not in client.session
    lockout, = _lockouts()  # one event per lockout, not per refused attempt
    assert (lockout.username, lockout.result, lockout.detail["locked"]) == ("zhangsan", SecurityResult.DENIED, "account")
    assert lockout.ip_address == "10.0.0.1"
    # another account from the same address signs in
    f.UserFactory(username="lisi")
    assert _login(client, "lisi", f.PASSWORD).status_code == 302
    # 15 minutes after the last failure the account may sign in again
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        client.logout()
        assert _login(client, "zhangsan", f.PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def test_refused_attempts_during_a_lockout_do_not_move_its_end(client):
    f.UserFactory(username="zhangsan")
    for _ in range(5):
        _login(client, "zhangsan", "wrong-1")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)):
        assert _login(client, "zhangsan", "wrong-2").status_code == 429
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=15, seconds=30)):
        assert _login(client, "zhangsan", f.PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_lock_the_address(client):
    for n in range(5):
        f.UserFactory(username=f"user-a{n}")
    f.UserFactory(username="innocent")
    for n in range(19):  # 19 failures over 5 accounts: no account reaches 5
        assert _login(client, f"user-a{n % 5}", "wrong-1", addr="10.7.7.7").status_code == 200
    assert not _lockouts()
    response = _login(client, "user-a4", "wrong-1", addr="10.7.7.7")  # the 20th from this address
    assert response.status_code == 429
    assert "来自此地址的登录已暂停" in response.content.decode()
    # every account is refused from that address, even with its right password; others are not
    assert _login(client, "innocent", f.PASSWORD, addr="10.7.7.7").status_code == 429
    assert _login(client, "innocent", f.PASSWORD, addr="10.8.8.8").status_code == 302
    lockout, = _lockouts()
    assert (lockout.detail["locked"], lockout.ip_address) == ("address", "10.7.7.7")


def test_the_address_is_the_client_behind_a_trusted_proxy(client):
    f.UserFactory(username="zhangsan")
    with override_settings(TRUSTED_PROXIES=["10.0.0.0/24"]):
        http._trusted_networks.cache_clear()
        client.post("/login/", {"username": "zhangsan", "password": "x"}, REMOTE_ADDR="10.0.0.5",
                    HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    client.post("/login/", {"username": "zhangsan", "password": "x"}, REMOTE_ADDR="10.9.9.9",
                HTTP_X_FORWARDED_FOR="198.51.100.1")  # not a trusted proxy: its header is ignored
    assert sorted(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.9.9.9", "203.0.113.7"]


def test_token_endpoint_counts_basic_failures_and_answers_429_json():
    user = f.make_user("api_consumer", None, username="api-x")
    api = APIClient()
    for _ in range(4):
        response = api.post("/api/auth/token/", HTTP_AUTHORIZATION=_basic("api-x", "wrong-1"))
        assert response.status_code == 401
    response = api.post("/api/auth/token/", HTTP_AUTHORIZATION=_basic("api-x", "wrong-1"))
    assert response.status_code == 429
    assert "登录失败次数过多，账号已锁定" in response.json()["detail"]
    response = api.post("/api/auth/token/", HTTP_AUTHORIZATION=_basic("api-x"))  # right password, still locked
    assert response.status_code == 429 and RETRY.search(response.json()["detail"])
    assert not AuthToken.objects.filter(user=user).exists()
    assert len(_lockouts()) == 1


def test_successful_token_mints_count_nothing():
    f.make_user("api_consumer", None, username="api-y")
    api = APIClient()
    for _ in range(7):
        assert api.post("/api/auth/token/", HTTP_AUTHORIZATION=_basic("api-y")).status_code == 200
    assert not AccessAttempt.objects.exists()
    assert SecurityEvent.objects.filter(action=SecurityAction.TOKEN_CREATED).count() == 7


def test_admin_login_is_locked_too(client):
    f.UserFactory(username="root-like", is_staff=True, is_superuser=True)
    for _ in range(4):
        response = client.post("/admin/login/", {"username": "root-like", "password": "x"}, REMOTE_ADDR="10.1.1.1")
        assert response.status_code == 200
    response = client.post("/admin/login/", {"username": "root-like", "password": "x"}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    response = client.post("/admin/login/", {"username": "root-like", "password": f.PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429


def test_failures_older_than_the_window_do_not_count(client):
    f.UserFactory(username="zhangsan")
    for _ in range(4):
        _login(client, "zhangsan", "wrong-1")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert _login(client, "zhangsan", "wrong-1").status_code == 200  # 1, not 5
        assert _login(client, "zhangsan", f.PASSWORD).status_code == 302
