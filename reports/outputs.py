"""A report as an HTML print view, a PDF made on the server (WeasyPrint, Noto CJK fonts) and an xlsx of its figures."""
from __future__ import annotations

import base64
import io
from urllib.parse import quote

from django.http import HttpResponse

from django.template.loader import render_to_string
from openpyxl import Workbook

from core.pdf import html_to_pdf
from openpyxl.styles import Alignment, Font

from .models import Report


def _show(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "天":
        return f"{value:.1f}"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def print_context(report: Report, rows: list[dict], *, embed_images: bool) -> dict:
    """What the print view shows: the headline figures in large type, the figures by group with last year's
    beside them and a bar for each count against last year, the narrative, typical cases and photos."""
    shown = []
    for row in rows:
        value, previous = row["value"], row["previous"]
        delta = None
        if isinstance(value, (int, float)) and isinstance(previous, (int, float)):
            delta = value - previous
        top = max(abs(value or 0), abs(previous or 0)) or 1
        shown.append({**row, "text": _show(value, row["unit"]), "previous_text": _show(previous, row["unit"]),
                      "delta": delta, "bar": round(100 * (value or 0) / top) if row["unit"] != "%" else (value or 0),
                      "previous_bar": round(100 * (previous or 0) / top) if row["unit"] != "%" else (previous or 0)})
    groups: dict = {}
    for row in shown:
        groups.setdefault(row["group"], []).append(row)
    photos = []
    for item in report.attachments.all():
        if item.is_image:
            if embed_images:
                with item.file.open("rb") as handle:
                    data = base64.b64encode(handle.read()).decode()
                photos.append({"name": item.name, "src": f"data:{item.content_type};base64,{data}"})
            else:
                photos.append({"name": item.name, "src": f"/api/reports/{report.pk}/attachments/{item.pk}/"})
    return {
        "report": report,
        "headline": sorted((r for r in shown if r["headline"]), key=lambda r: r["headline_rank"]),
        "groups": groups,
        "cases": list(report.typical_cases.select_related("village").order_by("received_at")),
        "visits": list(report.typical_visits.select_related("household").order_by("visited_on")),
        "photos": photos,
        "files": [a for a in report.attachments.all() if not a.is_image],
        "events": list(report.steps.select_related("actor").order_by("created_at", "id")),
        "year": report.period_start.year,
    }


def report_html(report: Report, rows: list[dict], *, embed_images: bool = False, for_pdf: bool = False) -> str:
    context = print_context(report, rows, embed_images=embed_images)
    context["for_pdf"] = for_pdf
    return render_to_string("reports/report_print.html", context)


def report_pdf(report: Report, rows: list[dict], request=None) -> bytes:
    html = report_html(report, rows, embed_images=True, for_pdf=True)
    return html_to_pdf(html, base_url=request.build_absolute_uri("/") if request else None)


def report_workbook(report: Report, rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    state = report.get_state_display() + ("（提交时冻结的值）" if report.frozen_at else "（实时值）")
    sheet.append([f"统计期 {report.period_start} 至 {report.period_end}；状态：{state}"])
    sheet.append(["类别", "指标", "单位", f"{report.period_start.year}年" if report.kind != "zone_monthly" else "本期",
                  "上年同期", "增减", "实时值", "口径"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        value, previous = row["value"], row["previous"]
        delta = value - previous if isinstance(value, (int, float)) and isinstance(previous, (int, float)) else None
        sheet.append([row["group"], row["name"], row["unit"], value, previous,
                      round(delta, 1) if delta is not None else None, row["live"], row["definition"]])
    for column, width in zip("ABCDEFGH", (14, 26, 6, 12, 12, 10, 12, 70)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=4, min_col=8, max_col=8):
        row[0].alignment = Alignment(wrap_text=True)
    text = book.create_sheet("亮点与打算")
    for title, body in (("亮点", report.highlights), ("问题", report.problems), ("下步打算", report.next_steps)):
        text.append([title, body])
    text.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(content: bytes, content_type: str, name: str) -> HttpResponse:
    """A file for the browser to save as `name` (private, never cached)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


