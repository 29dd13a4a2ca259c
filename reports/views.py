"""Pages of the figures and reports: Vue shells over /api/metrics/ (see static/reports/)."""
from __future__ import annotations

from accounts.scoping import user_scope
from core.pages import PageView


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
