"""Application logs: JSON lines in a rotating file, one request id per request on every line (structlog's and
plain logging's), the client address as the security log reads it, and no ID or mobile number in clear."""
import copy
import json
import logging
import logging.config

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from accounts.models import Role
from core import http
from core.logs import PiiMaskingFilter, mask_pii
from tests import factories as f

ID_NUMBER = f.make_id_number()
PHONE = "13805311234"


@pytest.fixture
def log_file(tmp_path):
    """The project's LOGGING with its file handler pointed at a temporary file, everything at DEBUG."""
    path = tmp_path / "log" / "app.log"
    path.parent.mkdir()
    config = copy.deepcopy(django_settings.LOGGING)
    file_handler = config["handlers"].get("file")
    assert file_handler is not None, "LOG_FILE 默认应写入 var/log/app.log"
    assert file_handler["class"] == "logging.handlers.RotatingFileHandler"
    assert file_handler["maxBytes"] == django_settings.LOG_FILE_MAX_BYTES
    assert file_handler["backupCount"] == django_settings.LOG_FILE_BACKUP_COUNT
    config["handlers"] = {"file": dict(file_handler, filename=str(path))}
    config["root"] = {"handlers": ["file"], "level": "DEBUG"}
    config["loggers"] = {"django_structlog": {"level": "DEBUG"}}
    logging.config.dictConfig(config)
    http._trusted_networks.cache_clear()
    try:
        yield path
    finally:
        logging.config.dictConfig(django_settings.LOGGING)
        http._trusted_networks.cache_clear()


def _size(path) -> int:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.stat().st_size if path.exists() else 0


def _lines(path, since: int = 0):
    """The lines written after byte `since` (test set-up before a request logs too, with no request id)."""
    _size(path)
    with open(path, "rb") as file:
        file.seek(since)
        text = file.read().decode("utf-8")
    return [json.loads(line) for line in text.splitlines()]  # every line parses as JSON


@pytest.mark.django_db
def test_a_request_writes_json_lines_with_one_request_id(log_file):
    user = f.make_user(Role.DISTRICT_ADMIN)
    api = APIClient()
    api.force_authenticate(user)
    start = _size(log_file)
    assert api.get("/api/towns/999999/", REMOTE_ADDR="10.9.9.9").status_code == 404
    lines = _lines(log_file, start)
    events = {line["event"] for line in lines}
    # django-structlog's own events and Django's plain logging record of the 404 ("Not Found: …")
    assert {"request_started", "request_finished"} <= events
    plain = [line for line in lines if line["logger"] == "django.request"]
    assert plain and plain[0]["event"].startswith("Not Found: /api/towns/999999/")
    request_ids = {line.get("request_id") for line in lines}
    assert len(request_ids) == 1 and None not in request_ids
    assert {line["ip"] for line in lines} == {"10.9.9.9"}
    assert all({"timestamp", "level", "logger"} <= set(line) for line in lines)

    assert api.get("/api/towns/999998/").status_code == 404
    assert len({line["request_id"] for line in _lines(log_file, start)}) == 2


@pytest.mark.django_db
def test_a_forged_forwarded_for_is_not_the_logged_address(log_file, settings):
    client = APIClient()
    start = _size(log_file)
    client.get("/api/me/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.9.9.9")
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    http._trusted_networks.cache_clear()
    client.get("/api/me/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.5")
    lines = _lines(log_file, start)
    by_request = {}
    for line in lines:
        by_request.setdefault(line["request_id"], set()).add(line.get("ip"))
    assert list(by_request.values()) == [{"10.9.9.9"}, {"203.0.113.7"}]
    assert "6.6.6.6" not in log_file.read_text()


@pytest.mark.django_db
def test_no_id_number_or_phone_reaches_the_log(log_file):
    village = f.VillageFactory()
    member = f.PartyMemberFactory(branch=f.PartyBranchFactory(village=village), id_number=ID_NUMBER, phone=PHONE)
    api = APIClient()
    api.force_authenticate(f.make_user(Role.VILLAGE_CADRE, village))
    revealed = api.post(f"/api/members/{member.pk}/reveal/")
    assert revealed.status_code == 200 and revealed.data["id_number"] == ID_NUMBER  # the response has them…
    api.get("/api/members/", {"id_number": ID_NUMBER, "q": PHONE})  # … and so does this query string
    api.get(f"/api/members/{ID_NUMBER}/")  # a 404 whose path Django logs as a plain record
    logging.getLogger("members").warning("imported %s with phone %s", ID_NUMBER, PHONE)
    text = log_file.read_text(encoding="utf-8")
    assert ID_NUMBER not in text and PHONE not in text
    assert f"{ID_NUMBER[:6]}**********{ID_NUMBER[-2:]}" in text  # the path and the message, masked
    started = [line for line in _lines(log_file) if line["event"] == "request_started"]
    assert {"request": "GET /api/members/", "params": ["id_number", "q"]}.items() <= started[1].items()


@pytest.mark.parametrize(("raw", "masked"), [
    ("370181198001011234", "370181**********34"),
    ("身份证37018119800101123X。", "身份证370181**********3X。"),
    ("tel 13805311234,", "tel 138****1234,"),
    ("+86 138-0531-1234", "138****1234"),
    ("8613805311234", "138****1234"),
    # not numbers of a person: longer or shorter runs, timestamps, request ids, prices
    ("1380531123456", "1380531123456"),
    ("3701811980010112345", "3701811980010112345"),
    ("2026-12-02T15:48:35.042596Z", "2026-12-02T15:48:35.042596Z"),
    ("b46f6fe4-e1fc-488f-a49a-375dbf1747c0", "b46f6fe4-e1fc-488f-a49a-375dbf1747c0"),
    ("id=12345", "id=12345"),
])
def test_mask_pii(raw, masked):
    assert mask_pii(raw) == masked


def test_the_filter_masks_messages_and_structlog_events():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "user %s phone %s", ("张三", PHONE), None)
    assert PiiMaskingFilter().filter(record) and record.getMessage() == "user 张三 phone 138****1234"
    event = logging.LogRecord("x", logging.WARNING, __file__, 1, {"event": "e", "id": ID_NUMBER, "n": 13805311234},
                              None, None)
    PiiMaskingFilter().filter(event)
    assert event.msg == {"event": "e", "id": f"{ID_NUMBER[:6]}**********{ID_NUMBER[-2:]}", "n": "138****1234"}
