from django.db.models import Case, IntegerField, When
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_base import ArchiveMixin, ScopedViewSet
from accounts.api_export import ExportMixin

from . import filters, serializers, services
from .models import CommitteeMember, CommitteeRole, OfficeKind, PartyInstructor, SunkCadrePosting, Town, WorkZone, ZoneOffice
from .selectors import zone_flags


def _rank(field: str, values: list[str]) -> Case:
    """Order by the position of the value in its choices (rank), not alphabetically by code."""
    return Case(*(When(**{field: v}, then=i) for i, v in enumerate(values)), output_field=IntegerField())


class TownViewSet(ArchiveMixin, ScopedViewSet):
    """街道(镇)。DELETE 归档（其下还有未归档的工作区时拒绝，409），POST …/restore/ 恢复。"""

    queryset = Town.objects.all()
    serializer_class = serializers.TownSerializer
    filterset_class = filters.TownFilter
    ordering_fields = ["id", "name", "code"]


class WorkZoneViewSet(ArchiveMixin, ScopedViewSet):
    """党建工作区。DELETE 归档（其下还有村/社区时拒绝，409），POST …/restore/ 恢复。"""

    queryset = WorkZone.objects.select_related("town")
    serializer_class = serializers.WorkZoneSerializer
    filterset_class = filters.WorkZoneFilter
    ordering_fields = ["id", "name", "town"]

    def perform_write(self, serializer):
        if serializer.instance is None:
            return services.zone_create(**serializer.validated_data)
        return super().perform_write(serializer)

    def destroy_instance(self, instance):
        services.zone_archive(instance)

    @extend_schema(summary="工作区预警", responses=serializers.ZoneFlagsSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def flags(self, request, pk=None):
        """下沉干部不足15人、村无党建指导员。"""
        return Response(serializers.ZoneFlagsSerializer(zone_flags(self.get_object())).data)


class ZoneOfficeViewSet(ScopedViewSet):
    """工作区办公室（五办）。"""

    queryset = ZoneOffice.objects.order_by("zone_id", _rank("kind", OfficeKind.values), "id")
    serializer_class = serializers.ZoneOfficeSerializer
    filterset_class = filters.ZoneOfficeFilter
    ordering_fields = ["id", "kind"]


class CommitteeMemberViewSet(ScopedViewSet):
    """工作区党委成员。"""

    # 书记, 专职副书记, 委员, 兼职委员: by rank, not by code
    queryset = CommitteeMember.objects.order_by("zone_id", _rank("role", CommitteeRole.values), "id")
    serializer_class = serializers.CommitteeMemberSerializer
    filterset_class = filters.CommitteeMemberFilter
    ordering_fields = ["id", "name", "role"]


class SunkCadrePostingViewSet(ExportMixin, ScopedViewSet):
    """下沉干部。"""

    queryset = SunkCadrePosting.objects.select_related("office")
    serializer_class = serializers.SunkCadrePostingSerializer
    filterset_class = filters.SunkCadrePostingFilter
    ordering_fields = ["id", "name", "start_date", "end_date"]


class PartyInstructorViewSet(ExportMixin, ScopedViewSet):
    """党建指导员（"1+1"）。"""

    queryset = PartyInstructor.objects.select_related("cadre", "village")
    serializer_class = serializers.PartyInstructorSerializer
    filterset_class = filters.PartyInstructorFilter
    ordering_fields = ["id", "start_date"]


ROUTES = [
    ("towns", TownViewSet),
    ("zones", WorkZoneViewSet),
    ("zone-offices", ZoneOfficeViewSet),
    ("committee-members", CommitteeMemberViewSet),
    ("sunk-cadres", SunkCadrePostingViewSet),
    ("instructors", PartyInstructorViewSet),
]
