"""The figures of the villages' own nodes (村/社区、微网格), for the registry (core/metrics.py)."""
from __future__ import annotations

from core import metrics
from core.metrics import NodeSet, Period
from zones.metrics import count_nodes

from .models import MicroGrid, Village

GROUP = "工作区建设"

metrics.metric("villages.villages", "村/社区数",
               "当前未归档的村/社区个数：全区、街道(镇)或工作区为下辖的村/社区，一个村为其本身（计1）。",
               unit="个", source="village_nodes", group=GROUP)
metrics.metric("villages.grids", "微网格数", "当前未归档的微网格个数（节点下辖的全部微网格）。",
               unit="个", source="village_nodes", group=GROUP)

# the path from a node row to each registry level
_VILLAGE_PATHS = {"town": "zone__town_id", "zone": "zone_id", "village": "id"}
_GRID_PATHS = {"town": "village__zone__town_id", "zone": "village__zone_id", "village": "village_id"}


@metrics.source("village_nodes")
def village_node_figures(nodes: NodeSet, period: Period) -> dict:
    result: dict = {}
    for model, paths, code in ((Village, _VILLAGE_PATHS, "villages.villages"), (MicroGrid, _GRID_PATHS, "villages.grids")):
        for node, row in count_nodes(model, paths, nodes, code).items():
            result.setdefault(node, {}).update(row)
    return result
