import datetime

from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, F, Lookup, Value
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import RevealSerializer, ScopedViewSet, reveal_allowed
from accounts.permissions import AuthenticatedOnly
from accounts.scoping import user_scope
from accounts.services import pii_reveal_log
from core.sql import CompiledQuery
from zones.models import WorkZone
from zones.services import village_move

from . import filters, serializers, services
from .models import Household, MicroGrid, NaturalVillage, Village, VillageCadre
from .selectors import TREE_LEVELS, overview_counts, tree_children


def _writable_target(request, model, pk):
    """A reorganisation target must be readable (else 400) and writable (else 403)."""
    scope = user_scope(request.user)
    obj = scope.filter(model.objects.all()).filter(pk=pk).first()
    if obj is None:
        raise drf_serializers.ValidationError({"target": f"目标{model._meta.verbose_name}不存在或不在您的管辖范围内。"})
    if not scope.filter(model.objects.filter(pk=pk), write=True).exists():
        raise PermissionDenied(f"您无权向该{model._meta.verbose_name}迁入。")
    return obj


class VillageViewSet(ScopedViewSet):
    """村/社区。"""

    queryset = Village.objects.all()
    serializer_class = serializers.VillageSerializer
    filterset_class = filters.VillageFilter
    ordering_fields = ["id", "name", "zone"]

    def get_scoped_queryset(self):
        return Village.objects.select_related("zone")

    @extend_schema(summary="迁移到其他工作区（预览/执行）", request=serializers.MoveVillageSerializer,
                   responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """预览迁移涉及的自然村、网格、户、党组织；apply=true 时在一个事务中执行。"""
        village = self.get_object()
        params = serializers.MoveVillageSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        target = _writable_target(request, WorkZone, params.validated_data["zone"])
        return Response(village_move(village=village, to_zone=target, apply=params.validated_data["apply"]))


class VillageCadreViewSet(ScopedViewSet):
    """村两委干部、第一书记。"""

    queryset = VillageCadre.objects.all()
    serializer_class = serializers.VillageCadreSerializer
    filterset_class = filters.VillageCadreFilter
    ordering_fields = ["id", "name", "role"]

    def get_scoped_queryset(self):
        return VillageCadre.objects.all()


class NaturalVillageViewSet(ScopedViewSet):
    """自然村。"""

    queryset = NaturalVillage.objects.all()
    serializer_class = serializers.NaturalVillageSerializer
    filterset_class = filters.NaturalVillageFilter
    ordering_fields = ["id", "name"]

    def get_scoped_queryset(self):
        return NaturalVillage.objects.all()


class MicroGridViewSet(ScopedViewSet):
    """微网格。"""

    queryset = MicroGrid.objects.all()
    serializer_class = serializers.MicroGridSerializer
    filterset_class = filters.MicroGridFilter
    ordering_fields = ["id", "name"]

    def get_scoped_queryset(self):
        return MicroGrid.objects.select_related("natural_village")

    @extend_schema(summary="迁移到其他自然村（预览/执行）", request=serializers.MoveGridSerializer,
                   responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        grid = self.get_object()
        params = serializers.MoveGridSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        target = _writable_target(request, NaturalVillage, params.validated_data["natural_village"])
        return Response(services.grid_move(grid=grid, to_natural_village=target, apply=params.validated_data["apply"]))


class HouseholdViewSet(ScopedViewSet):
    """户（四色走访对象）。电话仅显示脱敏形式。"""

    queryset = Household.objects.all()
    serializer_class = serializers.HouseholdSerializer
    filterset_class = filters.HouseholdFilter
    ordering_fields = ["id", "head_name", "people_count", "color", "next_visit_due", "created_at"]

    def get_scoped_queryset(self):
        return Household.objects.select_related("grid", "natural_village", "village", "zone", "link__member")

    def list(self, request, *args, **kwargs):
        """Deferred join: page over ids first, then fetch only that page's rows.

        Paging the joined query makes PostgreSQL join every row that OFFSET skips (a deep
        page of a town joined ~20,000 rows); the ids alone come from the (zone|town, id)
        index, so every page costs about the same. The page is then read with one
        values() query when every output field is a plain column or relation path
        (see `_values_plan`), which is ~5× cheaper than model instances + DRF fields;
        the output is the serializer's, key for key. See BENCHMARKS.md.
        """
        queryset = self.get_queryset()
        if set(request.query_params) - PAGING_PARAMS:  # with no filter or ordering given they change nothing
            queryset = self.filter_queryset(queryset)
        page_ids = self.paginate_queryset(queryset.values_list("pk", flat=True))
        if page_ids is None:
            return Response(self.get_serializer(queryset, many=True).data)
        plan = _values_plan(self.get_serializer_class(), Household)
        if plan is None:
            rows = self.get_scoped_queryset().in_bulk(page_ids)
            data = self.get_serializer([rows[pk] for pk in page_ids if pk in rows], many=True).data
        else:
            lookups, page_rows, build_page = plan
            rows = page_rows(page_ids)
            data = build_page([rows[pk] for pk in page_ids if pk in rows])
        return self.get_paginated_response(data)

    def perform_write(self, serializer):
        data = dict(serializer.validated_data)
        if serializer.instance is None:
            return services.household_create(**data)
        return services.household_update(household=serializer.instance, **data)

    @extend_schema(summary="查看完整电话（留痕）", request=None, responses=RevealSerializer)
    @action(detail=True, methods=["post"], read_only_action=True)
    def reveal(self, request, pk=None):
        """仅街道、工作区、村干部可查看；每次查看都记录。"""
        household = self.get_object()
        if not reveal_allowed(request.user, household):
            raise PermissionDenied("您的角色不能查看完整个人信息。")
        pii_reveal_log(request=request, obj=household, fields=["phone"])
        return Response({"phone": household.reveal_phone()})


class TreeView(APIView):
    """层级树：逐级展开（街道 → 工作区 → 村 → 自然村 → 网格），附户数。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(
        summary="层级树（逐级）",
        parameters=[
            OpenApiParameter("level", str, enum=list(TREE_LEVELS), description="要列出的层级，默认 town"),
            OpenApiParameter("parent", int, description="上级节点ID"),
        ],
        responses=inline_serializer(
            "TreeNode",
            {
                "level": drf_serializers.CharField(), "id": drf_serializers.IntegerField(),
                "name": drf_serializers.CharField(), "children": drf_serializers.IntegerField(),
                "child_level": drf_serializers.CharField(allow_null=True),
                "households": drf_serializers.IntegerField(), "red": drf_serializers.IntegerField(),
                "orange": drf_serializers.IntegerField(),
            },
            many=True,
        ),
    )
    def get(self, request):
        level = request.query_params.get("level", "town")
        if level not in TREE_LEVELS:
            raise drf_serializers.ValidationError({"level": f"层级应为 {'/'.join(TREE_LEVELS)} 之一。"})
        parent = request.query_params.get("parent")
        if parent is not None and not parent.isdigit():
            raise drf_serializers.ValidationError({"parent": "上级节点ID应为整数。"})
        return Response(tree_children(user_scope(request.user), level=level, parent=int(parent) if parent else None))


class OverviewView(APIView):
    """首页统计：管辖范围内的工作区、村、网格、各色户数、党员、未联户数。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(
        summary="首页统计",
        responses=inline_serializer(
            "Overview",
            {
                "towns": drf_serializers.IntegerField(), "zones": drf_serializers.IntegerField(),
                "villages": drf_serializers.IntegerField(), "grids": drf_serializers.IntegerField(),
                "households": drf_serializers.IntegerField(),
                "households_by_color": drf_serializers.DictField(child=drf_serializers.IntegerField()),
                "members": drf_serializers.IntegerField(), "links": drf_serializers.IntegerField(),
                "unlinked_households": drf_serializers.IntegerField(),
            },
        ),
    )
    def get(self, request):
        return Response(overview_counts(user_scope(request.user)))


PAGING_PARAMS = frozenset({"page", "page_size"})
_VALUES_PLANS: dict = {}
_PASSTHROUGH_FIELDS = (
    drf_serializers.CharField, drf_serializers.IntegerField, drf_serializers.BooleanField,
    drf_serializers.ChoiceField, drf_serializers.ListField, drf_serializers.PrimaryKeyRelatedField,
)


def _values_plan(serializer_class, model):
    """How to build a serializer's output from one ``values()`` query, or None if a field needs DRF.

    Each readable field must be a model column or a forward relation path (``grid.name``,
    ``link.member_id``), or ``get_<field>_display``; dates and datetimes are formatted as the
    serializer's own field does (see `_datetime_converter`). Anything else (method fields,
    nested serializers, properties) makes the caller fall back to the serializer.
    Returns ``(lookups, page_rows, build_page)``: ``page_rows(ids)`` reads those rows as
    ``{pk: {lookup: value}}`` with one statement compiled once (`core.sql.CompiledQuery`: the ids
    are its one parameter, ``pk = ANY(array)``), and ``build_page(rows)`` turns a page of them into
    the serializer's output, key for key.
    """
    if serializer_class in _VALUES_PLANS:
        return _VALUES_PLANS[serializer_class]
    steps, lookups = [], []
    plan = None
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        lookup, converter = _field_lookup(model, field)
        if lookup is None:
            break
        lookups.append(lookup)
        steps.append((name, lookup, converter))
    else:
        def build_page(rows, steps=tuple(steps)):
            tz = timezone.get_current_timezone()  # once per page, not once per value as DRF does
            bound = tuple((name, lookup, converter(tz) if converter else None) for name, lookup, converter in steps)
            return [
                {name: (None if row[lookup] is None else convert(row[lookup])) if convert else row[lookup]
                 for name, lookup, convert in bound}
                for row in rows
            ]

        names = ("pk", *lookups)
        rows_query = CompiledQuery(
            lambda ids: model._default_manager.filter(_pk_any_of(ids)).order_by().values_list(*names)
        )

        def page_rows(ids):
            rows = rows_query.rows(list(ids), using=model._default_manager.db)
            return {row[0]: dict(zip(names, row)) for row in rows}

        plan = (lookups, page_rows, build_page)
    _VALUES_PLANS[serializer_class] = plan
    return plan


class _AnyOf(Lookup):
    """``lhs = ANY(array)``: the ids as one array parameter, the same SQL for every page size."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def _pk_any_of(ids):
    return _AnyOf(F("pk"), Value(ids, output_field=ArrayField(BigIntegerField())))


def _datetime_converter(field):
    """DRF's ``DateTimeField.to_representation`` for ISO 8601 output, with the current time zone
    looked up once per page: ``converter(tz)`` gives the function for one page.

    The database gives aware datetimes (USE_TZ); anything else goes through the field itself.
    """
    from django.conf import settings
    from rest_framework.settings import ISO_8601, api_settings

    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if not settings.USE_TZ or not isinstance(output_format, str) or output_format.lower() != ISO_8601:
        return lambda tz: field.to_representation
    if hasattr(field, "timezone") and field.timezone is None:  # naive output: leave it to the field
        return lambda tz: field.to_representation

    def converter(tz):
        target = getattr(field, "timezone", tz)  # the field's own zone when it was given one

        def convert(value):
            if not isinstance(value, datetime.datetime) or value.utcoffset() is None:
                return field.to_representation(value)
            text = value.astimezone(target).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return convert

    return converter


def _field_lookup(model, field):
    import re

    source = field.source
    display = re.fullmatch(r"get_(\w+)_display", source or "")
    if display:
        choices = dict(model._meta.get_field(display.group(1)).flatchoices)
        return display.group(1), lambda tz: lambda value: str(choices.get(value, value))
    if not source or source == "*" or not isinstance(field, (*_PASSTHROUGH_FIELDS, drf_serializers.DateField,
                                                             drf_serializers.DateTimeField)):
        return None, None
    parts, current = [], model
    for attr in source.split("."):
        if current is None:
            return None, None
        match = next((f for f in current._meta.get_fields() if f.name == attr or getattr(f, "attname", None) == attr), None)
        if match is None or not (match.concrete or match.one_to_one):
            return None, None
        parts.append(match.name)
        by_id = attr != match.name  # `member_id`: the id itself, not the related row
        current = match.related_model if match.is_relation and not by_id else None
    if current is not None and not isinstance(field, drf_serializers.PrimaryKeyRelatedField):
        return None, None  # a relation rendered as something other than its id
    if isinstance(field, drf_serializers.DateTimeField):
        return "__".join(parts), _datetime_converter(field)
    if isinstance(field, drf_serializers.DateField):
        return "__".join(parts), lambda tz: field.to_representation
    return "__".join(parts), None
