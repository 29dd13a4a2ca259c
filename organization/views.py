"""Cross-level pages: the overview (home), the tree and the reorganisation (区划调整), Vue shells over
/api/overview/, /api/tree/ and the move actions (POST /api/zones/{id}/move/, /api/villages/{id}/move/,
/api/grids/{id}/move/)."""
from core.pages import PageView
from villages.serializers import GridMoveSerializer

from .serializers import VillageMoveSerializer, ZoneMoveSerializer


class HomeView(PageView):
    page_title = "首页"


class TreeView(PageView):
    page_title = "层级结构"


def _answer_labels(serializer_class) -> dict:
    """The labels of a move answer's fields (原工作区, 涉及户数, …), for the page's preview."""
    return {name: str(field.label) for name, field in serializer_class().fields.items()}


class ReorganizeView(PageView):
    page_title = "区划调整"

    def get_page_data(self) -> dict:
        return {"labels": {"zone": _answer_labels(ZoneMoveSerializer), "village": _answer_labels(VillageMoveSerializer), "grid": _answer_labels(GridMoveSerializer)}}
