"""The inbox page: a Vue shell over /api/notifications/."""
from core.pages import PageView


class InboxView(PageView):
    """消息通知。"""

    template_name = "notifications/inbox.html"
    page_title = "消息通知"
