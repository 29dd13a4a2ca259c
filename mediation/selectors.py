"""Reads for the mediation room, shared by the API, the pages, the jobs and the reports.

The figures the zones report (``case_statistics``) have one definition each, here:

- cohort: the cases *received* in the period (``received_at`` in [start, end], Asia/Shanghai days);
- ``received``: their number; ``by_source`` / ``by_category``: the same split by source and category;
- ``on_the_spot`` (现场化解): resolved on the day received, never escalated (set once, by ``case_resolve``);
- ``concluded``: cases with an outcome, i.e. resolved (化解) or referred (转办);
- ``share_in_village`` (小事不出村): resolved at village level / concluded;
  ``share_in_zone`` (大事不出工作区): resolved at village or zone level / concluded;
- ``mean_days`` / ``p90_days``: time from reception to resolution in days, over the resolved cases
  (PostgreSQL ``percentile_cont(0.9)``);
- ``escalated_to_zone`` / ``escalated_to_town``: cases that were ever escalated to that level;
- ``follow_ups_done`` / ``satisfied`` / ``satisfaction``: recorded follow-up visits of the cohort, those
  满意 or 基本满意, and their share.
"""
from __future__ import annotations

import datetime

from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Extract
from django.utils import timezone

from core import metrics
from core.metrics import NodeSet
from villages.nodes import figure_definitions, nodes_below

from .models import (
    SATISFIED_VALUES, CaseCategory, CaseLevel, CaseSource, CaseState, DisputeCase, DutyShift, MediationRoom,
)


class PercentileCont(Aggregate):
    """PostgreSQL ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be in [0, 1]")
        super().__init__(expression, fraction=float(fraction), **extra)


# --- the rota -------------------------------------------------------------------------------

def current_slot(room: MediationRoom, when: datetime.datetime) -> int:
    hour = timezone.localtime(when).hour
    if room.shifts_per_day == 1:
        return 1
    if room.shifts_per_day == 2:
        return 1 if hour < 12 else 2
    return 1 if hour < 12 else (2 if hour < 18 else 3)


def duty_officer_now(*, zone_id: int, when: datetime.datetime | None = None) -> DutyShift | None:
    """The shift whose officer receives new zone-level cases now: the current slot's officer with an account,
    else another officer with an account on duty today."""
    when = when or timezone.now()
    room = MediationRoom.objects.filter(pk=zone_id).first()
    if room is None:
        return None
    shifts = list(
        DutyShift.objects.filter(room=room, date=timezone.localdate(when), officer__user__isnull=False, officer__active=True)
        .select_related("officer__user").order_by("slot")
    )
    if not shifts:
        return None
    slot = current_slot(room, when)
    return next((s for s in shifts if s.slot == slot), shifts[0])


def shifts_on(queryset: QuerySet[DutyShift], day: datetime.date) -> QuerySet[DutyShift]:
    return queryset.filter(date=day).select_related("room", "officer").order_by("room_id", "slot")


# --- cases ----------------------------------------------------------------------------------

def case_list(queryset: QuerySet[DisputeCase]) -> QuerySet[DisputeCase]:
    return queryset.select_related("village", "zone", "assignee")


def cases_overdue(queryset: QuerySet[DisputeCase], today: datetime.date | None = None) -> QuerySet[DisputeCase]:
    """One definition of overdue: still being handled and the current level's deadline is before today."""
    today = today or timezone.localdate()
    return queryset.filter(level_deadline__lt=today).exclude(
        state__in=[CaseState.RESOLVED, CaseState.REFERRED, CaseState.FOLLOW_UP, CaseState.CLOSED]
    )


def period_bounds(start: datetime.date | None, end: datetime.date | None) -> Q:
    """Cases received on local days start..end (inclusive), as an index-friendly range on received_at."""
    condition = Q()
    tz = timezone.get_current_timezone()
    if start:
        condition &= Q(received_at__gte=datetime.datetime.combine(start, datetime.time.min, tzinfo=tz))
    if end:
        condition &= Q(received_at__lt=datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))
    return condition


GROUPS = {"village": "village_id", "zone": "zone_id", "town": "town_id"}


