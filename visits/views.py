"""Pages of the four-color visits: Vue shells over the API (see static/visits/)."""
from __future__ import annotations

from accounts.scoping import user_scope
from core.pages import PageView, ScopedDetailView
from villages.models import Household
from zones.models import Town, WorkZone

from .models import ColorChangeSource, VisitMethod
from .services import CORRECTION_DAYS, policy_place_writable


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


class PolicyView(VisitsPage):
    """走访策略：街道设定全街道的策略，工作区党委可为本工作区单独设定（覆盖）；保存前预览受影响的户数。"""

    page_title = "走访策略"
    template_name = "visits/policies.html"

    def get_page_data(self) -> dict:
        user = self.request.user
        scope = user_scope(user)
        towns = [
            {"id": t["id"], "name": t["name"]} for t in scope.filter(Town.objects.all()).order_by("id").values("id", "name")
            if policy_place_writable(user, town_id=t["id"], zone_id=None)
        ]
        zones = [
            z for z in scope.filter(WorkZone.objects.select_related("town")).order_by("town_id", "id")
            .values("id", "name", "town_id", "town__name")
            if policy_place_writable(user, town_id=z["town_id"], zone_id=z["id"])
        ]
        return {**super().get_page_data(), "towns": towns, "zones": zones}


class ColorReviewView(VisitsPage):
    """四色调整审核：系统按情况标签提出的调高建议逐条采纳或不采纳（须写理由）；调整记录可导出。"""

    page_title = "四色调整审核"
    template_name = "visits/color_review.html"


class FollowUpsView(VisitsPage):
    """需跟进：走访中标记“需要跟进”的事项，网格、村逐条办结。"""

    page_title = "需跟进事项"
    template_name = "visits/follow_ups.html"
