"""The security log as an xlsx file, written row by row (openpyxl write-only mode) so memory stays flat."""
from __future__ import annotations

import json
import tempfile

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


def rows_xlsx(title: str, headers: list[str], rows) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """Any list as an xlsx file, written row by row (write-only mode): `rows` yields lists of values in the
    order of `headers`. Every text is a text cell (a value starting with "=" never becomes a formula).
    Returns the file (at position 0) and the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(ILLEGAL_CHARACTERS_RE.sub("", title)[:31] or "Sheet1")
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
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(target)
    target.seek(0)
    return target, count
