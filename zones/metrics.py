"""The figures of the work zones' people in post (下沉干部、“1+1”指导员), for the registry (core/metrics.py)."""
from __future__ import annotations

from django.db.models import Count, Q

from core import metrics
from core.metrics import NodeSet, Period

from .models import PartyInstructor, SunkCadrePosting, Town, WorkZone

GROUP = "工作区建设"

metrics.metric("zones.sunk_cadres", "下沉干部在岗", "统计期末在岗的下沉干部人数（按所在工作区）。", unit="人",
               source="postings", group=GROUP)
metrics.metric("zones.instructors", "“1+1”指导员在岗", "统计期末在岗的村级指导员人次（按所联系的村）。", unit="人",
               source="postings", group=GROUP)

# the path from each kind of row to a level's column
_CADRE_PATHS = {"town": "zone__town_id", "zone": "zone_id"}
_INSTRUCTOR_PATHS = {"town": "village__zone__town_id", "zone": "village__zone_id", "village": "village_id"}


def _in_post(day) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def _count(queryset, path: str | None, nodes: NodeSet, code: str) -> dict:
    if path is None:
        return {None: {code: queryset.count()}}
    rows = queryset.filter(**{f"{path}__in": list(nodes.ids)}).values(path).annotate(n=Count("id"))
    return {row[path]: {code: row["n"]} for row in rows}


@metrics.source("postings")
def posting_figures(nodes: NodeSet, period: Period) -> dict:
    result: dict = {}
    if nodes.level == "village":  # cadres are posted to zones: no village figure
        cadres = {}
    else:
        cadres = _count(SunkCadrePosting.objects.filter(_in_post(period.end)), _CADRE_PATHS.get(nodes.level),
                        nodes, "zones.sunk_cadres")
    instructors = _count(PartyInstructor.objects.filter(_in_post(period.end)), _INSTRUCTOR_PATHS.get(nodes.level),
                         nodes, "zones.instructors")
    for part in (cadres, instructors):
        for node, row in part.items():
            result.setdefault(node, {}).update(row)
    if nodes.level == "village":
        for node in nodes.ids:
            result.setdefault(node, {})["zones.sunk_cadres"] = None
    return result


# --- the hierarchy's own nodes (the home overview's counts) -------------------------------------------

metrics.metric("zones.towns", "街道(镇)数",
               "当前未归档的街道(镇)个数：全区为全部街道(镇)，一个街道(镇)、工作区或村为其所在的街道(镇)（计1）。",
               unit="个", source="zone_nodes", group=GROUP)
metrics.metric("zones.zones", "党建工作区数",
               "当前未归档的党建工作区个数：全区或街道(镇)为下辖的工作区，一个工作区或村为其所在的工作区（计1）。",
               unit="个", source="zone_nodes", group=GROUP)

# the path from a node row to each registry level (forward for the levels above it, reverse for those below)
_TOWN_PATHS = {"town": "id", "zone": "zones", "village": "zones__villages"}
_ZONE_PATHS = {"town": "town_id", "zone": "id", "village": "villages"}


def count_nodes(model, paths: dict, nodes: NodeSet, code: str) -> dict:
    """{node: {code: n}}: the active (unarchived) rows of a hierarchy `model` at, above or below each node.
    Node counts have no history (nodes carry no creation date): they are today's, whatever the period."""
    active = model.objects.filter(archived_at__isnull=True)
    if nodes.level == "district":
        return {None: {code: active.count()}}
    path = paths[nodes.level]
    rows = active.filter(**{f"{path}__in": list(nodes.ids)}).values(path).annotate(n=Count("id", distinct=True))
    return {row[path]: {code: row["n"]} for row in rows}


@metrics.source("zone_nodes")
def zone_node_figures(nodes: NodeSet, period: Period) -> dict:
    result: dict = {}
    for model, paths, code in ((Town, _TOWN_PATHS, "zones.towns"), (WorkZone, _ZONE_PATHS, "zones.zones")):
        for node, row in count_nodes(model, paths, nodes, code).items():
            result.setdefault(node, {}).update(row)
    return result
