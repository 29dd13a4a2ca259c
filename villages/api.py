from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.api_base import ArchiveMixin, HistoryEntrySerializer, RevealSerializer, ScopedViewSet, reveal_allowed
from accounts.api_export import ExportMixin
from accounts.api_moves import MoveSpec, move_action
from accounts.services import pii_reveal_log
from core.listing import DeferredJoinListMixin

from . import filters, serializers, services
from .history import household_history
from .models import Household, MicroGrid, NaturalVillage, Village, VillageCadre


class VillageViewSet(ArchiveMixin, ExportMixin, ScopedViewSet):
    """村/社区。"""

    queryset = Village.objects.select_related("zone")
    serializer_class = serializers.VillageSerializer
    filterset_class = filters.VillageFilter
    ordering_fields = ["id", "name", "zone"]


class VillageCadreViewSet(ArchiveMixin, ExportMixin, ScopedViewSet):
    """村两委干部、第一书记。"""

    queryset = VillageCadre.objects.all()
    serializer_class = serializers.VillageCadreSerializer
    filterset_class = filters.VillageCadreFilter
    ordering_fields = ["id", "name", "role"]


class NaturalVillageViewSet(ArchiveMixin, ScopedViewSet):
    """自然村。"""

    queryset = NaturalVillage.objects.all()
    serializer_class = serializers.NaturalVillageSerializer
    filterset_class = filters.NaturalVillageFilter
    ordering_fields = ["id", "name"]

    move = move_action(MoveSpec(
        field="village", label="目标村/社区ID", target_model=Village, error_field="target",
        service=lambda nv, village, apply: services.natural_village_move(natural_village=nv, to_village=village,
                                                                         apply=apply),
        response=serializers.NaturalVillageMoveSerializer, summary="迁移到其他村/社区（预览/执行）", description="预览迁移涉及的网格与户；apply=true 时在一个事务中执行。",
    ))


class MicroGridViewSet(ArchiveMixin, ScopedViewSet):
    """微网格。"""

    queryset = MicroGrid.objects.select_related("natural_village")
    serializer_class = serializers.MicroGridSerializer
    filterset_class = filters.MicroGridFilter
    ordering_fields = ["id", "name"]

    move = move_action(MoveSpec(
        field="natural_village", label="目标自然村ID", target_model=NaturalVillage, error_field="target",
        service=lambda grid, nv, apply: services.grid_move(grid=grid, to_natural_village=nv, apply=apply),
        response=serializers.GridMoveSerializer, summary="迁移到其他自然村（预览/执行）",
    ))

    def perform_write(self, serializer):
        data = dict(serializer.validated_data)
        if serializer.instance is None:
            return services.grid_create(**data)
        return services.grid_update(grid=serializer.instance, **data)


class HouseholdViewSet(ArchiveMixin, ExportMixin, DeferredJoinListMixin, ScopedViewSet):
    """户（四色走访对象）。电话仅显示脱敏形式。"""

    queryset = Household.objects.select_related("grid", "natural_village", "village", "zone", "link__member")
    serializer_class = serializers.HouseholdSerializer
    filterset_class = filters.HouseholdFilter
    ordering_fields = ["id", "head_name", "people_count", "color", "next_visit_due", "created_at"]

    def get_serializer_class(self):
        """Lists and exports leave the people out (a page of rows stays one query); a single household has them."""
        if self.action in self.listing_actions:
            return serializers.HouseholdSerializer
        return serializers.HouseholdDetailSerializer

    def get_scoped_queryset(self):
        queryset = super().get_scoped_queryset()
        if self.action not in self.listing_actions:
            queryset = queryset.prefetch_related("people")
        return queryset

    def perform_write(self, serializer):
        data = dict(serializer.validated_data)
        if serializer.instance is None:
            return services.household_create(**data)
        return services.household_update(household=serializer.instance, **data)

    def destroy_instance(self, instance):
        services.household_archive(household=instance)

    @extend_schema(summary="变更记录（含户成员）", responses=HistoryEntrySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        """谁、何时、改了什么（审计记录），户成员的增加、修改、删除也在其中。"""
        return Response(HistoryEntrySerializer(household_history(self.get_object()), many=True).data)

    @extend_schema(summary="恢复已归档的户", request=None, filters=False)
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def restore(self, request, pk=None):
        """恢复已归档的户（所属网格已归档时拒绝，409）；恢复后按新登记重新安排走访日期。"""
        household = self.get_object()
        with transaction.atomic():
            self.ensure_writable(household)
            services.household_restore(household=household)
        return self.retrieve(request, pk=pk)

    @extend_schema(summary="查看完整电话（留痕）", request=None, responses=RevealSerializer)
    @action(detail=True, methods=["post"], read_only_action=True)
    def reveal(self, request, pk=None):
        """仅街道、工作区、村干部可查看；每次查看都记录。"""
        household = self.get_object()
        if not reveal_allowed(request.user, household):
            raise PermissionDenied("您的角色不能查看完整个人信息。")
        pii_reveal_log(request=request, obj=household, fields=["phone"])
        return Response({"phone": household.reveal_phone()})


ROUTES = [
    ("villages", VillageViewSet),
    ("village-cadres", VillageCadreViewSet),
    ("natural-villages", NaturalVillageViewSet),
    ("grids", MicroGridViewSet),
    ("households", HouseholdViewSet),
]
