"""Searching and exporting the security log: who may, which rows they see, filters, the xlsx and its own log row."""
import datetime
import io

import pytest
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Role, SecurityAction, SecurityEvent, SecurityResult
from accounts.scoping import user_scope
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/security-events/"


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _record(user=None, *, action=SecurityAction.LOGIN, at=None, **kwargs):
    if at is not None:  # an insert may carry any time: the append-only trigger guards updates and deletes only
        return SecurityEvent.objects.create(at=at, user=user, username=user.username if user else "", action=action,
                                            **kwargs)
    return services.security_event_record(action=action, user=user, **kwargs)


@pytest.fixture
def district():
    """Two towns; in town A a zone, a village and a grid, each with a user; one user in town B."""
    town_a, town_b = f.TownFactory(name="明水街道"), f.TownFactory(name="埠村街道")
    zone = f.WorkZoneFactory(town=town_a)
    village = f.VillageFactory(zone=zone)
    grid = f.MicroGridFactory(natural_village=f.NaturalVillageFactory(village=village))
    return {
        "admin": f.make_user(Role.DISTRICT_ADMIN, username="quji"),
        "town_a": f.make_user(Role.TOWN_STAFF, town_a, username="town_a"),
        "town_b": f.make_user(Role.TOWN_STAFF, town_b, username="town_b"),
        "zone": f.make_user(Role.ZONE_COMMITTEE, zone, username="zone_a"),
        "village": f.make_user(Role.VILLAGE_CADRE, village, username="village_a"),
        "grid": f.make_user(Role.GRID_MEMBER, grid, username="grid_a"),
        "api": f.make_user(Role.API_CONSUMER, town_a, username="api_a"),
        "zone_obj": zone,
        "town_a_obj": town_a,
    }


def _usernames(response):
    assert response.status_code == 200, response.content
    return {row["username"] for row in response.data["results"]}


def test_district_admin_sees_every_row_town_staff_their_town_others_are_refused(district):
    d = district
    for key in ("admin", "town_a", "town_b", "zone", "village", "grid", "api"):
        _record(d[key])
    _record(f.UserFactory(username="no_role"))
    _record(username="typed-by-someone", action=SecurityAction.LOGIN_FAILED, result=SecurityResult.FAILED)

    assert _usernames(_api(d["admin"]).get(URL)) == {
        "quji", "town_a", "town_b", "zone_a", "village_a", "grid_a", "api_a", "no_role", "typed-by-someone"}
    # town staff: the users holding a role anywhere in their town (zone, village, grid, consumer), and themselves
    assert _usernames(_api(d["town_a"]).get(URL)) == {"town_a", "zone_a", "village_a", "grid_a", "api_a"}
    assert _usernames(_api(d["town_b"]).get(URL)) == {"town_b"}

    outside = SecurityEvent.objects.get(username="town_b")
    assert _api(d["town_a"]).get(f"{URL}{outside.pk}/").status_code == 404

    for key in ("zone", "village", "grid", "api"):
        before = SecurityEvent.objects.filter(action=SecurityAction.FORBIDDEN).count()
        assert _api(d[key]).get(URL).status_code == 403, key
        assert _api(d[key]).get(f"{URL}export/").status_code == 403, key
        # the refusal is itself in the log
        denied = SecurityEvent.objects.filter(action=SecurityAction.FORBIDDEN).order_by("-id")
        assert denied.count() == before + 2
        assert denied[0].user_id == d[key].pk and denied[0].detail["path"] == f"{URL}export/"


