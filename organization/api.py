"""API of the cross-level work: moves of a zone or a village, which carry rows of several apps along.

They answer at the node's own address (``POST /api/zones/{id}/move/``, ``POST /api/villages/{id}/move/``);
see ``accounts.api_moves`` for the rules every move follows.
"""
from django.urls import path

from accounts.api_moves import MoveSpec, move_view
from villages.models import Village
from zones.models import Town, WorkZone

from . import services

ZONE_MOVE = MoveSpec(
    field="town", label="目标街道(镇)ID", target_model=Town, denied="您无权向该街道(镇)迁入工作区。",
    service=lambda zone, town, apply: services.zone_move(zone=zone, to_town=town, apply=apply),
    summary="工作区迁移到其他街道(镇)（预览/执行）", description="预览迁移涉及的村、户、党组织；apply=true 时在一个事务中执行。",
)
VILLAGE_MOVE = MoveSpec(
    field="zone", label="目标工作区ID", target_model=WorkZone, error_field="target",
    service=lambda village, zone, apply: services.village_move(village=village, to_zone=zone, apply=apply),
    summary="村/社区迁移到其他工作区（预览/执行）", description="预览迁移涉及的自然村、网格、户、党组织；apply=true 时在一个事务中执行。",
)

URLS = [
    path("zones/<int:pk>/move/", move_view(WorkZone, ZONE_MOVE).as_view(), name="zone-move"),
    path("villages/<int:pk>/move/", move_view(Village, VILLAGE_MOVE).as_view(), name="village-move"),
]
