"""The inbox page: a Vue shell over /api/notifications/."""
from core.pages import PageView


class InboxView(PageView):
    """消息通知。"""

    page_title = "消息通知"
