"""Large list exports in the background (accounts.api_export.background_export, accounts.tasks.export_list): 202
with the message, the worker's file (the scope of that moment, masked unless revealed, the reveal logged with
its row count), the inbox's link, the download for its owner only and until it expires."""
import datetime
import io

import pytest
from openpyxl import load_workbook

from accounts import exports
from accounts.api_export import ASYNC_MESSAGE, background_export
from accounts.models import SecurityAction, SecurityEvent
from notifications.models import Notification
from tests import factories as f
from tests.clients import api_client

pytestmark = pytest.mark.django_db
HOUSEHOLDS = "villages.api.HouseholdViewSet"


@pytest.fixture(autouse=True)
def background(settings, tmp_path):
    """Exports above one row go to the worker; the worker runs in the test (eager); files in a temporary folder."""
    from config.celery import app

    settings.LIST_EXPORT_ASYNC_ROWS = 1
    settings.EXPORT_DIR = tmp_path / "exports"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield tmp_path / "exports"
    app.conf.task_always_eager = eager


@pytest.fixture
def world():
    grid = f.MicroGridFactory()
    zone = grid.village.zone
    red = [f.HouseholdFactory(grid=grid, color="red", phone=f"1381234567{i}") for i in range(3)]
    green = f.HouseholdFactory(grid=grid, color="green", phone="13900001111")
    f.HouseholdFactory(color="red", phone="13700002222")  # another zone
    return dict(grid=grid, zone=zone, red=red, green=green)


def _rows(body: bytes):
    rows = list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


def _download(client, link):
    response = client.get(link)
    assert response.status_code == 200, getattr(response, "data", None)
    assert "attachment; filename*=UTF-8''" in response["Content-Disposition"]
    return _rows(b"".join(response.streaming_content))


def test_a_large_export_answers_202_and_the_inbox_links_to_the_masked_file(world):
    user = f.make_user("zone_committee", world["zone"])
    client = api_client(user)
    response = client.get("/api/households/export/", {"color": "red", "ordering": "id"})
    assert response.status_code == 202 and response.data["detail"] == ASYNC_MESSAGE and response.data["rows"] == 3
    note = Notification.objects.get(user=user, kind="export")
    assert note.title.startswith("导出完成") and "3 行" in note.body
    assert note.link == f"/api/exports/{response.data['token']}/"
    header, rows = _download(client, note.link)
    assert [row[header.index("ID")] for row in rows] == [h.pk for h in world["red"]]  # only the filtered rows
    assert {row[header.index("电话")] for row in rows} == {"138****5670", "138****5671", "138****5672"}
    event = SecurityEvent.objects.get(action=SecurityAction.EXPORT)
    assert event.user_id == user.pk and event.detail["rows"] == 3 and event.detail["background"] is True
    assert event.detail["filters"] == {"color": "red", "ordering": "id"}
    assert not SecurityEvent.objects.filter(action=SecurityAction.PII_REVEAL).exists()


def test_only_the_owner_downloads(world):
    owner = f.make_user("zone_committee", world["zone"])
    token = api_client(owner).get("/api/households/export/").data["token"]
    for other in (f.make_user("zone_committee", world["zone"]), f.make_user("district_admin")):
        assert api_client(other).get(f"/api/exports/{token}/").status_code == 404
    assert api_client(None).get(f"/api/exports/{token}/").status_code in (401, 403)
    assert api_client(owner).get("/api/exports/not-a-token/").status_code == 404
    assert api_client(owner).get(f"/api/exports/{token}/").status_code == 200


def test_the_file_is_private_and_outside_static_and_media(world, background, settings):
    user = f.make_user("zone_committee", world["zone"])
    token = api_client(user).get("/api/households/export/").data["token"]
    path = background / str(user.pk) / f"{token}.xlsx"
    assert path.is_file() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert not str(path).startswith(str(settings.STATIC_ROOT))


def test_a_revealed_background_export_is_logged_with_its_row_count(world):
    user = f.make_user("zone_committee", world["zone"])
    client = api_client(user)
    response = client.get("/api/households/export/", {"reveal": "true"})
    assert response.status_code == 202
    header, rows = _download(client, Notification.objects.get(user=user).link)
    assert sorted(row[header.index("电话")] for row in rows) == [
        "13812345670", "13812345671", "13812345672", "13900001111"]
    reveal = SecurityEvent.objects.get(action=SecurityAction.PII_REVEAL)
    assert reveal.user_id == user.pk and reveal.detail["rows"] == 4 and reveal.detail["fields"] == ["phone"]
    assert reveal.detail["background"] is True


