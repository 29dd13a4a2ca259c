"""Password policy, accounts created by an administrator (forced change at first sign-in), the change page,
resets, and what a change or reset does to the user's API tokens and sessions."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import SecurityAction, SecurityEvent, User
from accounts.passwords import CharacterClassesValidator
from tests import factories as f

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _messages(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


def test_standard_policy_in_chinese():
    user = User(username="zhangwei", display_name="张伟")
    assert _messages("Qz7rW2xk", user) == []
    assert "密码长度太短，至少需要 8 个字符。" in _messages("ab12", user)
    assert "密码必须同时包含字母和数字。" in _messages("abcdefghij", user)
    assert "密码必须同时包含字母和数字。" in _messages("1357924680", user)
    assert any("太常见" in m for m in _messages("password1", user))
    assert any("相似" in m for m in _messages("zhangwei1", user))


def test_strict_policy_adds_length_and_three_character_classes():
    validator = CharacterClassesValidator(min_classes=3)
    validator.validate("Abcdefgh1234")
    with pytest.raises(ValidationError, match="至少 3 类"):
        validator.validate("abcdefgh1234")
    code = ("import config.settings as s; v = [x['NAME'].rsplit('.', 1)[1] for x in s.AUTH_PASSWORD_VALIDATORS];"
            "m = [x for x in s.AUTH_PASSWORD_VALIDATORS if 'MinimumLength' in x['NAME']][0]['OPTIONS']['min_length'];"
            "print(m, ' '.join(v))")
    env = {**os.environ, "PASSWORD_POLICY": "strict"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "12" and "CharacterClassesValidator" in out.stdout
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PASSWORD_POLICY": "standard"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "8" and "CharacterClassesValidator" not in out.stdout


def test_user_create_sets_the_forced_change_and_checks_the_policy():
    admin = f.make_user("district_admin")
    user = services.user_create(by=admin, username="wangfang", password="Init2026x", display_name="王芳")
    assert user.must_change_password and user.check_password("Init2026x")
    event = SecurityEvent.objects.get(action=SecurityAction.USER_CREATED)
    assert (event.user_id, event.object_id) == (admin.pk, str(user.pk))
    with pytest.raises(ValidationError) as exc:
        services.user_create(by=admin, username="liqiang", password="qmzwxnvkrt")
    assert exc.value.message_dict["password"] == ["密码必须同时包含字母和数字。"]
    assert not User.objects.filter(username="liqiang").exists()


def test_forced_change_blocks_pages_and_api_until_changed(client):
    admin = f.make_user("district_admin")
    user = services.user_create(by=admin, username="wangfang", password="Init2026x")
    f.add_role(user, "village_cadre", f.VillageFactory())
    client.force_login(user)
    response = client.get("/households/")
    assert response.status_code == 302 and response["Location"] == "/account/password/?next=/households/"
    response = client.get("/api/me/")
    assert (response.status_code, response.json()) == (403, {"detail": "请先修改初始密码。"})
    page = client.get("/account/password/?next=/households/")
    html = page.content.decode()
    assert page.status_code == 200 and "您的密码由管理员设置" in html
    for field, label in (("old_password", "原密码"), ("new_password", "新密码"), ("new_password_confirm", "确认新密码")):
        assert f'<label class="pf-field-label" for="id_{field}">{label}</label>' in html
    # errors stand beside their field, tied to the input for screen readers
    response = client.post("/account/password/", {"old_password": "nope", "new_password": "Next2026y",
                                                   "new_password_confirm": "Next2026y", "next": "/households/"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="pf-field-error" id="id_old_password_error">原密码不正确。</div>' in html
    assert 'aria-describedby="id_old_password_error"' in html and 'aria-invalid="true"' in html
    response = client.post("/account/password/", {"old_password": "Init2026x", "new_password": "Next2026y",
                                                   "new_password_confirm": "Other2026z"})
    assert "两次输入的新密码不一致。" in response.content.decode()
    response = client.post("/account/password/", {"old_password": "Init2026x", "new_password": "qmzwxnvkrtp",
                                                   "new_password_confirm": "qmzwxnvkrtp"})
    assert "密码必须同时包含字母和数字。" in response.content.decode()
    response = client.post("/account/password/", {"old_password": "Init2026x", "new_password": "Next2026y",
                                                   "new_password_confirm": "Next2026y", "next": "/households/"})
    assert response.status_code == 302 and response["Location"] == "/households/"
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Next2026y")
    # the session that changed the password stays signed in
    assert client.get("/households/").status_code == 200
    assert client.get("/api/me/").status_code == 200


def test_change_page_refuses_an_outside_next(client):
    user = f.make_user("village_cadre", f.VillageFactory())
    client.force_login(user)
    response = client.post("/account/password/", {"old_password": f.PASSWORD, "new_password": "Next2026y",
                                                   "new_password_confirm": "Next2026y", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_self_change_revokes_tokens_and_ends_other_sessions(client):
    user = f.make_user("api_consumer", None)
    AuthToken.objects.create(user=user)
    _instance, token = AuthToken.objects.create(user=user)
    other = type(client)()
    other.force_login(user)
    client.force_login(user)
    response = client.post("/account/password/", {"old_password": f.PASSWORD, "new_password": "Next2026y",
                                                   "new_password_confirm": "Next2026y"})
    assert response.status_code == 302
    assert not AuthToken.objects.filter(user=user).exists()
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/me/").status_code == 401
    assert client.get("/api/me/").status_code == 200  # this session kept
    assert other.get("/api/me/").status_code == 403  # the other one ended (session hash)
    revoked = SecurityEvent.objects.get(action=SecurityAction.TOKEN_REVOKED)
    assert (revoked.detail["count"], revoked.detail["reason"]) == (2, "password_changed")
    assert SecurityEvent.objects.filter(action=SecurityAction.PASSWORD_CHANGED, result="ok").count() == 1


def test_reset_by_an_administrator_forces_a_change_and_revokes_everything(client):
    admin = f.make_user("district_admin")
    user = f.make_user("api_consumer", None)
    _instance, token = AuthToken.objects.create(user=user)
    client.force_login(user)
    password = services.user_password_reset(by=admin, user=user)
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(password)
    validate_password(password, user)  # the generated password meets the policy
    assert not AuthToken.objects.filter(user=user).exists()
    assert client.get("/api/me/").status_code == 403  # the session ended with the old password
    reset = SecurityEvent.objects.get(action=SecurityAction.PASSWORD_RESET)
    assert (reset.user_id, reset.object_id) == (admin.pk, str(user.pk))
    assert SecurityEvent.objects.filter(action=SecurityAction.TOKEN_REVOKED, user=admin).count() == 1
    # and the API consumer cannot mint a token before changing the password
    import base64

    basic = "Basic " + base64.b64encode(f"{user.username}:{password}".encode()).decode()
    response = APIClient().post("/api/auth/token/", HTTP_AUTHORIZATION=basic)
    assert (response.status_code, response.json()) == (403, {"detail": "请先修改初始密码。"})


def test_reset_of_ones_own_password_is_not_forced():
    user = f.make_user("district_admin")
    services.user_password_reset(by=user, user=user, password="Mine2026x")
    user.refresh_from_db()
    assert not user.must_change_password
