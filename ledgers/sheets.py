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
    date: bool = False  # a date: a number in the cell is Excel's day serial
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


def _cell_text(value, column: Column | None) -> str:
    text = _text(value, text_column=bool(column and column.text))
    if column is not None and column.date and isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return (datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))).isoformat()
        except (OverflowError, ValueError):
            return text
    return text


def read_rows(content: bytes, columns: list[Column], *, sheet_title: str) -> dict:
    """The data of an uploaded xlsx: {"columns": [keys], "data": [[row number, text, …], …]}.

    The sheet is the one named like the template's (else the first that is not 说明/选项); columns are found
    by their Chinese header in row 1 (a trailing * is ignored), in any order. A file-level problem is a
    ValidationError under "file". The sheet's XML is streamed with lxml (``xlsx_rows``); a file that reader
    does not understand is read with openpyxl's read-only mode instead (about 8× slower).
    """
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": f"文件太大（超过{MAX_BYTES // 1024 // 1024} MB）。"})
    try:
        rows = xlsx_rows(content, sheet_title)
        first = next(rows, None)
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 -- not a plain xlsx (strict OOXML, an odd writer): openpyxl's reader
        rows, first = None, None
    if rows is None:
        return _read_rows_openpyxl(content, columns, sheet_title=sheet_title)
    return _collect(first, rows, columns)


def _collect(header_row, rows, columns: list[Column]) -> dict:
    header = header_row[1] if header_row else ()
    by_header = {}
    for index, value in enumerate(header):
        label = str(value or "").strip().rstrip("*＊").strip()
        if label:
            by_header.setdefault(label, index)
    missing = [c.header for c in columns if c.required and c.header not in by_header]
    if missing:
        raise ValidationError({"file": f"第1行缺少必填列：{'、'.join(missing)}（请使用平台下载的模板）。"})
    present = [c for c in columns if c.header in by_header]
    positions = [(by_header[c.header], c) for c in present]
    data = []
    for number, values in rows:
        cells = [_cell_text(values[i], c) if i < len(values) else "" for i, c in positions]
        if not any(cells) or any(cell.endswith(EXAMPLE_MARK) for cell in cells):
            continue
        data.append([number, *cells])
        if len(data) > MAX_ROWS:
            raise ValidationError({"file": f"一次最多导入{MAX_ROWS}行，请分成几个文件。"})
    if not data:
        raise ValidationError({"file": "文件中没有数据行（第2行起；示例行会被跳过）。"})
    return {"columns": [c.key for c in present], "data": data}


# --- the streaming reader ------------------------------------------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _column_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and abs(value) < 1e15 else (
        int(text) if text.isdigit() else value)


def xlsx_rows(content: bytes, sheet_title: str):
    """(row number, [cell values]) of one sheet, streamed from the package's XML with lxml (iterparse,
    each row freed once read): shared strings and inline strings as text, numbers as int/float, booleans."""
    import posixpath
    import zipfile

    from lxml import etree

    try:
        package = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise ValidationError({"file": "无法读取文件：请上传 Excel 2007 及以上格式（.xlsx）的文件。"}) from exc
    workbook = etree.fromstring(package.read("xl/workbook.xml"))
    sheets = [(s.get("name"), s.get(f"{_REL}id")) for s in workbook.iter(f"{_MAIN}sheet")]
    if not sheets:
        raise ValueError("no sheets")
    names = [name for name, _ in sheets]
    name = sheet_title if sheet_title in names else next((n for n in names if n not in ("说明", "选项")), None)
    if name is None:
        raise ValidationError({"file": f"文件中没有“{sheet_title}”工作表。"})
    rel_id = dict(sheets)[name]
    rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship") if r.get("Id") == rel_id)
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    strings: list[str] = []
    if "xl/sharedStrings.xml" in package.namelist():
        with package.open("xl/sharedStrings.xml") as stream:
            for _, si in etree.iterparse(stream, tag=f"{_MAIN}si"):
                # the text runs of the item; phonetic guides (rPh) are not its text
                strings.append("".join(t.text or "" for t in si.iter(f"{_MAIN}t")
                                       if t.getparent().tag != f"{_MAIN}rPh"))
                si.clear()
    return _sheet_rows(package, path, strings)


def _sheet_rows(package, path: str, strings: list[str]):
    from lxml import etree

    c_tag, v_tag, is_tag, t_tag = f"{_MAIN}c", f"{_MAIN}v", f"{_MAIN}is", f"{_MAIN}t"
    with package.open(path) as stream:
        expected = 0
        for _, row in etree.iterparse(stream, tag=f"{_MAIN}row"):
            number = int(row.get("r") or expected + 1)
            expected = number
            values: list = []
            for cell in row.iter(c_tag):
                ref = cell.get("r")
                index = _column_index(ref) if ref else len(values)
                kind = cell.get("t")
                if kind == "inlineStr":
                    node = cell.find(is_tag)
                    value = "".join(t.text or "" for t in node.iter(t_tag)) if node is not None else ""
                else:
                    v = cell.find(v_tag)
                    text = v.text if v is not None else None
                    if text is None:
                        value = None
                    elif kind == "s":
                        value = strings[int(text)]
                    elif kind in ("str", "e", "d"):
                        value = text
                    elif kind == "b":
                        value = text == "1"
                    else:
                        value = _number(text)
                if index >= len(values):
                    values.extend([None] * (index - len(values) + 1))
                values[index] = value
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
            yield number, values


def _read_rows_openpyxl(content: bytes, columns: list[Column], *, sheet_title: str) -> dict:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 -- any unreadable file is the same answer to the user
        raise ValidationError({"file": "无法读取文件：请上传 Excel 2007 及以上格式（.xlsx）的文件。"}) from exc
    try:
        names = wb.sheetnames
        name = sheet_title if sheet_title in names else next((n for n in names if n not in ("说明", "选项")), None)
        if name is None:
            raise ValidationError({"file": f"文件中没有“{sheet_title}”工作表。"})
        rows = enumerate(wb[name].iter_rows(values_only=True), start=1)
        return _collect(next(rows, None), rows, columns)
    finally:
        wb.close()
