"""The figures and reports pages in the sidebar (core.menu registry)."""
from core.menu import MENU, MenuEntry

GROUP = "统计与报告"

MENU.extend([
    MenuEntry(title="指标查询", url="reports:metrics", icon="DataAnalysis", order=80, group=GROUP,
              roles=frozenset({"district_admin", "town_staff", "zone_committee", "village_cadre", "api_consumer"})),
])
