"""Optional TOTP second factor for district, town and zone roles (OTP_REQUIRED_FOR_STAFF)."""
import base64
import datetime
import re

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import services
from accounts.models import SecurityAction, SecurityEvent, SecurityResult
from tests import factories as f

pytestmark = pytest.mark.django_db

OTP_ON = override_settings(OTP_REQUIRED_FOR_STAFF=True)


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _sign_in(client, user):
    response = client.post("/login/", {"username": user.username, "password": f.PASSWORD, "next": "/tree/"})
    assert response.status_code == 302
    return response


@pytest.fixture
def zone_user():
    return f.make_user("zone_committee", f.WorkZoneFactory())


def test_off_by_default_nobody_is_asked(client, zone_user):
    response = _sign_in(client, zone_user)
    assert response["Location"] == "/tree/"
    assert client.get("/tree/").status_code == 200
    assert client.get("/account/otp/").status_code == 302  # nothing to do there


@OTP_ON
def test_enrol_then_verify_at_every_sign_in(client, zone_user):
    response = _sign_in(client, zone_user)
    assert client.get("/tree/")["Location"] == "/account/otp/?next=/tree/"
    response = client.get("/api/me/")
    assert (response.status_code, response.json()) == (403, {"detail": "请先完成二次验证。"})
    page = client.get("/account/otp/?next=/tree/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and 'for="id_code"' in html
    device = TOTPDevice.objects.get(user=zone_user, confirmed=False)
    assert re.search(r'data-testid="otp-secret">[A-Z2-7]+<', html)
    assert client.get("/account/otp/").status_code == 200  # a reload keeps the same secret
    assert TOTPDevice.objects.filter(user=zone_user).count() == 1
    # a wrong code: error beside the field, an OTP failure, one failed attempt for the lockout
    response = client.post("/account/otp/", {"code": "000000" if _code(device) != "000000" else "111111", "next": "/tree/"})
    assert response.status_code == 200 and "动态验证码错误" in response.content.decode()
    failed = SecurityEvent.objects.get(action=SecurityAction.OTP, result=SecurityResult.FAILED)
    assert failed.user_id == zone_user.pk
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get(username=zone_user.username).failures_since_start == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=40)):  # past django-otp's throttle
        response = client.post("/account/otp/", {"code": _code(device), "next": "/tree/"})
        assert response.status_code == 302 and response["Location"] == "/tree/"
        assert TOTPDevice.objects.get(pk=device.pk).confirmed
        assert client.get("/tree/").status_code == 200
        assert client.get("/api/me/").status_code == 200
        client.post("/logout/")
        # the next sign-in asks for a code again, without a QR code this time
        _sign_in(client, zone_user)
        assert client.get("/tree/").status_code == 302
        assert "<svg" not in client.get("/account/otp/").content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=80)):
        assert client.post("/account/otp/", {"code": _code(device)}).status_code == 302
        assert client.get("/tree/").status_code == 200


@OTP_ON
def test_roles_below_the_zone_are_not_asked(client):
    user = f.make_user("village_cadre", f.VillageFactory())
    _sign_in(client, user)
    assert client.get("/tree/").status_code == 200


@OTP_ON
def test_five_wrong_codes_lock_the_account_and_sign_out(client, zone_user):
    device = services.otp_device_start(user=zone_user)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    _sign_in(client, zone_user)
    wrong = "000000" if _code(device) != "000000" else "111111"
    for _ in range(4):
        assert client.post("/account/otp/", {"code": wrong}).status_code == 200
    response = client.post("/account/otp/", {"code": wrong})
    assert response.status_code == 429 and "账号已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.post("/login/", {"username": zone_user.username, "password": f.PASSWORD}).status_code == 429
    assert SecurityEvent.objects.filter(action=SecurityAction.OTP, result=SecurityResult.FAILED).count() == 5
    assert SecurityEvent.objects.filter(action=SecurityAction.LOCKOUT).count() == 1


@OTP_ON
def test_token_minting_asks_for_the_code():
    town = f.TownFactory()
    user = f.make_user("api_consumer", town)
    f.add_role(user, "town_staff", town)  # a staff role: TOTP applies
    basic = "Basic " + base64.b64encode(f"{user.username}:{f.PASSWORD}".encode()).decode()
    api = APIClient(HTTP_AUTHORIZATION=basic)
    response = api.post("/api/auth/token/")
    assert (response.status_code, response.json()) == (403, {"detail": "请先在浏览器中登录并绑定动态验证码，再申请令牌。"})
    device = services.otp_device_start(user=user)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    response = api.post("/api/auth/token/")
    assert (response.status_code, response.json()) == (
        403, {"detail": "该账号须二次验证：请在请求中提供 otp 字段（6 位动态验证码）。"})
    wrong = "000000" if _code(device) != "000000" else "111111"
    response = api.post("/api/auth/token/", {"otp": wrong}, format="json")
    assert (response.status_code, response.json()) == (403, {"detail": "动态验证码错误。"})
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=40)):
        response = api.post("/api/auth/token/", {"otp": _code(device)}, format="json")
        assert response.status_code == 200 and response.json()["token"]


def test_an_api_consumer_alone_needs_no_code():
    with OTP_ON:
        user = f.make_user("api_consumer", None)
        basic = "Basic " + base64.b64encode(f"{user.username}:{f.PASSWORD}".encode()).decode()
        assert APIClient(HTTP_AUTHORIZATION=basic).post("/api/auth/token/").status_code == 200
