"""Figures as an xlsx sheet: one row per node, one column per figure, the definitions on a second sheet.
Figures are counts and rates over whole nodes: no personal data, nothing to mask."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from core import metrics


def values_workbook(answer: dict, codes: list[str], *, compare: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    defined = [metrics.get(code) for code in codes]
    sheet.append([f"统计期：{answer['period_label']}（{answer['start']} 至 {answer['end']}）"])
    header = ["节点"]
    for m in defined:
        header.append(f"{m.name}（{m.unit}）")
        if compare:
            header.append(f"{m.name}·上年同期")
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    rows: dict = {}
    for row in answer["values"]:
        rows.setdefault((row["node"], row["node_name"]), {})[row["code"]] = row
    for (_, name), by_code in rows.items():
        line = [name]
        for m in defined:
            line.append(by_code[m.code]["value"])
            if compare:
                line.append(by_code[m.code].get("previous"))
        sheet.append(line)
    sheet.column_dimensions["A"].width = 24
    notes = book.create_sheet("口径说明")
    notes.append(["代码", "指标", "单位", "口径"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for m in defined:
        notes.append([m.code, m.name, m.unit, m.definition])
    notes.column_dimensions["B"].width = 24
    notes.column_dimensions["D"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