def _group_model(group_by: str):
    from villages.models import Village
    from zones.models import Town, WorkZone

    return {"village": Village, "zone": WorkZone, "town": Town}[group_by]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _days(value) -> float | None:
    return round(value / 86400, 2) if value is not None else None


COUNTED = (
    "received", "on_the_spot", "resolved", "referred", "resolved_in_village", "resolved_in_zone", "escalated_to_zone",
    "escalated_to_town", "resolved_seconds", *(f"source_{s}" for s in CaseSource.values),
    *(f"category_{c}" for c in CaseCategory.values),
)


def case_statistics(queryset: QuerySet[DisputeCase], *, group_by: str = "zone", total_only: bool = False,
                    rows_only: bool = False) -> dict:
    """The figures of the module docstring for the cases of `queryset` (already scoped and filtered
    to the period), per village, zone or town, and in total.

    Five queries, none joining the hierarchy (zone and town are columns of the case): one hash aggregate
    with every count (``COUNT(*) FILTER``) and the summed resolution time, the 90th percentile per group and
    over all (ordered-set aggregates sort, so they run on the resolved cases' two timestamps only), the
    follow-up satisfaction per group (cases joined to their recorded follow-ups), and the group names.
    ``total_only``: the total alone is wanted (the registry's district figures): the rows' percentiles and names
    are not computed (two queries fewer, one sort fewer) and no rows are returned. ``rows_only``: the rows alone
    are wanted (the registry's figures per node): the total's percentile is not computed (its ``p90_days`` is None).
    """
    key = GROUPS[group_by]
    queryset = queryset.order_by()
    seconds = Extract(ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField()), "epoch")
    resolved = Q(resolved_at__isnull=False)
    measures = {
        "received": Count("id"),
        **{f"source_{s}": Count("id", filter=Q(source=s)) for s in CaseSource.values},
        **{f"category_{c}": Count("id", filter=Q(category=c)) for c in CaseCategory.values},
        "on_the_spot": Count("id", filter=Q(on_the_spot=True)),
        "resolved": Count("id", filter=resolved),
        "referred": Count("id", filter=Q(referred_at__isnull=False)),
        "resolved_in_village": Count("id", filter=Q(resolved_level=CaseLevel.VILLAGE)),
        "resolved_in_zone": Count("id", filter=Q(resolved_level__in=[CaseLevel.VILLAGE, CaseLevel.ZONE])),
        "escalated_to_zone": Count("id", filter=Q(zone_escalated_at__isnull=False)),
        "escalated_to_town": Count("id", filter=Q(town_escalated_at__isnull=False)),
        "resolved_seconds": Sum(seconds, filter=resolved, default=0.0),
    }
    rows = {r[key]: r for r in queryset.values(key).annotate(**measures)}
    resolved_cases = queryset.filter(resolved)
    p90 = {} if total_only else dict(
        resolved_cases.values(key).annotate(p90=PercentileCont(seconds, 0.9)).values_list(key, "p90"))
    total = {name: sum(r[name] for r in rows.values()) for name in COUNTED}
    total["p90"] = (resolved_cases.aggregate(p90=PercentileCont(seconds, 0.9))["p90"]
                    if total["resolved"] and not rows_only else None)

    # from the case side: one join (case ⋈ follow-up) with the case conditions applied as they are
    follow_ups = {
        r[key]: r
        for r in queryset.filter(follow_ups__done_on__isnull=False).values(key).annotate(
            follow_ups_done=Count("follow_ups"),
            satisfied=Count("follow_ups", filter=Q(follow_ups__satisfaction__in=SATISFIED_VALUES)),
        )
    }
    total["follow_ups_done"] = sum(r["follow_ups_done"] for r in follow_ups.values())
    total["satisfied"] = sum(r["satisfied"] for r in follow_ups.values())
    names = {} if total_only else dict(
        _group_model(group_by).objects.filter(pk__in=list(rows)).values_list("pk", "name"))

    def shape(row: dict, fu: dict, p90_seconds) -> dict:
        concluded = row["resolved"] + row["referred"]
        done_count = fu.get("follow_ups_done", 0)
        satisfied = fu.get("satisfied", 0)
        return {
            "received": row["received"],
            "by_source": {s: row[f"source_{s}"] for s in CaseSource.values},
            "by_category": {c: row[f"category_{c}"] for c in CaseCategory.values},
            "on_the_spot": row["on_the_spot"],
            "resolved": row["resolved"],
            "referred": row["referred"],
            "concluded": concluded,
            "resolved_in_village": row["resolved_in_village"],
            "resolved_in_zone": row["resolved_in_zone"],
            "share_in_village": _share(row["resolved_in_village"], concluded),
            "share_in_zone": _share(row["resolved_in_zone"], concluded),
            "mean_days": _days(row["resolved_seconds"] / row["resolved"]) if row["resolved"] else None,
            "p90_days": _days(p90_seconds),
            "escalated_to_zone": row["escalated_to_zone"],
            "escalated_to_town": row["escalated_to_town"],
            "follow_ups_done": done_count,
            "satisfied": satisfied,
            "satisfaction": _share(satisfied, done_count),
        }

    return {
        "group_by": group_by,
        "rows": [] if total_only else [
            {"id": group, "name": names.get(group, ""), **shape(rows[group], follow_ups.get(group, {}), p90.get(group))}
            for group in sorted(rows)
        ],
        "total": shape(total, total, total["p90"]),
    }


