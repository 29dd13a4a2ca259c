"""The xlsx writer of the list and statistics exports (accounts.exports.tables_xlsx): a package openpyxl reads back
value for value, texts as text cells (never formulas), a bold frozen header, unique and legal sheet names."""
import io
import zipfile

from openpyxl import load_workbook

from accounts.exports import rows_xlsx, tables_xlsx


def test_values_come_back_as_written():
    rows = [[1, 2.5, "=SUM(A1:A2)", None, True, ["a", "b"], {"name": "闫满村"}, "  spaced <&> \x07bell", -0.0]]
    target, count = rows_xlsx("户/四色[1]", ["ID", "数", "公式", "空", "是否", "标签", "村", "文字", "零"], rows)
    assert count == 1
    book = load_workbook(io.BytesIO(target.read()))
    sheet = book.active
    assert sheet.title == "户-四色-1-" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["ID", "数", "公式", "空", "是否", "标签", "村", "文字", "零"]
    assert all(c.font.b for c in sheet[1])
    values = [c.value for c in sheet[2]]
    assert values[:3] == [1, 2.5, "=SUM(A1:A2)"] and values[3] is None
    assert values[4:8] == ["是", "a、b", "闫满村", "  spaced <&> bell"]
    assert sheet.cell(row=2, column=3).data_type == "s"  # a text, never a formula


def test_several_sheets_with_unique_names_and_a_package_in_order():
    target, count = tables_xlsx([("统计", ["a"], [[1], [2]]), ("统计", ["b"], [["x"]]), ("", ["c"], [])])
    assert count == 3
    body = target.read()
    assert zipfile.ZipFile(io.BytesIO(body)).namelist()[0] == "[Content_Types].xml"
    book = load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames == ["统计", "统计(2)", "Sheet1"]
    assert [list(r) for r in book["统计"].iter_rows(values_only=True)] == [["a"], [1], [2]]
    assert [list(r) for r in book["统计(2)"].iter_rows(values_only=True)] == [["b"], ["x"]]
