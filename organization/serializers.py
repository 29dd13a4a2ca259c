"""Answers of the cross-level moves (previews and applied moves share one shape)."""
from core.moves import move_answer_serializer

ZoneMoveSerializer = move_answer_serializer(
    "ZoneMoveSerializer", doc="工作区迁移的预览（apply=true 时为执行结果）。",
    node=("zone", "工作区"), parent=("town", "街道(镇)"),
    counts={"villages": "涉及村/社区数", "households": "涉及户数", "branches": "涉及党组织数"},
)

VillageMoveSerializer = move_answer_serializer(
    "VillageMoveSerializer", doc="村/社区迁移的预览（apply=true 时为执行结果）。",
    node=("village", "村/社区"), parent=("zone", "工作区"),
    counts={"natural_villages": "涉及自然村数", "grids": "涉及网格数", "households": "涉及户数",
            "branches": "涉及党组织数", "members": "涉及党员数", "instructors_ended": "结束任期的“1+1”指导员数"},
)
