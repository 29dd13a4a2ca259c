"""xlsx files written row by row (openpyxl write-only mode) so memory stays flat: the security log, any list
(``rows_xlsx``), a dashboard's tables (``tables_xlsx``); and the store of the large exports a worker writes
(``export_file_*``): private files under ``settings.EXPORT_DIR`` (never a static or media path), one folder
per user, each file with its owner and expiry beside it, handed out only to its owner until it expires."""
from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .models import SecurityAction, SecurityResult

# (header, width) in the order of the row written by `_row`
COLUMNS = [
    ("时间", 20), ("用户ID", 9), ("用户名", 18), ("客户端地址", 18), ("操作", 16), ("结果", 8),
    ("对象类型", 24), ("对象ID", 12), ("详情", 60),
]
ACTION_LABELS = dict(SecurityAction.choices)
RESULT_LABELS = dict(SecurityResult.choices)


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    # Usernames of failed sign-ins are whatever someone typed: strip what xlsx cannot hold, and never let a
    # leading "=" become a formula that runs when the auditor opens the file.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def security_events_xlsx(rows) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """Write `rows` (an iterable of SecurityEvent) to a temporary xlsx file; return it (at position 0) and the count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("安全日志")
    for index, (_header, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for event in rows:
        at = WriteOnlyCell(sheet, value=timezone.localtime(event.at).replace(tzinfo=None))
        at.number_format = "yyyy-mm-dd hh:mm:ss"
        sheet.append([
            at,
            event.user_id,
            _text_cell(sheet, event.username),
            event.ip_address or "",
            ACTION_LABELS.get(event.action, event.action),
            RESULT_LABELS.get(event.result, event.result),
            _text_cell(sheet, event.object_type),
            _text_cell(sheet, event.object_id),
            _text_cell(sheet, json.dumps(event.detail, ensure_ascii=False) if event.detail else ""),
        ])
        count += 1
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(target)
    target.seek(0)
    return target, count


def _cell_value(value):
    """A value of a serializer's output as an xlsx cell value: lists joined, booleans as 是/否, nested
    objects as their names; texts are stripped of what xlsx cannot hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, dict):
        value = value.get("name") or value.get("label") or ", ".join(f"{k}: {v}" for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        value = "、".join(str(_cell_value(item) or "") for item in value)
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def rows_xlsx(title: str, headers: list[str], rows, *, target=None) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """Any list as an xlsx file, written row by row (write-only mode): `rows` yields lists of values in the
    order of `headers`. Every text is a text cell (a value starting with "=" never becomes a formula).
    Returns the file (at position 0) and the row count; `target`: a binary file to write to instead of a
    temporary one."""
    workbook = Workbook(write_only=True)
    count = _write_sheet(workbook, title, headers, rows)
    return _save(workbook, target), count


def tables_xlsx(tables, *, target=None) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """Several small tables (a dashboard's) as the sheets of one xlsx file: `tables` is a list of
    (sheet title, headers, rows). Returns the file (at position 0) and the row count of all sheets."""
    workbook = Workbook(write_only=True)
    count = 0
    for title, headers, rows in tables:
        count += _write_sheet(workbook, title, headers, rows)
    return _save(workbook, target), count


def _save(workbook, target):
    if target is None:
        target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(target)
    target.seek(0)
    return target


def _write_sheet(workbook, title: str, headers: list[str], rows) -> int:
    title = re.sub(r"[\\/*?:\[\]]", "-", ILLEGAL_CHARACTERS_RE.sub("", str(title)))[:31] or "Sheet1"
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(text)))
        cell.font = bold
        cell.data_type = "s"
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        cells = []
        for value in row:
            value = _cell_value(value)
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    return count


# --- the store of large exports (written by a worker, downloaded from the inbox's link) -------------------

TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


class ExportExpired(Exception):
    """The file's download period is over (the file is gone)."""


@dataclass(frozen=True)
class StoredExport:
    token: str
    path: Path
    name: str
    rows: int
    created_at: datetime.datetime
    expires_at: datetime.datetime


def export_token() -> str:
    return uuid.uuid4().hex


def _export_root() -> Path:
    return Path(settings.EXPORT_DIR)


def _paths(user_id: int, token: str) -> tuple[Path, Path]:
    if not TOKEN_RE.match(token or ""):
        raise ValueError("bad export token")
    folder = _export_root() / str(int(user_id))
    return folder / f"{token}.xlsx", folder / f"{token}.json"


def export_file_open_for_writing(user_id: int, token: str):
    """A new private file (mode 0600 in a 0700 folder) to write the export `token` of `user_id` to; it is
    not downloadable until ``export_file_finish``."""
    path, _meta = _paths(user_id, token)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(_export_root(), 0o700)
    descriptor = os.open(path.with_suffix(".part"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(descriptor, "w+b")


def export_file_finish(user_id: int, token: str, *, name: str, rows: int) -> StoredExport:
    """Make the written file downloadable: its name, row count and expiry beside it."""
    path, meta = _paths(user_id, token)
    os.replace(path.with_suffix(".part"), path)
    created = datetime.datetime.now(datetime.timezone.utc)
    expires = created + datetime.timedelta(days=settings.EXPORT_FILE_DAYS)
    meta.write_text(json.dumps({"user": int(user_id), "name": name, "rows": rows, "created_at": created.isoformat(),
                                "expires_at": expires.isoformat()}, ensure_ascii=False), encoding="utf-8")
    os.chmod(meta, 0o600)
    return StoredExport(token, path, name, rows, created, expires)


def export_file_discard(user_id: int, token: str) -> None:
    path, meta = _paths(user_id, token)
    for candidate in (path.with_suffix(".part"), path, meta):
        candidate.unlink(missing_ok=True)


def export_file_get(user, token: str, *, now: datetime.datetime | None = None) -> StoredExport | None:
    """The finished export `token` if `user` owns it (None otherwise, also for any other user); an expired
    one is deleted and ``ExportExpired`` raised."""
    if user is None or not getattr(user, "pk", None) or not TOKEN_RE.match(token or ""):
        return None
    path, meta = _paths(user.pk, token)
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("user") != user.pk or not path.is_file():
        return None
    expires = datetime.datetime.fromisoformat(data["expires_at"])
    if (now or datetime.datetime.now(datetime.timezone.utc)) >= expires:
        export_file_discard(user.pk, token)
        raise ExportExpired(token)
    return StoredExport(token, path, data["name"], data["rows"], datetime.datetime.fromisoformat(data["created_at"]),
                        expires)


def export_files_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete expired exports, and files a dead worker left half-written for a day; returns how many."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    root = _export_root()
    if not root.is_dir():
        return 0
    removed = 0
    for meta in root.glob("*/*.json"):
        try:
            expires = datetime.datetime.fromisoformat(json.loads(meta.read_text(encoding="utf-8"))["expires_at"])
        except (OSError, ValueError, KeyError):
            expires = now
        if now >= expires:
            meta.with_suffix(".xlsx").unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            removed += 1
    stale = now.timestamp() - 24 * 3600
    for part in root.glob("*/*.part"):
        if part.stat().st_mtime < stale:
            part.unlink(missing_ok=True)
            removed += 1
    for folder in root.iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder, ignore_errors=True)
    return removed


# Who hears that a large export is ready (or failed): the notifications app plugs its inbox in here (it sits
# above accounts, which may not import it). Each is called as notifier(user=…, token=…, title=…, body=…, ok=…).
EXPORT_NOTIFIERS: list = []


def on_export_finished(func):
    """Register `func` to be told of every finished (or failed) large export."""
    if func not in EXPORT_NOTIFIERS:
        EXPORT_NOTIFIERS.append(func)
    return func
