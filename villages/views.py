"""Village and household pages: Vue shells over /api/villages/, /api/households/ and the levels between."""
from core.pages import PageView, ScopedDetailView

from .models import Household


class VillageListView(PageView):
    page_title = "村/社区"


class HouseholdListView(PageView):
    page_title = "户与四色分类"


class HouseholdDetailView(ScopedDetailView):
    page_title = "户详情"
    breadcrumbs = (("户与四色分类", "villages:households"),)
    model = Household
    section_name = "household_detail"  # e.g. visits adds its card
