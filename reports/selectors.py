"""Which nodes a user may ask figures for, and the figures' values for them (core/metrics.py's registry)."""
from __future__ import annotations

import dataclasses

from accounts.scoping import user_scope
from core import metrics
from core.metrics import MetricError, NodeSet, Period
from villages.models import Village
from zones.models import Town, WorkZone

_MODELS = {"town": Town, "zone": WorkZone, "village": Village}
# the ancestors of a node, as {level: id}, read from its row
_CHAIN = {
    "town": lambda ids: {pk: {"town": pk} for pk in Town.objects.filter(pk__in=ids).values_list("pk", flat=True)},
    "zone": lambda ids: {pk: {"zone": pk, "town": town} for pk, town in
                         WorkZone.objects.filter(pk__in=ids).values_list("pk", "town_id")},
    "village": lambda ids: {pk: {"village": pk, "zone": zone, "town": town} for pk, zone, town in
                            Village.objects.filter(pk__in=ids).values_list("pk", "zone_id", "zone__town_id")},
}


@dataclasses.dataclass(frozen=True)
class Node:
    level: str
    id: int | None
    name: str

    @property
    def key(self) -> str:
        return "district" if self.level == "district" else f"{self.level}:{self.id}"


def parse_nodes(text: str) -> tuple[str, list[int | None]]:
    """'district', 'zone:3', 'zone:3,zone:5' → (level, ids); every node of one level."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if not parts:
        raise MetricError("节点：不能为空，格式如 zone:12 或 district。")
    if parts == ["district"]:
        return "district", [None]
    levels, ids = set(), []
    for part in parts:
        level, _, raw = part.partition(":")
        if level not in _MODELS or not raw.isdigit():
            raise MetricError(f"节点：无法识别“{part}”，格式如 town:1、zone:12、village:30 或 district。")
        levels.add(level)
        ids.append(int(raw))
    if len(levels) > 1:
        raise MetricError("节点：一次只能查询同一层级的节点。")
    if len(ids) > 500:
        raise MetricError("节点：一次最多查询500个节点。")
    return levels.pop(), list(dict.fromkeys(ids))


def allowed_nodes(user, level: str, ids: list) -> list[Node]:
    """The nodes, each at or below one of the user's grants (a zone committee sees its zone and its villages,
    never its town's total). Any other node reads as not found: the answer does not confirm it exists."""
    scope = user_scope(user)
    if level == "district":
        if any(g.level is None for g in scope.grants):
            return [Node("district", None, "全区")]
        raise MetricError("节点：您没有查看全区指标的权限。")
    chains = _CHAIN[level](ids)
    names = dict(_MODELS[level].objects.filter(pk__in=ids).values_list("pk", "name"))
    nodes = []
    for pk in ids:
        chain = chains.get(pk)
        if chain is None or not any(
                g.level is None or (g.level in chain and g.chain.get(g.level) == chain[g.level]) for g in scope.grants):
            raise MetricError(f"节点：{level}:{pk} 不存在或不在您的管辖范围内。")
        nodes.append(Node(level, pk, names[pk]))
    return nodes


def metric_values(nodes: list[Node], codes: list[str], period: Period) -> list[dict]:
    """One row per node and code: {node, node_name, code, value}, in the order asked."""
    node_set = NodeSet(nodes[0].level, tuple(n.id for n in nodes))
    values = metrics.evaluate(codes, node_set, period)
    return [
        {"node": n.key, "node_name": n.name, "code": code, "value": values[n.id][code]}
        for n in nodes for code in codes
    ]