def test_a_reveal_the_role_may_not_do_is_refused_at_once(world):
    user = f.make_user("grid_member", world["grid"])
    response = api_client(user).get("/api/households/export/", {"reveal": "true"})
    assert response.status_code == 403
    assert not Notification.objects.exists() and not SecurityEvent.objects.filter(action=SecurityAction.EXPORT).exists()


def test_the_worker_uses_the_scope_of_its_own_time(world, background):
    """Between the request and the run the user lost the zone and kept one village: the file holds that
    village only; with no role left, nothing is written and the inbox says why."""
    other_village = f.VillageFactory(zone=world["zone"])
    f.HouseholdFactory(grid=f.MicroGridFactory(natural_village=f.NaturalVillageFactory(village=other_village)),
                       color="red")
    user = f.make_user("village_cadre", world["grid"].village)
    result = background_export(user_id=user.pk, viewset=HOUSEHOLDS, query={"color": ["red"]}, reveal=True,
                               token="a" * 32)
    assert result["status"] == "done" and result["rows"] == 3  # not the other village's red household
    header, rows = _download(api_client(user), "/api/exports/" + "a" * 32 + "/")
    assert {row[header.index("ID")] for row in rows} == {h.pk for h in world["red"]}

    user.assignments.all().delete()
    result = background_export(user_id=user.pk, viewset=HOUSEHOLDS, query={}, reveal=True, token="b" * 32)
    assert result["status"] == "failed" and "不能查看完整个人信息" in result["reason"]
    failed = Notification.objects.get(user=user, kind="export_failed")
    assert failed.link == "" and "不能查看完整个人信息" in failed.body
    assert not (background / str(user.pk) / f"{'b' * 32}.xlsx").exists()
    assert not list((background / str(user.pk)).glob("*.part"))


def test_a_disabled_user_gets_nothing(world, background):
    user = f.make_user("zone_committee", world["zone"], is_active=False)
    result = background_export(user_id=user.pk, viewset=HOUSEHOLDS, query={}, reveal=False, token="c" * 32)
    assert result["status"] == "skipped" and not Notification.objects.exists()


def test_an_expired_file_is_refused_and_deleted(world, background, settings):
    user = f.make_user("zone_committee", world["zone"])
    client = api_client(user)
    token = client.get("/api/households/export/").data["token"]
    stored = exports.export_file_get(user, token)
    assert stored.rows == 4 and stored.expires_at - stored.created_at == datetime.timedelta(days=7)
    with pytest.raises(exports.ExportExpired):
        exports.export_file_get(user, token, now=stored.created_at + datetime.timedelta(days=7, seconds=1))
    assert not stored.path.exists()
    response = client.get(f"/api/exports/{token}/")
    assert response.status_code == 404

    settings.EXPORT_FILE_DAYS = 0
    token = client.get("/api/households/export/").data["token"]
    response = client.get(f"/api/exports/{token}/")
    assert response.status_code == 410 and "已过期" in response.data["detail"]


def test_the_daily_purge_deletes_expired_files_only(world, background, settings):
    from accounts.tasks import purge_expired_exports

    user = f.make_user("zone_committee", world["zone"])
    client = api_client(user)
    kept = client.get("/api/households/export/").data["token"]
    settings.EXPORT_FILE_DAYS = 0
    gone = client.get("/api/households/export/").data["token"]
    assert purge_expired_exports() == 1
    assert (background / str(user.pk) / f"{kept}.xlsx").exists()
    assert not (background / str(user.pk) / f"{gone}.xlsx").exists()


def test_small_exports_still_download_at_once(world, settings):
    settings.LIST_EXPORT_ASYNC_ROWS = 20_000
    response = api_client(f.make_user("zone_committee", world["zone"])).get("/api/households/export/")
    assert response.status_code == 200 and not Notification.objects.exists()


def test_a_broker_that_is_down_is_a_503_in_chinese(world, monkeypatch):
    from kombu.exceptions import OperationalError

    from accounts import tasks

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(tasks.export_list, "delay", down)
    response = api_client(f.make_user("zone_committee", world["zone"])).get("/api/households/export/")
    assert response.status_code == 503 and "后台导出暂不可用" in response.data["detail"]
