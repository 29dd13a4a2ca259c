from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from knox import views as knox_views
from rest_framework import serializers
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .api_base import ScopedViewSet
from .auth import TokenAuthentication
from .filters import SecurityEventFilter
from .models import SecurityEvent
from .permissions import AuthenticatedOnly
from .scoping import user_scope
from .serializers import SecurityEventSerializer


class AssignmentSerializer(serializers.Serializer):
    role = serializers.CharField(label="角色")
    role_display = serializers.CharField(label="角色名称")
    level = serializers.CharField(allow_null=True, label="层级")
    node_id = serializers.IntegerField(allow_null=True, label="节点ID")
    node_name = serializers.CharField(label="节点名称")


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(label="用户名")
    display_name = serializers.CharField(label="姓名")
    assignments = AssignmentSerializer(many=True, label="角色")
    can_reveal = serializers.BooleanField(label="可查看完整个人信息")
    writable = serializers.ListField(child=serializers.CharField(), label="可写的数据类型")


class MeView(APIView):
    """当前用户、角色与管辖范围。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="当前用户", responses=MeSerializer)
    def get(self, request):
        from django.apps import apps

        user = request.user
        rows = []
        for a in user.assignments.select_related("town", "zone", "village", "grid"):
            node = a.grid or a.village or a.zone or a.town
            level = "grid" if a.grid_id else "village" if a.village_id else "zone" if a.zone_id else "town" if a.town_id else None
            rows.append({
                "role": a.role, "role_display": a.get_role_display(), "level": level,
                "node_id": node.pk if node else None, "node_name": str(node) if node else "全区",
            })
        scope = user_scope(user)
        writable = [
            m._meta.model_name for m in apps.get_models()
            if getattr(m, "scope", None) is not None and not m._meta.abstract and _safe_can_write(scope, m)
        ]
        return Response(MeSerializer({
            "id": user.pk, "username": user.username, "display_name": str(user), "assignments": rows,
            "can_reveal": scope.can_reveal(), "writable": sorted(writable),
        }).data)


def _safe_can_write(scope, model):
    try:
        return scope.can_write(model)
    except Exception:
        return False


class LoginView(knox_views.LoginView):
    """换取 API 令牌（HTTP Basic 或已登录会话）；令牌会过期，可撤销。"""

    authentication_classes = [BasicAuthentication, SessionAuthentication]
    permission_classes = [AuthenticatedOnly]
    throttle_scope = "login"

    @extend_schema(
        summary="获取 API 令牌",
        request=None,
        responses=inline_serializer("TokenResponse", {"expiry": serializers.DateTimeField(), "token": serializers.CharField()}),
    )
    def post(self, request, format=None):
        return super().post(request, format=format)

    def get_post_response_data(self, request, token, instance):
        return {"expiry": self.format_expiry_datetime(instance.expiry), "token": token}


class LogoutView(knox_views.LogoutView):
    """撤销当前令牌。"""

    authentication_classes = [TokenAuthentication]
    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="撤销当前令牌", request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format=format)


class LogoutAllView(knox_views.LogoutAllView):
    """撤销本人的全部令牌。"""

    authentication_classes = [TokenAuthentication]
    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="撤销全部令牌", request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format=format)


# --- The security log (read-only; district admins and town staff) -------------------------------------------

# the query parameters an export records as its filters (a date range arrives as at_after / at_before)
EXPORT_PARAMS = (set(SecurityEventFilter.base_filters) - {"at"}) | {"at_after", "at_before", "ordering"}
_DENIED = {
    401: OpenApiResponse(description="令牌无效或已过期（使用 API 令牌时）"),
    403: OpenApiResponse(description="未登录，或角色不是区级管理员/街道(镇)工作人员（该拒绝本身记入安全日志）"),
}


@extend_schema_view(
    list=extend_schema(summary="安全日志", responses={200: SecurityEventSerializer(many=True), **_DENIED}),
    retrieve=extend_schema(summary="安全日志条目", responses={200: SecurityEventSerializer, 404: None, **_DENIED}),
)
class SecurityEventViewSet(ScopedViewSet):
    """安全日志（只读）：登录、退出、登录失败、令牌、查看完整个人信息、导出、拒绝访问、角色变更。

    区级管理员可查全部；街道(镇)工作人员可查本街道(镇)内持有角色的用户及本人的记录；其他角色 403。
    """

    queryset = SecurityEvent.objects.all()
    serializer_class = SecurityEventSerializer
    filterset_class = SecurityEventFilter
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]
    http_method_names = ["get", "head", "options"]
    history = None  # the log is its own record: pghistory does not track it, so no …/history/ route

    def get_scoped_queryset(self):
        return SecurityEvent.objects.all()

    @extend_schema(
        summary="导出安全日志（xlsx）",
        description="与列表相同的筛选条件；导出本身记入安全日志（导出人、筛选条件、行数）。",
        filters=True,
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
                   400: OpenApiResponse(description="超过单次导出上限或筛选条件有误"), **_DENIED},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        filters = {
            key: values if len(values) > 1 else values[0]
            for key, values in request.query_params.lists() if key in EXPORT_PARAMS and any(values)
        }
        target, _count = services.security_events_export(request=request, queryset=queryset, filters=filters)
        name = f"安全日志-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        return FileResponse(target, as_attachment=True, filename=name,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
