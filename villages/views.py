"""Household pages: Vue shells over /api/households/ (four-color classes, circumstances, links)."""
from core.pages import PageView, ScopedDetailView

from .models import Household


class HouseholdListView(PageView):
    template_name = "villages/household_list.html"
    page_title = "户与四色分类"


class HouseholdDetailView(ScopedDetailView):
    template_name = "villages/household_detail.html"
    page_title = "户详情"
    breadcrumbs = (("户与四色分类", "villages:households"),)
    model = Household
