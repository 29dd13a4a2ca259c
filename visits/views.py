"""Pages of the four-color visits: Vue shells over the API (see static/visits/)."""
from __future__ import annotations

from accounts.scoping import user_scope
from core.pages import PageView, ScopedDetailView
from villages.models import Household
from zones.models import Town, WorkZone

from .models import ColorChangeSource, VisitMethod
from .services import CORRECTION_DAYS


class VisitsPage(PageView):
    """A page of the four-color visits: under 四色走访, with the visits' coded values and the correction window."""

    breadcrumbs = (("四色走访", None),)
    page_choices = {"visit_method": VisitMethod, "color_change_source": ColorChangeSource}

    def get_page_data(self) -> dict:
        return {**super().get_page_data(), "correction_days": CORRECTION_DAYS}


class MyVisitsView(VisitsPage):
    """我的走访（手机）：到期、逾期的户，一键登记走访。"""

    page_title = "我的走访"


class HouseholdVisitsView(VisitsPage, ScopedDetailView):
    """一户的走访档案：四色分类变更历史与走访记录。"""

    page_title = "走访档案"
    breadcrumbs = (("我的走访", "visits:my"),)
    model = Household


class DashboardView(VisitsPage):
    """工作区、街道走访看板。"""

    page_title = "走访看板"

    def get_page_data(self) -> dict:
        scope = user_scope(self.request.user)
        zones = list(scope.filter(WorkZone.objects.all()).order_by("town_id", "id").values("id", "name", "town_id"))
        towns = list(scope.filter(Town.objects.all()).order_by("id").values("id", "name"))
        return {**super().get_page_data(), "zones": zones, "towns": towns}
