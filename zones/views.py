"""Work-zone pages: Vue shells over /api/zones/ and the zone's committee, offices and cadres."""
from core.pages import PageView, ScopedDetailView

from .models import MIN_SUNK_CADRES, WorkZone


class ZoneListView(PageView):
    page_title = "党建工作区"


class TownListView(PageView):
    page_title = "街道(镇)"


class ZoneDetailView(ScopedDetailView):
    page_title = "工作区详情"
    breadcrumbs = (("党建工作区", "zones:list"),)
    model = WorkZone

    def get_page_data(self) -> dict:
        return {**super().get_page_data(), "min_cadres": MIN_SUNK_CADRES}
