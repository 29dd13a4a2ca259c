"""The inbox in the sidebar (core.menu registry)."""
from core.menu import MENU, MenuEntry

MENU.append(MenuEntry(title="消息通知", url="notifications:inbox", icon="Bell", order=90))
