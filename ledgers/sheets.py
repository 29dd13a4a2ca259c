"""The Excel side of an import: a kind's columns, its template (openpyxl), and reading an uploaded file.

A thin layer over openpyxl (README, "台账导入（Excel）"): the template is written cell by cell with
drop-down lists (data validation) over a hidden sheet of options, a 说明 sheet and one example row; an
upload is read in openpyxl's read-only (streaming, lxml) mode into plain text cells, keyed by column.
"""
from __future__ import annotations

import dataclasses
import datetime
import io
from collections.abc import Callable

from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

EXAMPLE_MARK = "（示例）"  # a row with a cell ending so is the template's example: skipped on import
MAX_ROWS = 200_000
MAX_BYTES = 30 * 1024 * 1024
NUMERIC_MARK = "〔数字〕"  # an ID-number cell Excel stored as a number (its last digits are lost)
TEXT_ROWS = 2000  # rows of the template whose text columns are preformatted as text


@dataclasses.dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    help: str = ""  # the format, in the 说明 sheet
    options: Callable | None = None  # options(context) -> list of allowed texts (a drop-down list)
    multi: bool = False  # several values, separated by 、 or , (the list only suggests)
    text: bool = False  # stored as a text cell (ID numbers, phones: leading zeros, 18 digits)
    width: int = 14


def split_multi(value: str) -> list[str]:
    for sep in ("，", ",", "；", ";", " ", "/"):
        value = value.replace(sep, "、")
    return [part.strip() for part in value.split("、") if part.strip()]


# --- template ------------------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FONT = Font(bold=True)
EXAMPLE_FONT = Font(italic=True, color="808080")


def build_template(*, title: str, columns: list[Column], example: dict[str, str], context, notes: list[str]) -> bytes:
    """The xlsx template of a kind: the data sheet (headers, one example row, drop-downs), 说明, 选项 (hidden)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    options_ws = wb.create_sheet("选项")
    help_ws = wb.create_sheet("说明")
    wb.move_sheet(help_ws, offset=-1)  # data, 说明, 选项
    option_col = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = REQUIRED_FONT if column.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.comment = Comment(("必填。" if column.required else "选填。") + column.help, "平台")
        ws.column_dimensions[letter].width = column.width
        value = example.get(column.key, "")
        example_cell = ws.cell(row=2, column=index, value=value)
        example_cell.font = EXAMPLE_FONT
        if column.text:
            for row in range(2, TEXT_ROWS + 2):
                ws.cell(row=row, column=index).number_format = "@"
        values = column.options(context) if column.options else None
        if values:
            option_col += 1
            option_letter = get_column_letter(option_col)
            options_ws.cell(row=1, column=option_col, value=column.header)
            for r, text in enumerate(values, start=2):
                options_ws.cell(row=r, column=option_col, value=text)
            validation = DataValidation(
                type="list", formula1=f"'选项'!${option_letter}$2:${option_letter}${len(values) + 1}",
                allow_blank=not column.required,
                # several values (tags) are typed with 、 between them: the list only suggests, never refuses
                showErrorMessage=not column.multi, errorStyle="stop" if not column.multi else "information",
                errorTitle=column.header, error=f"请从下拉列表中选择{column.header}。",
                promptTitle=column.header, prompt=("可填多个，用“、”分隔。" if column.multi else "请从下拉列表中选择。"),
                showInputMessage=True,
            )
            validation.add(f"{letter}2:{letter}{TEXT_ROWS + 1}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    options_ws.sheet_state = "hidden"

    help_ws.column_dimensions["A"].width = 16
    help_ws.column_dimensions["B"].width = 8
    help_ws.column_dimensions["C"].width = 60
    help_ws.column_dimensions["D"].width = 50
    help_ws.append(["列名", "必填", "格式与说明", "可选值"])
    for cell in help_ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column in columns:
        values = column.options(context) if column.options else None
        allowed = "、".join(values) if values else ""
        if values and len(allowed) > 300:
            allowed = f"见“{title}”表该列的下拉列表（共{len(values)}项）"
        help_ws.append([column.header, "是" if column.required else "否", column.help, allowed])
    help_ws.append([])
    for note in notes:
        help_ws.append([note])
    for row in help_ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading an upload ---------------------------------------------------------------------------------

def _text(value, *, text_column: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            value = int(value)
        else:
            return repr(value)
    if isinstance(value, int):
        digits = str(value)
        if text_column and len(digits) > 15:  # Excel keeps 15 significant digits: an 18-digit ID lost its tail
            return NUMERIC_MARK + digits
        return digits
    return str(value).strip()


def read_rows(content: bytes, columns: list[Column], *, sheet_title: str) -> dict:
    """The data of an uploaded xlsx: {"columns": [keys], "data": [[row number, text, …], …]}.

    The sheet is the one named like the template's (else the first that is not 说明/选项); columns are found
    by their Chinese header in row 1 (a trailing * is ignored), in any order. A file-level problem is a
    ValidationError under "file".
    """
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": f"文件太大（超过{MAX_BYTES // 1024 // 1024} MB）。"})
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 -- any unreadable file is the same answer to the user
        raise ValidationError({"file": "无法读取文件：请上传 Excel 2007 及以上格式（.xlsx）的文件。"}) from exc
    try:
        names = wb.sheetnames
        name = sheet_title if sheet_title in names else next((n for n in names if n not in ("说明", "选项")), None)
        if name is None:
            raise ValidationError({"file": f"文件中没有“{sheet_title}”工作表。"})
        rows = wb[name].iter_rows(values_only=True)
        header = next(rows, None) or ()
        by_header = {}
        for index, value in enumerate(header):
            label = str(value or "").strip().rstrip("*＊").strip()
            if label:
                by_header.setdefault(label, index)
        missing = [c.header for c in columns if c.required and c.header not in by_header]
        if missing:
            raise ValidationError({"file": f"第1行缺少必填列：{'、'.join(missing)}（请使用平台下载的模板）。"})
        present = [c for c in columns if c.header in by_header]
        positions = [(by_header[c.header], c.text) for c in present]
        data = []
        for number, values in enumerate(rows, start=2):
            cells = [_text(values[i], text_column=text) if i < len(values) else "" for i, text in positions]
            if not any(cells) or any(cell.endswith(EXAMPLE_MARK) for cell in cells):
                continue
            data.append([number, *cells])
            if len(data) > MAX_ROWS:
                raise ValidationError({"file": f"一次最多导入{MAX_ROWS}行，请分成几个文件。"})
    finally:
        wb.close()
    if not data:
        raise ValidationError({"file": "文件中没有数据行（第2行起；示例行会被跳过）。"})
    return {"columns": [c.key for c in present], "data": data}
