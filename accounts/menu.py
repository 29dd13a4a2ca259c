"""The security log in the sidebar (core.menu registry), for the roles that may read it; role names for the pages."""
from core.menu import MENU, MenuEntry
from core.pages import register_choices

from .models import Role
from .scoping import TOWN_UP, ZONE_UP

MENU.append(MenuEntry(title="用户与角色", url="accounts:users", icon="User", order=94, roles=ZONE_UP))
MENU.append(MenuEntry(title="安全日志", url="accounts:security", icon="Lock", order=95, roles=TOWN_UP))
MENU.append(MenuEntry(title="我的账号", url="accounts:my_account", icon="UserFilled", order=99))
register_choices(role=Role)
