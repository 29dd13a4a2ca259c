"""The Excel 导入 page in the sidebar: village cadres and up (the roles that may write some ledger)."""
from core.menu import MENU, MenuEntry

from .kinds import UPLOAD_ROLES

MENU.append(MenuEntry(title="Excel 导入", url="ledgers:imports", icon="Upload", roles=UPLOAD_ROLES, order=85))
