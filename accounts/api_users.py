"""Users and roles (/api/users/): managers (district, town, zone) list, create and manage the accounts of
their part of the tree. Who may do what is ``accounts.users``; every write is a service of
``accounts.services`` and every grant, removal, disabling and reset is a row of the security log."""
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from . import services
from .api_base import ScopedRelatedField, ScopedViewSet
from .filters import UserFilter
from .models import Role, RoleAssignment, User
from .scoping import user_scope
from .serializers import SecurityEventSerializer
from .users import MANAGER_ROLES, NODE_FIELDS, assignment_node, may_manage


def _node_field(name):
    model = RoleAssignment._meta.get_field(name).related_model
    return ScopedRelatedField(queryset=model._default_manager.all(), required=False, allow_null=True,
                              label=str(model._meta.verbose_name))


class UserAssignmentSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True, label="角色名称")
    level = serializers.SerializerMethodField(label="层级")
    node_id = serializers.SerializerMethodField(label="节点ID")
    node_name = serializers.SerializerMethodField(label="节点名称")

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "role_display", "level", "node_id", "node_name", "created_at"]
        read_only_fields = fields

    def get_level(self, obj) -> str | None:
        return next((name for name in reversed(NODE_FIELDS) if getattr(obj, f"{name}_id")), None)

    def get_node_id(self, obj) -> int | None:
        node = assignment_node(obj)
        return node.pk if node is not None else None

    def get_node_name(self, obj) -> str:
        node = assignment_node(obj)
        return str(node) if node is not None else "全区"


class UserSerializer(serializers.ModelSerializer):
    assignments = UserAssignmentSerializer(many=True, read_only=True, label="角色")
    manageable = serializers.SerializerMethodField(label="可由我管理")

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "is_active", "must_change_password", "last_login",
                  "date_joined", "assignments", "manageable"]
        read_only_fields = ["id", "username", "is_active", "must_change_password", "last_login", "date_joined"]

    def get_manageable(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request and may_manage(request.user, obj))


class UserUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=50, allow_blank=True, label="姓名")


class RoleGrantSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, label="角色",
                                   error_messages={"invalid_choice": "无效的角色“{input}”。"})
    town = _node_field("town")
    zone = _node_field("zone")
    village = _node_field("village")
    grid = _node_field("grid")

    def validate(self, attrs):
        given = [name for name in NODE_FIELDS if attrs.get(name) is not None]
        if len(given) > 1:
            raise serializers.ValidationError({given[-1]: "只能选择一个节点。"})
        return attrs

    def node(self):
        return next((self.validated_data[n] for n in NODE_FIELDS if self.validated_data.get(n) is not None), None)


class UserCreateSerializer(RoleGrantSerializer):
    username = serializers.CharField(max_length=150, label="用户名")
    display_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="", label="姓名")
    password = serializers.CharField(required=False, allow_blank=True, write_only=True, label="初始密码",
                                     help_text="留空则自动生成，仅在本次应答中返回一次",
                                     style={"input_type": "password"})
    role = serializers.ChoiceField(choices=Role.choices, required=False, label="角色",
                                   help_text="区级管理员以外的管理者必须指定",
                                   error_messages={"invalid_choice": "无效的角色“{input}”。"})


class UserCreatedSerializer(UserSerializer):
    initial_password = serializers.CharField(allow_null=True, read_only=True, label="初始密码（仅显示一次）")

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "initial_password"]


class RoleRevokeSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(label="角色分配ID")


class PasswordResetSerializer(serializers.Serializer):
    password = serializers.CharField(label="新的一次性密码（仅显示一次）")


class UserManagerAccess(BasePermission):
    """Managers only (403 for every other role); a change to one account needs ``accounts.users.may_manage``."""

    message = "只有区级管理员、街道(镇)工作人员和工作区党委可以管理用户。"

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user_scope(user).roles & MANAGER_ROLES)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        if not may_manage(request.user, obj):
            raise PermissionDenied("您无权管理该账号：该账号持有超出您管辖范围或不低于您层级的角色。")
        return True


_REFUSED = {400: OpenApiResponse(description="字段有误（中文说明指明字段）"),
            403: OpenApiResponse(description="不是管理者，或无权管理该账号/授予该角色")}