def case_counts_by_state(queryset: QuerySet[DisputeCase]) -> dict[str, int]:
    counts = dict(queryset.order_by().values_list("state").annotate(n=Count("id")))
    return {state: counts.get(state, 0) for state in CaseState.values}



# --- the statistics page from the registry (core/metrics.py) ------------------------------------------------

# the page's figures (its keys -> registry codes); the rates are fractions on the page, per cent in the registry
STATISTICS_FIGURES = {name: f"mediation.{name}" for name in (
    "received", "on_the_spot", "resolved", "referred", "concluded", "resolved_in_village", "resolved_in_zone",
    "share_in_village", "share_in_zone", "mean_days", "p90_days", "escalated_to_zone", "escalated_to_town",
    "follow_ups_done", "satisfied", "satisfaction",
)}
_FRACTIONS = ("share_in_village", "share_in_zone", "satisfaction")
STATISTICS_CODES = [*STATISTICS_FIGURES.values(), *(f"mediation.source.{s}" for s in CaseSource.values),
                    *(f"mediation.category.{c}" for c in CaseCategory.values)]


def statistics_definitions() -> list[dict]:
    """[{key, definition: "名称：口径"}] of the statistics page's figures (shown beside them, and exported)."""
    return [{"key": key, "definition": text} for key, text in figure_definitions(STATISTICS_FIGURES).items()]


def _page_figures(values: dict) -> dict:
    row = {key: values[code] for key, code in STATISTICS_FIGURES.items()}
    for key in _FRACTIONS:
        row[key] = None if row[key] is None else round(row[key] / 100, 4)
    row["by_source"] = {s: values[f"mediation.source.{s}"] for s in CaseSource.values}
    row["by_category"] = {c: values[f"mediation.category.{c}"] for c in CaseCategory.values}
    return row


def registry_statistics(top, period, *, group_by: str) -> dict:
    """The statistics page's answer (``case_statistics``'s shape) read from the registry: the total for the node
    set `top` (one node or the district: the scope's, or the one asked) and a row for each node of `group_by`
    under it that received cases, over `period` — the values GET /api/metrics/values/ gives for those nodes.
    A grouping above the top is answered at the top's own level (a village cadre grouping by zone sees their
    village); ``group_by`` in the answer names the level used."""
    total = metrics.evaluate(STATISTICS_CODES, top, period)[top.ids[0]]
    groups = nodes_below(top, group_by)
    level = groups[0].level if groups else group_by
    values = metrics.evaluate(STATISTICS_CODES, NodeSet(level, tuple(g.id for g in groups)), period) if groups else {}
    rows = [{"id": g.id, "name": g.name, **_page_figures(values[g.id])} for g in groups
            if values[g.id]["mediation.received"]]
    return {"group_by": level, "rows": rows, "total": _page_figures(total), "definitions": statistics_definitions()}
