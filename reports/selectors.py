"""Which nodes a user may ask figures for, and the figures' values for them (core/metrics.py's registry)."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from core import metrics
from core.metrics import NodeSet, Period
from villages.nodes import MODELS as NODE_MODELS
from villages.nodes import Node, allowed_nodes, parse_nodes
from zones.models import Town, WorkZone

# one check for every reader of the registry (villages/nodes.py); named here for the API
__all__ = ["Node", "allowed_nodes", "parse_nodes", "metric_values", "expected_reports", "completeness"]


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
    for level, model in NODE_MODELS.items():
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
