"""The figures and reports pages in the sidebar (core.menu registry)."""
from core.menu import MENU, MenuEntry

GROUP = "统计与报告"

MENU.extend([
    MenuEntry(title="工作报告", url="reports:list", icon="Document", order=78, group=GROUP,
              roles=frozenset({"district_admin", "town_staff", "zone_committee", "api_consumer"})),
    MenuEntry(title="报送情况", url="reports:completeness", icon="Finished", order=79, group=GROUP,
              roles=frozenset({"district_admin", "town_staff", "zone_committee"})),
    MenuEntry(title="指标查询", url="reports:metrics", icon="DataAnalysis", order=80, group=GROUP,
              roles=frozenset({"district_admin", "town_staff", "zone_committee", "village_cadre", "api_consumer"})),
])
