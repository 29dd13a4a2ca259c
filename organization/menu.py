"""The overview and the tree in the sidebar (core.menu registry): the first entries."""
from core.menu import MENU, MenuEntry

MENU.extend([
    MenuEntry(title="首页", url="organization:home", icon="HomeFilled", order=10),
    MenuEntry(title="层级结构", url="organization:tree", icon="Share", order=20),
    # moving a village or a grid: the town's staff and the district (the API checks the scope of both ends)
    MenuEntry(title="区划调整", url="organization:reorganize", icon="Switch", order=21,
              roles=frozenset({"district_admin", "town_staff"})),
])
