"""The Excel 导入 page: a Vue shell over /api/imports/."""
from core.pages import PageView

from .kinds import KINDS


class ImportPageView(PageView):
    page_title = "Excel 导入"
    template_name = "ledgers/imports.html"

    def get_page_data(self) -> dict:
        kinds = [{"value": k.key, "label": k.title, "allowed": k.allowed(self.request.user)} for k in KINDS.values()]
        return {"kinds": kinds}
