"""Household pages: Vue shells over /api/households/ (four-color classes, circumstances, links)."""
from core.pages import PageView, ScopedDetailView

from .models import Household


class HouseholdListView(PageView):
    page_title = "户与四色分类"


class HouseholdDetailView(ScopedDetailView):
    page_title = "户详情"
    breadcrumbs = (("户与四色分类", "villages:households"),)
    model = Household
    section_name = "household_detail"  # e.g. visits adds its card
