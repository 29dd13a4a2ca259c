"""The mediation pages in the sidebar (core.menu registry)."""
from core.menu import MENU, MenuEntry

GROUP = "轮值调解室"

MENU.extend([
    MenuEntry(title="案件看板", url="mediation:board", icon="Tickets", order=60, group=GROUP),
    MenuEntry(title="受理登记", url="mediation:intake", icon="Tickets", order=61, group=GROUP),
    MenuEntry(title="值班排班", url="mediation:rota", icon="Tickets", order=62, group=GROUP),
    MenuEntry(title="调解统计", url="mediation:statistics", icon="Tickets", order=63, group=GROUP),
])
