from django.urls import path
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from knox import views as knox_views
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .api_base import ScopedViewSet
from .api_export import URLS as EXPORT_URLS
from .api_users import UserViewSet
from .auth import TokenAuthentication
from .filters import SecurityEventFilter
from .lockout import LockedOut, LockoutBasicAuthentication, lockout_message
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


class TokenRequestSerializer(serializers.Serializer):
    otp = serializers.CharField(required=False, label="动态验证码", help_text="启用二次验证的账号须提供 6 位动态验证码")


class LoginView(knox_views.LoginView):
    """换取 API 令牌（HTTP Basic 或已登录会话）；仅数据对接账号可申请；令牌会过期，可撤销。

    Basic failures count towards the lockout (accounts.lockout); a locked account or address gets 429.
    """

    authentication_classes = [LockoutBasicAuthentication, SessionAuthentication]
    permission_classes = [AuthenticatedOnly]
    throttle_scope = "login"

    @extend_schema(
        summary="获取 API 令牌",
        request=TokenRequestSerializer,
        responses=inline_serializer("TokenResponse", {"expiry": serializers.DateTimeField(), "token": serializers.CharField()}),
    )
    def post(self, request, format=None):
        user = request.user
        if user.must_change_password:
            raise PermissionDenied("请先修改初始密码。")
        if not services.api_token_may_mint(user):
            raise PermissionDenied("只有数据对接账号可以申请 API 令牌；浏览器请使用登录会话。")
        if services.otp_required(user) and not _session_verified(request):
            self._check_otp(request, user)
        limit = self.get_token_limit_per_user()
        if limit is not None and services.api_tokens_active(user=user) >= limit:
            raise PermissionDenied(f"有效令牌已达上限（{limit} 个），请先撤销不用的令牌。")
        instance, token = self.create_token()
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return self.get_post_response(request, token, instance)

    def _check_otp(self, request, user):
        if services.otp_confirmed_device(user) is None:
            raise PermissionDenied("请先在浏览器中登录并绑定动态验证码，再申请令牌。")
        code = str(request.data.get("otp") or "") if hasattr(request.data, "get") else ""
        if not code:
            raise PermissionDenied("该账号须二次验证：请在请求中提供 otp 字段（6 位动态验证码）。")
        if services.otp_verify(request=request, user=user, code=code) is None:
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(lockout_message(request, {"username": user.get_username()}))
            raise PermissionDenied("动态验证码错误。")

    def create_token(self):
        return services.api_token_create(request=self.request, user=self.request.user)

    def get_post_response_data(self, request, token, instance):
        return {"expiry": self.format_expiry_datetime(instance.expiry), "token": token}


def _session_verified(request) -> bool:
    """A browser session that has passed TOTP (django-otp's middleware marks the session's user)."""
    if request.successful_authenticator is None or not isinstance(request.successful_authenticator, SessionAuthentication):
        return False
    is_verified = getattr(request._request.user, "is_verified", None)
    return bool(is_verified and is_verified())


class LogoutView(knox_views.LogoutView):
    """撤销当前令牌。"""

    authentication_classes = [TokenAuthentication]
    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="撤销当前令牌", request=None, responses={204: None})
    def post(self, request, format=None):
        services.api_tokens_revoke(request=request, user=request.user, token=request.auth, reason="logout")
        user_logged_out.send(sender=request.user.__class__, request=request, user=request.user)
        return self.get_post_response(request)


class LogoutAllView(knox_views.LogoutAllView):
    """撤销本人的全部令牌。"""

    authentication_classes = [TokenAuthentication]
    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="撤销全部令牌", request=None, responses={204: None})
    def post(self, request, format=None):
        services.api_tokens_revoke(request=request, user=request.user, reason="logout_all")
        user_logged_out.send(sender=request.user.__class__, request=request, user=request.user)
        return self.get_post_response(request)


# --- One's own API tokens (my account) -----------------------------------------------------------------------


class MyTokenSerializer(serializers.Serializer):
    token_key = serializers.CharField(label="令牌标识（前几位）")
    created = serializers.DateTimeField(label="创建时间")
    expiry = serializers.DateTimeField(allow_null=True, label="过期时间")


class MyTokenRevokeSerializer(serializers.Serializer):
    token_key = serializers.CharField(label="令牌标识")


class MyTokensView(APIView):
    """本人的 API 令牌：列出（只显示标识，不显示令牌本身）。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="我的 API 令牌", responses=MyTokenSerializer(many=True))
    def get(self, request):
        from knox.models import AuthToken

        tokens = AuthToken.objects.filter(user=request.user).order_by("-created")
        return Response(MyTokenSerializer(tokens, many=True).data)


class MyTokenRevokeView(APIView):
    """撤销本人的一个 API 令牌；记入安全日志。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="撤销我的一个 API 令牌", request=MyTokenRevokeSerializer,
                   responses={204: None, 400: OpenApiResponse(description="没有这个令牌")})
    def post(self, request):
        from knox.models import AuthToken

        body = MyTokenRevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = AuthToken.objects.filter(user=request.user, token_key=body.validated_data["token_key"]).first()
        if token is None:
            raise serializers.ValidationError({"token_key": "您没有这个令牌（可能已过期或已撤销）。"})
        services.api_tokens_revoke(request=request, user=request.user, token=token, reason="revoked_by_owner")
        return Response(status=204)


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


ROUTES = [("security-events", SecurityEventViewSet), ("users", UserViewSet)]
URLS = [
    path("me/", MeView.as_view(), name="me"),
    path("me/tokens/", MyTokensView.as_view(), name="my-tokens"),
    path("me/tokens/revoke/", MyTokenRevokeView.as_view(), name="my-token-revoke"),
    path("auth/token/", LoginView.as_view(), name="knox-login"),
    path("auth/token/revoke/", LogoutView.as_view(), name="knox-logout"),
    path("auth/token/revoke-all/", LogoutAllView.as_view(), name="knox-logout-all"),
    *EXPORT_URLS,
]
