"""Cross-level pages: the overview (home) and the tree, Vue shells over /api/overview/ and /api/tree/."""
from core.pages import PageView


class HomeView(PageView):
    page_title = "首页"


class TreeView(PageView):
    page_title = "层级结构"