def test_anonymous_is_refused_and_a_bad_token_is_401():
    assert APIClient().get(URL).status_code == 403
    response = APIClient().get(URL, HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 401


def test_the_log_cannot_be_written_through_the_api(district):
    event = _record(district["town_a"])
    api = _api(district["admin"])
    assert api.post(URL, {"action": "login"}, format="json").status_code == 403
    assert api.patch(f"{URL}{event.pk}/", {"username": "x"}, format="json").status_code == 403
    assert api.delete(f"{URL}{event.pk}/").status_code == 403
    assert SecurityEvent.objects.get(pk=event.pk).username == "town_a"


def test_filters_and_newest_first(district):
    d = district
    now = timezone.now()
    old = _record(d["zone"], at=now - datetime.timedelta(days=40))
    _record(d["zone"], action=SecurityAction.PII_REVEAL, object_type="members.partymember", object_id="17",
            at=now - datetime.timedelta(days=2))
    _record(username="zone_a", action=SecurityAction.LOGIN_FAILED, result=SecurityResult.FAILED)
    _record(d["village"], action=SecurityAction.FORBIDDEN, result=SecurityResult.DENIED)
    request = RequestFactory().get("/", REMOTE_ADDR="10.8.0.9")
    services.security_event_record(action=SecurityAction.LOGOUT, request=request, user=d["village"])
    api = _api(d["admin"])

    rows = api.get(URL).data["results"]
    ats = [row["at"] for row in rows]
    assert ats == sorted(ats, reverse=True)

    def ids(**params):
        response = api.get(URL, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.data["results"]]

    by_name = ids(username="zone_a")
    assert len(by_name) == 3 and old.pk == by_name[-1]
    assert len(ids(user=d["zone"].pk)) == 2
    assert len(ids(action=["pii_reveal", "login_failed"])) == 2
    assert len(ids(result="failed")) == 1
    assert len(ids(object_type="members.partymember", object_id="17")) == 1
    assert len(ids(ip_address="10.8.0.9")) == 1
    today = timezone.localdate()
    assert old.pk not in ids(at_after=(today - datetime.timedelta(days=30)).isoformat())
    assert ids(at_before=(today - datetime.timedelta(days=40)).isoformat(),
               at_after=(today - datetime.timedelta(days=40)).isoformat()) == [old.pk]  # both days included

    bad = api.get(URL, {"ip_address": "10.8.0"})
    assert bad.status_code == 400 and bad.data["ip_address"][0].startswith("客户端地址：")
    assert api.get(URL, {"action": "delete_everything"}).status_code == 400


def test_list_queries_do_not_grow_with_rows(district):
    api = _api(district["town_a"])
    _record(district["zone"])
    api.get(URL)  # the user's scope is read once and kept on the user object for the rest of the request
    with CaptureQueriesContext(connection) as few:
        assert api.get(URL).status_code == 200
    for _ in range(30):
        _record(district["zone"])
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(URL).data["results"]) == 31
    assert len(many.captured_queries) == len(few.captured_queries) <= 3


def test_export_is_an_xlsx_with_chinese_headers_and_is_itself_logged(district):
    d = district
    _record(d["zone"], action=SecurityAction.PII_REVEAL, object_type="members.partymember", object_id="17",
            detail={"fields": ["id_number"]})
    _record(d["town_b"])  # out of town A's sight
    # what someone typed as a username: a formula and a control character must arrive as plain text
    _record(username="=HYPERLINK(\"http://x\",\"点我\")\x07", action=SecurityAction.LOGIN_FAILED,
            result=SecurityResult.FAILED)

    response = _api(d["town_a"]).get(f"{URL}export/", {"action": ["pii_reveal", "login"], "username": ""})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("时间", "用户ID", "用户名", "客户端地址", "操作", "结果", "对象类型", "对象ID", "详情")
    assert len(rows) == 2
    assert rows[1][2:9] == ("zone_a", None, "查看完整个人信息", "成功", "members.partymember", "17",
                            '{"fields": ["id_number"]}')
    assert isinstance(rows[1][0], datetime.datetime)

    export = SecurityEvent.objects.get(action=SecurityAction.EXPORT)
    assert export.user_id == d["town_a"].pk
    assert export.object_type == "accounts.securityevent"
    assert export.detail == {"format": "xlsx", "filters": {"action": ["pii_reveal", "login"]}, "rows": 1}

    # the district admin's export of failed sign-ins: the typed text stays text
    response = _api(d["admin"]).get(f"{URL}export/", {"result": "failed"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cell = sheet["C2"]
    assert cell.value == "=HYPERLINK(\"http://x\",\"点我\")" and cell.data_type == "s"


@override_settings(SECURITY_LOG_EXPORT_MAX_ROWS=2)
def test_an_export_over_the_limit_is_refused_in_chinese(district):
    for _ in range(3):
        _record(district["zone"])
    response = _api(district["admin"]).get(f"{URL}export/")
    assert response.status_code == 400
    assert "超过单次导出上限 2 条" in str(response.data)
    assert not SecurityEvent.objects.filter(action=SecurityAction.EXPORT).exists()


def test_account_scope_reaches_users_by_their_role_assignments(district):
    """ScopeSpec.account, on its own: a zone grant reaches the users placed in that zone and below, and oneself."""
    d = district
    for key in ("town_a", "zone", "village", "grid", "town_b"):
        _record(d[key])
    zone_scope = user_scope(d["zone"])
    names = set(SecurityEvent.objects.filter(zone_scope.q(SecurityEvent, roles=frozenset({Role.ZONE_COMMITTEE})))
                .values_list("username", flat=True))
    assert names == set()  # readers = district and town only, whatever roles are asked for
    # the same path rule without the readers restriction
    from accounts.scoping import ScopeSpec

    class Probe:
        scope = ScopeSpec(account="user")
        _default_manager = SecurityEvent.objects

    q = zone_scope.q(Probe)
    assert set(SecurityEvent.objects.filter(q).values_list("username", flat=True)) == {"zone_a", "village_a", "grid_a"}
    assert not user_scope(d["zone"]).can_read(SecurityEvent)
    assert user_scope(d["town_a"]).can_read(SecurityEvent)
    assert not user_scope(d["town_a"]).can_write(SecurityEvent)
