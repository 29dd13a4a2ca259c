"""The mediation pages in the sidebar (core.menu registry)."""
from core.menu import MENU, MenuEntry
from core.pages import register_choices

from .models import CaseCategory, Urgency

GROUP = "轮值调解室"

MENU.extend([
    MenuEntry(title="案件看板", url="mediation:board", icon="Tickets", order=60, group=GROUP),
    MenuEntry(title="受理登记", url="mediation:intake", icon="Tickets", order=61, group=GROUP),
    MenuEntry(title="值班排班", url="mediation:rota", icon="Tickets", order=62, group=GROUP),
    MenuEntry(title="调解统计", url="mediation:statistics", icon="Tickets", order=63, group=GROUP),
    MenuEntry(title="调解室与轮值人员", url="mediation:rooms", icon="Tickets", order=64, group=GROUP,
              roles=frozenset({"district_admin", "town_staff", "zone_committee"})),
])

# every page may open a case (e.g. the visit form's 转为纠纷案件): the case's category and urgency labels
register_choices(case_category=CaseCategory, case_urgency=Urgency)
