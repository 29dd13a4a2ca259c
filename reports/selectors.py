"""Which nodes a user may ask figures for, and the figures' values for them (core/metrics.py's registry)."""
from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.utils import timezone

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
    values = metrics.evaluate(codes, node_set, period, max_age=settings.METRICS_CACHE_SECONDS)
    return [
        {"node": n.key, "node_name": n.name, "code": code, "value": values[n.id][code]}
        for n in nodes for code in codes
    ]


# ---- reports: expected, submitted, on time, approved (DHIS2's reporting rate) -----------------------

def expected_reports(kind: str, period: Period, towns=None) -> list[tuple[int, int | None]]:
    """(town id, zone id or None) of every report of `kind` expected for `period`: each active zone of the
    towns for a zone's report, each town for a town's."""
    from reports.models import KIND_LEVEL

    town_qs = Town.objects.all() if towns is None else towns
    if hasattr(Town, "archived_at"):
        town_qs = town_qs.filter(archived_at__isnull=True)
    if KIND_LEVEL[kind] == "town":
        return [(pk, None) for pk in town_qs.order_by("id").values_list("pk", flat=True)]
    zones = WorkZone.objects.filter(town__in=town_qs)
    if hasattr(WorkZone, "archived_at"):
        zones = zones.filter(archived_at__isnull=True)
    return list(zones.order_by("town_id", "id").values_list("town_id", "pk"))


def completeness(kind: str, period: Period, towns) -> dict:
    """Per town and in total: expected, submitted (awaiting review or approved), on time (submitted by the
    deadline), approved, and the rates (per cent)."""
    from reports.models import Report, ReportState

    expected = expected_reports(kind, period, towns)
    reports = {
        (r.town_id, r.zone_id): r
        for r in Report.objects.filter(kind=kind, period=period.key, town__in=towns).only(
            "town_id", "zone_id", "state", "submitted_at", "due_on")
    }
    names = dict(Town.objects.filter(pk__in={t for t, _ in expected}).values_list("pk", "name"))
    rows: dict = {}
    for town_id, zone_id in expected:
        row = rows.setdefault(town_id, {"town": town_id, "town_name": names.get(town_id, ""), "expected": 0,
                                        "submitted": 0, "on_time": 0, "approved": 0})
        row["expected"] += 1
        report = reports.get((town_id, zone_id))
        if report is None or report.state not in (ReportState.SUBMITTED, ReportState.APPROVED):
            continue
        row["submitted"] += 1
        row["approved"] += report.state == ReportState.APPROVED
        if report.submitted_at and timezone.localtime(report.submitted_at).date() <= report.due_on:
            row["on_time"] += 1
    total = {"expected": 0, "submitted": 0, "on_time": 0, "approved": 0}
    for row in rows.values():
        for key in total:
            total[key] += row[key]
        _rates(row)
    return {"kind": kind, "period": period.key, "rows": list(rows.values()), "total": _rates(total)}


def _rates(row: dict) -> dict:
    row["submitted_rate"] = metrics.share(row["submitted"], row["expected"])
    row["on_time_rate"] = metrics.share(row["on_time"], row["expected"])
    row["approved_rate"] = metrics.share(row["approved"], row["expected"])
    return row


# ---- warming the figures cache ---------------------------------------------------------------------

def current_periods(today: datetime.date) -> list[Period]:
    """The periods most asked for while they run: this year, this quarter, this month."""
    return [Period.parse(str(today.year)), Period.parse(f"{today.year}-Q{(today.month - 1) // 3 + 1}"),
            Period.parse(f"{today.year}-{today.month:02d}")]


def figures_warm(*, today: datetime.date | None = None) -> int:
    """Compute every figure of every node (district, towns, zones, villages; archived ones left out) for the
    current periods and store them in the figures cache for ``METRICS_CACHE_SECONDS``, so the figures API answers
    polls from the cache. Returns the number of node-periods stored (nothing when the cache is off)."""
    if settings.METRICS_CACHE_SECONDS <= 0:
        return 0
    codes = [m.code for m in metrics.all_metrics()]
    levels = [NodeSet("district", (None,))]
    for level, model in _MODELS.items():
        rows = model.objects.all()
        if hasattr(model, "archived_at"):
            rows = rows.filter(archived_at__isnull=True)
        levels.append(NodeSet(level, tuple(rows.order_by("pk").values_list("pk", flat=True))))
    stored = 0
    for period in current_periods(today or timezone.localdate()):
        for nodes in levels:
            if nodes.ids:
                metrics.evaluate(codes, nodes, period, max_age=settings.METRICS_CACHE_SECONDS, refresh=True)
                stored += len(nodes.ids)
    return stored