@extend_schema_view(
    list=extend_schema(summary="用户列表（在我管辖范围内持有角色的用户）"),
    retrieve=extend_schema(summary="用户详情"),
    create=extend_schema(summary="创建用户", request=UserCreateSerializer,
                         responses={201: UserCreatedSerializer, **_REFUSED}),
    partial_update=extend_schema(summary="修改用户姓名", request=UserUpdateSerializer,
                                 responses={200: UserSerializer, **_REFUSED}),
)
class UserViewSet(ScopedViewSet):
    """用户与角色：区级管理员、街道(镇)工作人员、工作区党委管理本辖区的账号。

    列表为在我管辖范围内持有角色的用户（及本人）；只能管理全部角色都低于本人层级、且在本人辖区内的账号。
    授予、移除角色，停用、启用，重置密码均记入安全日志。
    """

    queryset = User.objects.prefetch_related(
        Prefetch("assignments", queryset=RoleAssignment.objects.select_related(*NODE_FIELDS).order_by("id"))
    ).order_by("username", "id")
    serializer_class = UserSerializer
    permission_classes = [UserManagerAccess]
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = UserFilter
    ordering_fields = ["username", "date_joined", "last_login"]

    def get_serializer_class(self):
        if self.action == "create":
            return UserCreateSerializer
        if self.action == "partial_update":
            return UserUpdateSerializer
        return super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        body = UserCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = services.user_create(
            by=request.user, request=request, username=data["username"], display_name=data.get("display_name", ""),
            password=data.get("password") or None, role=data.get("role"), node=body.node(),
        )
        answer = UserCreatedSerializer(self._fresh(user), context=self.get_serializer_context()).data
        answer["initial_password"] = user.initial_password
        return Response(answer, status=201)

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        body = UserUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "display_name" in body.validated_data:
            services.user_update(by=request.user, request=request, user=user,
                                 display_name=body.validated_data["display_name"])
        return Response(self._answer(user))

    def _fresh(self, user):
        return self.get_scoped_queryset().get(pk=user.pk)

    def _answer(self, user):
        return UserSerializer(self._fresh(user), context=self.get_serializer_context()).data

    @extend_schema(summary="授予角色", request=RoleGrantSerializer, responses={200: UserSerializer, **_REFUSED})
    @action(detail=True, methods=["post"])
    def roles(self, request, pk=None):
        """在一个节点上授予角色（角色须低于本人层级，节点须在本人辖区内）；记入安全日志。"""
        user = self.get_object()
        body = RoleGrantSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.role_grant(by=request.user, request=request, user=user, role=body.validated_data["role"],
                            node=body.node())
        return Response(self._answer(user))

    @extend_schema(summary="移除角色", request=RoleRevokeSerializer, responses={200: UserSerializer, **_REFUSED})
    @action(detail=True, methods=["post"], url_path="revoke-role")
    def revoke_role(self, request, pk=None):
        """移除该用户的一个角色分配；记入安全日志。"""
        user = self.get_object()
        body = RoleRevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignment = user.assignments.filter(pk=body.validated_data["assignment"]).first()
        if assignment is None:
            raise serializers.ValidationError({"assignment": "该用户没有这个角色分配。"})
        services.role_revoke(by=request.user, request=request, assignment=assignment)
        return Response(self._answer(user))

    @extend_schema(summary="停用账号", request=None, responses={200: UserSerializer, **_REFUSED})
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        """停用后不能登录，API 令牌被撤销；记入安全日志。"""
        user = services.user_disable(by=request.user, request=request, user=self.get_object())
        return Response(self._answer(user))

    @extend_schema(summary="启用账号", request=None, responses={200: UserSerializer, **_REFUSED})
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        """重新启用已停用的账号；记入安全日志。"""
        user = services.user_enable(by=request.user, request=request, user=self.get_object())
        return Response(self._answer(user))

    @extend_schema(summary="重置密码", request=None, responses={200: PasswordResetSerializer, **_REFUSED})
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        """生成一次性密码（仅在本应答中返回一次），下次登录须修改；该用户的 API 令牌被撤销；记入安全日志。"""
        user = self.get_object()
        if user.pk == request.user.pk:
            raise PermissionDenied("不能重置自己的密码；请使用“修改密码”。")
        password = services.user_password_reset(by=request.user, request=request, user=user)
        return Response({"password": password})

    @extend_schema(summary="账号的安全日志", responses=SecurityEventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        """该用户的登录、角色授予/移除、停用、重置密码等安全日志（最近 200 条）。"""
        user = self.get_object()
        rows = services.user_history(user=user).order_by("-at", "-id")[:200]
        return Response(SecurityEventSerializer(rows, many=True).data)

