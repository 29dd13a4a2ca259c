"""The figures of the work zones' people in post (下沉干部、“1+1”指导员), for the registry (core/metrics.py)."""
from __future__ import annotations

from django.db.models import Count, Q

from core import metrics
from core.metrics import NodeSet, Period

from .models import PartyInstructor, SunkCadrePosting

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
