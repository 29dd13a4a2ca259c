"""Pages of the figures and reports: Vue shells over /api/metrics/ (see static/reports/)."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.views import View

from accounts.scoping import user_scope
from core.pages import PageView, ScopedDetailView

from .models import Report, ReportKind, ReportState


class MetricsView(PageView):
    """指标查询：选指标、节点与统计期，看表格和图表，导出 Excel。"""

    page_title = "指标查询"
    breadcrumbs = (("统计与报告", None),)

    def get_page_data(self) -> dict:
        scope = user_scope(self.request.user)
        levels = set()
        for grant in scope.grants:
            if grant.level is None:
                levels |= {"district", "town", "zone", "village"}
            elif grant.level == "town":
                levels |= {"town", "zone", "village"}
            elif grant.level == "zone":
                levels |= {"zone", "village"}
            elif grant.level == "village":
                levels.add("village")
        order = ["district", "town", "zone", "village"]
        return {**super().get_page_data(), "levels": [lvl for lvl in order if lvl in levels]}


class ReportListView(PageView):
    """工作报告：本人管辖范围内的报告，打开（新建）某工作区或街道(镇)某期的报告。"""

    page_title = "工作报告"
    breadcrumbs = (("统计与报告", None),)
    page_choices = {"report_kind": ReportKind, "report_state": ReportState}


class ReportDetailView(ScopedDetailView):
    """一份报告：指标（冻结值与实时值）、亮点、问题、下步打算、典型案例、附件、办理记录与审核。"""

    page_title = "报告"
    breadcrumbs = (("工作报告", "reports:list"),)
    model = Report
    page_choices = {"report_kind": ReportKind, "report_state": ReportState}


class ReportPrintView(LoginRequiredMixin, View):
    """打印版（与 PDF 同一模板）：像新闻稿里的“我们这一年”那样排版。"""

    def get(self, request, pk: int):
        from .api_reports import figure_rows
        from .outputs import report_html

        report = user_scope(request.user).filter(Report.objects.select_related("town", "zone")).filter(pk=pk).first()
        if report is None or not user_scope(request.user).can_read(Report):
            raise Http404
        return HttpResponse(report_html(report, figure_rows(report)[0]))


class CompletenessView(PageView):
    """报送情况：各街道(镇)应报、已报、按时、已审核（报送率、及时率）。"""

    page_title = "报送情况"
    breadcrumbs = (("统计与报告", None),)
    page_choices = {"report_kind": ReportKind}
