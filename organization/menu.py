"""The overview and the tree in the sidebar (core.menu registry): the first entries."""
from core.menu import MENU, MenuEntry

MENU.extend([
    MenuEntry(title="首页", url="organization:home", icon="HomeFilled", order=10),
    MenuEntry(title="层级结构", url="organization:tree", icon="Share", order=20),
])
