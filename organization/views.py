"""Cross-level pages: the overview (home) and the tree, Vue shells over /api/overview/ and /api/tree/."""
from core.pages import PageView


class HomeView(PageView):
    template_name = "organization/home.html"
    page_title = "首页"


class TreeView(PageView):
    template_name = "organization/tree.html"
    page_title = "层级结构"
