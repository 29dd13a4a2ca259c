"""Which nodes of the registry's levels (core/metrics.py: district, town, zone, village) a user may read figures
for, and the node set at the top of a user's scope.

One check for every reader of the registry: the metrics API (reports.api), the home overview, the visits
dashboard and the mediation statistics. A node is readable when it lies at or below one of the user's grants
(a zone committee reads its zone and its villages, never its town's total, although its town's row is readable
as an ancestor). It lives here, the lowest app that knows the three node models, so that visits, mediation and
organization can use it without importing reports.
"""
from __future__ import annotations

import dataclasses

from django.utils import timezone

from accounts.scoping import UserScope, user_scope
from core import metrics
from core.metrics import MetricError, NodeSet, Period
from zones.models import Town, WorkZone

from .models import Village

MODELS = {"town": Town, "zone": WorkZone, "village": Village}
# the ancestors of a node, as {level: id}, read from its row
_CHAIN = {
    "town": lambda ids: {pk: {"town": pk} for pk in Town.objects.filter(pk__in=ids).values_list("pk", flat=True)},
    "zone": lambda ids: {pk: {"zone": pk, "town": town} for pk, town in
                         WorkZone.objects.filter(pk__in=ids).values_list("pk", "town_id")},
    "village": lambda ids: {pk: {"village": pk, "zone": zone, "town": town} for pk, zone, town in
                            Village.objects.filter(pk__in=ids).values_list("pk", "zone_id", "zone__town_id")},
}
# a node level's path to each level at or above it, from the node's own row
_UP = {
    "town": {"town": "pk"},
    "zone": {"zone": "pk", "town": "town_id"},
    "village": {"village": "pk", "zone": "zone_id", "town": "zone__town_id"},
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
        if level not in MODELS or not raw.isdigit():
            raise MetricError(f"节点：无法识别“{part}”，格式如 town:1、zone:12、village:30 或 district。")
        levels.add(level)
        ids.append(int(raw))
    if len(levels) > 1:
        raise MetricError("节点：一次只能查询同一层级的节点。")
    if len(ids) > 500:
        raise MetricError("节点：一次最多查询500个节点。")
    return levels.pop(), list(dict.fromkeys(ids))


def _reaches(scope: UserScope, chain: dict) -> bool:
    return any(g.level is None or (g.level in chain and g.chain.get(g.level) == chain[g.level]) for g in scope.grants)


def allowed_nodes(user, level: str, ids: list, *, scope: UserScope | None = None) -> list[Node]:
    """The nodes, each at or below one of the user's grants. Any other node reads as not found: the answer does
    not confirm it exists."""
    scope = scope or user_scope(user)
    if level == "district":
        if any(g.level is None for g in scope.grants):
            return [Node("district", None, "全区")]
        raise MetricError("节点：您没有查看全区指标的权限。")
    chains = _CHAIN[level](ids)
    names = dict(MODELS[level].objects.filter(pk__in=ids).values_list("pk", "name"))
    nodes = []
    for pk in ids:
        chain = chains.get(pk)
        if chain is None or not _reaches(scope, chain):
            raise MetricError(f"节点：{level}:{pk} 不存在或不在您的管辖范围内。")
        nodes.append(Node(level, pk, names[pk]))
    return nodes


def scope_top(scope: UserScope) -> NodeSet | None:
    """The one node at the top of the scope, as a registry node set: the district for a district grant, else the
    town, zone or village every grant lies in or under (a user holding roles on a zone and on one of its villages
    reads the zone).

    None when the scope has no such single node: its top is below a village (a grid member: a grid and their own
    linked households, which no registry level describes), it spans several nodes (roles on two villages), or it
    is empty. Callers then keep their own path over the scoped rows (same definitions, not through the registry)
    and say so."""
    grants = scope.grants
    if not grants:
        return None
    if any(g.level is None for g in grants):
        return NodeSet("district", (None,))
    tops = {(g.level, g.chain.get(g.level)) for g in grants
            if not any(o is not g and o.level != g.level and o.level in MODELS and o.level in g.chain
                       and g.chain.get(o.level) == o.chain.get(o.level) for o in grants)}
    if len(tops) != 1:
        return None
    level, pk = tops.pop()
    if level not in MODELS or pk is None:
        return None
    return NodeSet(level, (pk,))


def nodes_below(top: NodeSet, level: str) -> list[Node]:
    """The active nodes of `level` at or below the node set `top` (one node, or the district), by id. A level above
    the top's is never reached: the top itself is the answer (a village cadre grouping by zone sees their village)."""
    if top.level != "district" and list(MODELS).index(level) < list(MODELS).index(top.level):
        level = top.level
    queryset = MODELS[level].objects.filter(archived_at__isnull=True)
    if top.level != "district":
        queryset = queryset.filter(**{f"{_UP[level][top.level]}__in": list(top.ids)})
    return [Node(level, pk, name) for pk, name in queryset.order_by("pk").values_list("pk", "name")]


def node_in_scope(scope: UserScope, level: str, pk: int) -> NodeSet | None:
    """The node set of one node named in a query (``?zone=3``) when the scope reaches it (the check of
    ``allowed_nodes``, in one query), else None: the caller answers 404 as for any row out of scope."""
    chain = _CHAIN[level]([pk]).get(pk)
    return NodeSet(level, (pk,)) if chain is not None and _reaches(scope, chain) else None


def today_period() -> Period:
    """Today as a period of one day: the pages' state figures, read live (core/metrics.py's convention for a
    period reaching today)."""
    on = timezone.localdate().isoformat()
    return Period.parse(f"{on}..{on}")


def figure_definitions(figures: dict) -> dict:
    """{page key: "名称：口径"} for a page's figures ({page key: metric code}), shown beside each number."""
    return {key: f"{metrics.get(code).name}：{metrics.get(code).definition}" for key, code in figures.items()}


def narrowed(scope: UserScope, level: str, pk: int) -> NodeSet | None:
    """The node set for "node `level:pk` as this user sees it": the node itself when the scope reaches it; the
    scope's top when the node is an ancestor of it (a village cadre opening their zone sees their village, as the
    scoped rows always showed); None otherwise (a scope without a single top: the caller keeps its scoped path).
    The caller has already checked that the row itself is readable (404 otherwise)."""
    asked = node_in_scope(scope, level, pk)
    if asked is not None:
        return asked
    top = scope_top(scope)
    if top is None or top.level == "district":
        return None
    chain = _CHAIN[top.level](list(top.ids)).get(top.ids[0], {})
    return top if chain.get(level) == pk else None
