"""The visit pages in the sidebar (core.menu registry), and the visits card on the household page."""
from core.menu import MENU, MenuEntry
from core.pages import register_section

GROUP = "四色走访"

MENU.extend([
    MenuEntry(title="我的走访", url="visits:my", icon="Calendar", order=45, group=GROUP),
    MenuEntry(title="走访看板", url="visits:dashboard", icon="Calendar", order=46, group=GROUP,
              roles=frozenset({"district_admin", "town_staff", "zone_committee", "village_cadre", "api_consumer"})),
])
MENU.extend([
    MenuEntry(title="需跟进事项", url="visits:follow_ups", icon="Calendar", order=47, group=GROUP),
    MenuEntry(title="四色调整审核", url="visits:color_review", icon="Calendar", order=48, group=GROUP,
              roles=frozenset({"district_admin", "town_staff", "zone_committee", "village_cadre", "grid_member"})),
    MenuEntry(title="走访策略", url="visits:policies", icon="Calendar", order=49, group=GROUP,
              roles=frozenset({"district_admin", "town_staff", "zone_committee"})),
])
register_section("household_detail", "visits/household_section.html")
