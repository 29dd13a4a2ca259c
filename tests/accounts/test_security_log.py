"""The security log: what is recorded, from which address, and that the database keeps it append-only."""
import datetime

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Role, RoleAssignment, SecurityAction, SecurityEvent, SecurityResult
from core import http
from tests import factories as f

pytestmark = pytest.mark.django_db


def _events(action):
    return list(SecurityEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture(autouse=True)
def _fresh_proxy_cache():
    http._trusted_networks.cache_clear()
    yield
    http._trusted_networks.cache_clear()


def test_login_failed_login_and_logout_are_logged_with_the_client_address(client):
    user = f.UserFactory(username="zhangsan")
    client.post("/login/", {"username": "zhangsan", "password": "wrong-password"}, REMOTE_ADDR="10.1.2.3")
    client.post("/login/", {"username": "zhangsan", "password": f.PASSWORD}, REMOTE_ADDR="10.1.2.3")
    client.post("/logout/", REMOTE_ADDR="10.1.2.3")
    failed, = _events(SecurityAction.LOGIN_FAILED)
    assert (failed.username, failed.result, failed.ip_address, failed.user_id) == ("zhangsan", "failed", "10.1.2.3", None)
    login, = _events(SecurityAction.LOGIN)
    logout, = _events(SecurityAction.LOGOUT)
    assert (login.user_id, login.ip_address, logout.user_id) == (user.pk, "10.1.2.3", user.pk)


def test_forwarded_for_is_believed_only_from_a_trusted_proxy():
    village = f.VillageFactory()
    user = f.make_user(Role.VILLAGE_CADRE, village)
    member = f.PartyMemberFactory(branch=f.PartyBranchFactory(village=village))
    api = APIClient()
    api.force_authenticate(user)
    url = f"/api/members/{member.pk}/reveal/"
    # a client writing the header itself, straight to the app: its peer address is recorded
    api.post(url, HTTP_X_FORWARDED_FOR="1.1.1.1", REMOTE_ADDR="10.9.9.9")
    with override_settings(TRUSTED_PROXIES=["10.0.0.0/24"]):
        http._trusted_networks.cache_clear()
        # behind the proxy: the client's forged first hop is ignored, the hop the proxy saw is the client
        api.post(url, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7", REMOTE_ADDR="10.0.0.5")
    addresses = [e.ip_address for e in SecurityEvent.objects.filter(user=user).order_by("id")]
    assert addresses == ["10.9.9.9", "203.0.113.7"]


def test_every_403_is_logged():
    zone = f.WorkZoneFactory()
    user = f.make_user(Role.GRID_MEMBER, f.MicroGridFactory())
    api = APIClient()
    api.force_authenticate(user)
    assert api.patch(f"/api/zones/{zone.pk}/", {"name": "x"}).status_code in (403, 404)
    assert api.post("/api/towns/", {"name": "新镇"}).status_code == 403
    denied = _events(SecurityAction.FORBIDDEN)
    assert denied and denied[-1].user_id == user.pk and denied[-1].result == SecurityResult.DENIED
    assert denied[-1].detail == {"method": "POST", "path": "/api/towns/"}


def test_role_grants_and_removals_are_logged():
    admin = f.make_user(Role.DISTRICT_ADMIN)
    user = f.UserFactory()
    village = f.VillageFactory()
    assignment = services.role_grant(by=admin, user=user, role=Role.VILLAGE_CADRE, village=village)
    services.role_revoke(by=admin, assignment=assignment)
    assert not RoleAssignment.objects.filter(user=user).exists()
    granted, = _events(SecurityAction.ROLE_GRANTED)
    revoked, = _events(SecurityAction.ROLE_REVOKED)
    assert granted.user_id == revoked.user_id == admin.pk
    assert granted.detail["user"] == revoked.detail["user"] == user.pk
    assert granted.detail["role"] == revoked.detail["role"] == Role.VILLAGE_CADRE


def test_a_grant_on_the_wrong_level_is_refused_and_not_logged():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.role_grant(by=None, user=f.UserFactory(), role=Role.VILLAGE_CADRE, zone=f.WorkZoneFactory())
    assert not SecurityEvent.objects.exists()


def test_the_database_refuses_to_update_or_delete_a_recent_row():
    event = services.security_event_record(action=SecurityAction.EXPORT, username="x", detail={"rows": 3})
    for statement in ("UPDATE accounts_securityevent SET username = 'y'", "DELETE FROM accounts_securityevent"):
        with pytest.raises(DatabaseError, match="安全日志"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(DatabaseError), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).update(detail={})
    assert SecurityEvent.objects.get(pk=event.pk).username == "x"


@override_settings(SECURITY_LOG_RETENTION_DAYS=200)
def test_retention_deletes_only_rows_older_than_the_setting():
    now = timezone.now()
    services.security_event_record(action=SecurityAction.LOGIN, username="recent")
    with connection.cursor() as cursor:  # an insert may carry any time: the trigger guards only change and removal
        for days in (190, 210, 400):
            cursor.execute("INSERT INTO accounts_securityevent (at, username, action, object_type, object_id, result, detail)"
                           " VALUES (%s, %s, 'login', '', '', 'ok', '{}')", [now - datetime.timedelta(days=days), f"old{days}"])
    assert services.security_events_purge(now=now) == 2
    assert set(SecurityEvent.objects.values_list("username", flat=True)) == {"recent", "old190"}


@override_settings(SECURITY_LOG_RETENTION_DAYS=30)
def test_retention_below_180_days_is_raised_to_180():
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO accounts_securityevent (at, username, action, object_type, object_id, result, detail)"
                       " VALUES (%s, 'old', 'login', '', '', 'ok', '{}')", [now - datetime.timedelta(days=60)])
    assert services.security_events_purge(now=now) == 0
    assert SecurityEvent.objects.filter(username="old").exists()
