"""API of the cross-level work: moves of a zone or a village, which carry rows of several apps along.

They answer at the node's own address (``POST /api/zones/{id}/move/``, ``POST /api/villages/{id}/move/``);
the node must be in the caller's scope (else 404) and writable (else 403), the target too (else 400 / 403).
"""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from django.urls import path
from rest_framework.generics import GenericAPIView

from accounts.api_base import move_params, move_response
from accounts.permissions import ScopedAccess
from accounts.scoping import user_scope
from villages.models import Village
from zones.models import Town, WorkZone

from . import services


class MoveView(GenericAPIView):
    """POST: the move's preview; with ``apply=true`` the move itself, in one transaction."""

    permission_classes = [ScopedAccess]
    target_model = None
    service = None
    error_field = None
    denied = None

    def get_queryset(self):
        return user_scope(self.request.user).filter(self.queryset.model.objects.all())

    def post(self, request, pk):
        obj = self.get_object()  # out of scope: 404; readable but not writable: 403
        return move_response(request, obj, params=self.get_serializer_class(), target_model=self.target_model,
                             service=type(self).service, error_field=self.error_field, denied=self.denied)


class ZoneMoveView(MoveView):
    queryset = WorkZone.objects.all()
    serializer_class = move_params("town", "目标街道(镇)ID")
    target_model = Town
    denied = "您无权向该街道(镇)迁入工作区。"

    @staticmethod
    def service(zone, town, *, apply):
        return services.zone_move(zone=zone, to_town=town, apply=apply)

    @extend_schema(summary="工作区迁移到其他街道(镇)（预览/执行）", responses=OpenApiTypes.OBJECT, tags=["zones"])
    def post(self, request, pk):
        """预览迁移涉及的村、户、党组织；apply=true 时在一个事务中执行。"""
        return super().post(request, pk)


class VillageMoveView(MoveView):
    queryset = Village.objects.all()
    serializer_class = move_params("zone", "目标工作区ID")
    target_model = WorkZone
    error_field = "target"

    @staticmethod
    def service(village, zone, *, apply):
        return services.village_move(village=village, to_zone=zone, apply=apply)

    @extend_schema(summary="村/社区迁移到其他工作区（预览/执行）", responses=OpenApiTypes.OBJECT, tags=["villages"])
    def post(self, request, pk):
        """预览迁移涉及的自然村、网格、户、党组织；apply=true 时在一个事务中执行。"""
        return super().post(request, pk)


URLS = [
    path("zones/<int:pk>/move/", ZoneMoveView.as_view(), name="zone-move"),
    path("villages/<int:pk>/move/", VillageMoveView.as_view(), name="village-move"),
]
