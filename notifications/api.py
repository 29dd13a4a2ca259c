from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.response import Response

from accounts.api_base import ScopedViewSet

from . import selectors, services
from .filters import NotificationFilter
from .models import Notification
from .serializers import MarkAllReadSerializer, NotificationSerializer, UnreadCountSerializer


class NotificationViewSet(ScopedViewSet):
    """站内消息：只列出自己的消息；未读数、标记已读、全部已读。消息由系统产生，不能通过接口新建或修改。"""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_scoped_queryset(self):
        # An inbox is personal even for a district administrator.
        return selectors.inbox(user=self.request.user)

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise MethodNotAllowed(request.method, detail="消息由系统产生，不能新建。")

    @extend_schema(summary="未读消息数", responses=UnreadCountSerializer, filters=False)
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None, filter_backends=[])
    def unread_count(self, request):
        return Response({"unread": selectors.unread_count(user=request.user)})

    @extend_schema(summary="标记为已读", request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(user=request.user, notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(summary="全部标记为已读", request=None, responses=MarkAllReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notification_mark_all_read(user=request.user)})


ROUTES = [("notifications", NotificationViewSet)]
