"""xlsx files written row by row so memory stays flat: the security log (openpyxl write-only mode), any list
(``rows_xlsx``) and a dashboard's tables (``tables_xlsx``), written as SpreadsheetML directly; and the store of the large exports a worker writes
(``export_file_*``): private files under ``settings.EXPORT_DIR`` (never a static or media path), one folder
per user, each file with its owner and expiry beside it, handed out only to its owner until it expires."""
from __future__ import annotations

import datetime
import json
import math
import os
import re
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

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
    """Any list as an xlsx file, written row by row: `rows` yields lists of values in the order of `headers`.
    Every text is a text cell (a value starting with "=" never becomes a formula). Returns the file (at
    position 0) and the row count; `target`: a binary file to write to instead of a temporary one."""
    return tables_xlsx([(title, headers, rows)], target=target)


def tables_xlsx(tables, *, target=None) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """Tables (a list's rows, or a dashboard's small tables) as the sheets of one xlsx file: `tables` is a
    list of (sheet title, headers, rows). Returns the file (at position 0) and the row count of all sheets.

    The package is written directly (SpreadsheetML by hand, streamed into the zip): texts as inline strings,
    numbers as numbers, a bold header row frozen at the top. For a list that is all an export needs, and it
    is about twenty times faster than openpyxl's write-only mode, which builds an object per cell (a town's
    20,845 households × 22 columns: about 1 s against 20 s on a loaded machine; BENCHMARKS.md).
    """
    if target is None:
        target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    tables = list(tables)
    titles: list[str] = []
    for title, _headers, _rows in tables:
        titles.append(_sheet_title(title, titles))
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        # the package's parts first (some readers stream the zip), then the sheets
        package.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets="".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(titles) + 1))))
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", _WORKBOOK.format(sheets="".join(
            f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(titles, 1))))
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(sheets="".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(titles) + 1)),
            styles=len(titles) + 1))
        package.writestr("xl/styles.xml", _STYLES)
        for index, (_title, headers, rows) in enumerate(tables, 1):
            with package.open(f"xl/worksheets/sheet{index}.xml", "w") as out:
                count += _write_sheet(out, headers, rows)
    target.seek(0)
    return target, count


def _sheet_title(title, taken: list[str]) -> str:
    # sheet names: at most 31 characters, none of \ / * ? : [ ], unique in the workbook
    name = re.sub(r"[\\/*?:\[\]]", "-", ILLEGAL_CHARACTERS_RE.sub("", str(title)))[:31] or "Sheet1"
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]}({n})"
        n += 1
    return name


def _text(value: str, style: str = "") -> str:
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def _write_sheet(out, headers: list[str], rows) -> int:
    out.write(_SHEET_HEAD)
    out.write(("<row>" + "".join(_text(ILLEGAL_CHARACTERS_RE.sub("", str(h)), ' s="1"') for h in headers)
               + "</row>").encode())
    count, buffer = 0, []
    for row in rows:
        cells = []
        for value in row:
            value = _cell_value(value)
            if value is None:
                cells.append("<c/>")
            elif isinstance(value, (int, float)) and math.isfinite(value):
                cells.append(f"<c><v>{value!r}</v></c>")
            else:
                cells.append(_text(str(value)))
        buffer.append("<row>" + "".join(cells) + "</row>")
        count += 1
        if len(buffer) >= 500:
            out.write("".join(buffer).encode())
            buffer = []
    out.write("".join(buffer).encode())
    out.write(b"</sheetData></worksheet>")
    return count


_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetViews><sheetView workbookViewId="0">'
    b'<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    b'<sheetFormatPr defaultRowHeight="15"/><sheetData>'
)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '{sheets}</Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{sheets}'
    '<Relationship Id="rId{styles}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)


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
