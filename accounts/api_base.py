"""The one base class every API viewset uses: it applies the user's scope."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.validators import UniqueTogetherValidator

from core import records
from core.api import DateField, DateTimeField

from .scoping import REVEAL_ROLES, user_scope

ASSIGNMENT_NODES = ("town", "zone", "village", "grid")  # the nodes a role assignment can sit on


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key input limited to the rows the user can read: outside is 400."""

    default_error_messages = {
        "does_not_exist": "无效的ID“{pk_value}”：对象不存在或不在您的管辖范围内。",
        "incorrect_type": "类型错误，应为整数ID，收到 {data_type}。",
        "required": "该字段是必填项。",
        "null": "该字段不能为空。",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        user = request.user if request else None
        if queryset.model is get_user_model():  # accounts have no place of their own: see users_in_scope
            return users_in_scope(user, queryset)
        return user_scope(user).filter(queryset)


def users_in_scope(user, queryset):
    """Accounts one may point at (e.g. a grid worker's login): oneself, and users holding a role on a
    node one can read; the whole district sees every account."""
    from .models import RoleAssignment

    scope = user_scope(user)
    if not scope.grants:
        return queryset.none()
    if any(grant.level is None for grant in scope.grants):
        return queryset
    held = Q()
    for name in ASSIGNMENT_NODES:  # the node models are reached through the assignment's own relations
        node_model = RoleAssignment._meta.get_field(name).related_model
        held |= Q(**{f"{name}__in": scope.filter(node_model.objects.all()).values("pk")})
    held_by = RoleAssignment.objects.filter(held).values("user")
    return queryset.filter(Q(pk__in=held_by) | Q(pk=user.pk))


def scoped_row(request, model, pk, *, field: str | None, write: bool = False, missing: str | None = None,
               denied: str | None = None):
    """A row the request names by id (in its body or query), seen through the caller's scope.

    Out of scope it does not exist: a 400 naming ``field`` (a 404 when ``field`` is None, for a path or
    query parameter). With ``write``, a row one may read but not write is a 403. The messages name the
    model, never the row.
    """
    scope = user_scope(request.user)
    name = model._meta.verbose_name
    obj = scope.filter(model._default_manager.all()).filter(pk=pk).first()
    if obj is None:
        message = missing or f"{name}“{pk}”不存在或不在您的管辖范围内。"
        if field is None:
            raise Http404(message)
        raise serializers.ValidationError({field: message})
    if write and not scope.filter(model._default_manager.filter(pk=pk), write=True).exists():
        raise PermissionDenied(denied or f"您无权修改该{name}。")
    return obj


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related fields draw their choices from the caller's scope.

    ``Meta.move_actions = {"zone": "move"}`` names parent fields that are set at creation and change
    afterwards only through the named detail action (a move service with its preview, which also moves
    the denormalised ancestors of everything below): an update that changes one is a 400 naming the
    field and the action.
    """

    serializer_related_field = ScopedRelatedField
    # dates and times outside core.api.DATE_MIN…DATE_MAX are a 400 naming the field (not a 500 in date arithmetic)
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: DateField,
        models.DateTimeField: DateTimeField,
    }

    def run_validation(self, data=serializers.empty):
        attrs = super().run_validation(data)
        moves = getattr(self.Meta, "move_actions", {})
        if self.instance is not None and moves:
            errors = {}
            for name, action_name in moves.items():
                if name in attrs and _pk(attrs[name]) != _pk(getattr(self.instance, name)):
                    label = self.fields[name].label or name
                    request = self.context.get("request")
                    path = f"{request.path.rstrip('/')}/{action_name}/" if request else f"…/{self.instance.pk}/{action_name}/"
                    errors[name] = [f"{label}：创建后不能直接修改；请用迁移操作 POST {path}（先预览，再 apply=true 执行）。"]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs

    def get_validators(self):
        # DRF's unique-together message names columns in English ("字段 town, name 必须能构成唯一集合"):
        # say it with the fields' Chinese labels instead.
        validators = super().get_validators()
        opts = self.Meta.model._meta
        for validator in validators:
            if isinstance(validator, UniqueTogetherValidator):
                labels = "、".join(str(opts.get_field(name).verbose_name) for name in validator.fields)
                validator.message = f"已有{labels}相同的{opts.verbose_name}。"
        return validators


def _pk(value):
    return getattr(value, "pk", value)


class HistoryEntrySerializer(serializers.Serializer):
    label = serializers.CharField(label="事件")
    created_at = serializers.DateTimeField(label="时间")
    user = serializers.CharField(allow_null=True, label="操作人")
    url = serializers.CharField(allow_null=True, label="来源")
    changes = serializers.DictField(allow_null=True, label="变更（字段: [旧值, 新值]）")


HISTORY_LABELS = {"insert": "创建", "update": "修改", "delete": "删除"}
# Never in a history: ciphertexts and hashes, nor the birth date or an earlier masked ID number (either
# with a mask is the ID number; see core.pii.mask_id_number).
HIDDEN_HISTORY_FIELDS = ("encrypted", "hash", "pinyin", "updated_at", "birth_date", "id_number_masked")


def history_for(obj) -> list[dict]:
    """The audit trail (django-pghistory) of one record, newest first, personal data hidden."""
    from pghistory.models import Events

    from .models import User

    # pgh_created_at is the transaction's start: events of one transaction tie, so the event id decides
    events = list(Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")[:200])
    user_ids = {e.pgh_context.get("user") for e in events if e.pgh_context and e.pgh_context.get("user")}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)}
    rows = []
    for event in events:
        context = event.pgh_context or {}
        diff = event.pgh_diff
        if diff is not None:
            diff = {k: v for k, v in diff.items() if not any(h in k for h in HIDDEN_HISTORY_FIELDS)}
        rows.append(
            {
                "label": HISTORY_LABELS.get(event.pgh_label, event.pgh_label),
                "created_at": event.pgh_created_at,
                "user": names.get(context.get("user")),
                "url": context.get("url"),
                "changes": diff,
            }
        )
    return rows


UPDATED_SINCE_PARAMETER = OpenApiParameter(
    "updated_since", OpenApiTypes.DATETIME, required=False,
    description="增量同步：只列出此时刻（含）之后新增或修改的记录，按修改时间、编号排序；已归档的记录也列出"
                "（archived_at 不为空，即“墓碑”），以便上级系统同步删除。")


def changed_since(queryset, text: str):
    """Rows written at or after ``text`` (ISO 8601), oldest change first (a stable order to page through),
    archived ones included as tombstones. A 400 naming the parameter when it is not a time or the list keeps
    no modification time."""
    if not any(f.name == "updated_at" for f in queryset.model._meta.concrete_fields):
        raise serializers.ValidationError({"updated_since": ["updated_since：该列表不记录修改时间，不支持增量同步。"]})
    try:
        value = parse_datetime(text.strip().replace(" ", "+")) if text else None
    except ValueError:  # well formed, but no such day or hour
        value = None
    if value is None or not 1900 <= value.year <= 2099:
        raise serializers.ValidationError(
            {"updated_since": ["updated_since：时间格式应为 ISO 8601，如 2026-11-01T00:00:00+08:00。"]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return queryset.filter(updated_at__gte=value).order_by("updated_at", "pk")


class ScopedViewSet(viewsets.ModelViewSet):
    """Subclasses declare ``queryset`` (or implement ``get_scoped_queryset``); never ``get_queryset``.

    - lists and detail reads only see in-scope rows (outside: 404);
    - writes need a writer role on the row (otherwise 403), checked before an
      update and again after the write, inside the same transaction, so a write
      that would land outside the scope is refused and rolled back whole.
    """

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    read_only_action = False  # set on @action(...) for POST actions that only read (e.g. reveal)

    def get_scoped_queryset(self):
        """The rows before the scope applies: by default the class's ``queryset`` (with its joins)."""
        return self.queryset.all()

    # actions that list rows: archived rows leave them (``?archived=true`` lists only the archived ones)
    listing_actions = ("list", "export")

    def get_queryset(self):
        queryset = user_scope(self.request.user).filter(self.get_scoped_queryset())
        if self.action not in self.listing_actions:
            return queryset
        since = self.request.query_params.get("updated_since")
        if since is not None:
            return changed_since(queryset, since)
        if records.is_archivable(queryset.model):
            archived = str(self.request.query_params.get("archived", "")).lower() in ("1", "true", "yes")
            queryset = queryset.filter(archived_at__isnull=not archived)
        return queryset

    def list_parameters(self) -> list:
        """The query parameters every list of this viewset takes beyond its filters (documented by core.schema)."""
        model = self.scope_model
        return [UPDATED_SINCE_PARAMETER] if any(f.name == "updated_at" for f in model._meta.concrete_fields) else []

    @property
    def scope_model(self):
        return self.queryset.model if self.queryset is not None else self.get_scoped_queryset().model

    def ensure_writable(self, instance) -> None:
        model = type(instance)
        scope = user_scope(self.request.user)
        if not model._default_manager.filter(scope.q(model, write=True), pk=instance.pk).exists():
            raise PermissionDenied("写入的位置不在您的管辖范围内。")

    def query_params(self, serializer_class) -> dict:
        """The request's query parameters, parsed and validated by ``serializer_class`` (400 naming the field).
        Declare the same class in the action's ``extend_schema(parameters=[…])``."""
        params = serializer_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return params.validated_data

    def perform_write(self, serializer):
        """The service that writes: a subclass calls its app's own; default: the generic record service."""
        data = dict(serializer.validated_data)
        if serializer.instance is None:
            return records.record_create(self.scope_model, data)
        return records.record_update(serializer.instance, data)

    def perform_create(self, serializer):
        with transaction.atomic():
            self._write(serializer)

    def update(self, request, *args, **kwargs):
        """As DRF's, but a PATCH answers the whole row, as a GET does: DRF serializes the answer with the
        partial serializer, which leaves out read-only fields with a default (e.g. the name across a null
        relation) instead of answering null."""
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(self.get_serializer(serializer.instance).data)

    def perform_update(self, serializer):
        with transaction.atomic():
            self._write(serializer)

    def _write(self, serializer):
        instance = self.perform_write(serializer)
        if instance is not None:
            serializer.instance = instance  # a service's result: the response shows the saved row (id included)
        self.ensure_writable(serializer.instance)
        # Re-read through the viewset's queryset so the response has the same annotations as a list row.
        fresh = self.get_scoped_queryset().filter(pk=serializer.instance.pk).first()
        if fresh is not None:
            serializer.instance = fresh

    def perform_destroy(self, instance):
        with transaction.atomic():
            self.destroy_instance(instance)

    def destroy_instance(self, instance):
        """DELETE: an archivable record is archived (kept, with its history); any other row is deleted."""
        if records.is_archivable(type(instance)):
            records.record_archive(instance)
        else:
            records.record_delete(instance)


    @extend_schema(summary="变更记录", responses=HistoryEntrySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        """谁、何时、改了什么（审计记录）。"""
        return Response(HistoryEntrySerializer(history_for(self.get_object()), many=True).data)


ARCHIVED_PARAMETER = OpenApiParameter(
    "archived", bool, description="true：只列出已归档的记录（默认只列出未归档的）", required=False)


class ArchiveMixin:
    """For a viewset of an archivable model (``core.models.Archivable``): DELETE archives (ScopedViewSet's
    ``destroy_instance``), ``POST …/{id}/restore/`` restores, and lists take ``?archived=true``."""

    @extend_schema(parameters=[ARCHIVED_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="恢复已归档的记录", request=None, filters=False)
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def restore(self, request, pk=None):
        """把已归档的记录恢复到列表中（其上级已归档时拒绝，409）。"""
        instance = self.get_object()
        if not records.is_archivable(type(instance)):
            raise Http404
        with transaction.atomic():
            self.ensure_writable(instance)
            records.record_restore(instance)
        return self.retrieve(request, pk=pk)


class RevealSerializer(serializers.Serializer):
    id_number = serializers.CharField(required=False, label="身份证号")
    phone = serializers.CharField(allow_blank=True, label="电话")


def reveal_allowed(user, obj) -> bool:
    """Whether `user` may see `obj`'s personal data in full: a role that may reveal, on a node above the
    row. A question of role alone: being a case's assignee (the owner clause) gives no right to it."""
    scope = user_scope(user)
    model = type(obj)
    return model._default_manager.filter(scope.q(model, roles=REVEAL_ROLES, owner=False), pk=obj.pk).exists()
