"""The figures of four-colour visits (四色走访), for the registry (core/metrics.py).

Activity figures count the visits dated inside the period. State figures (coverage, overdue) are taken as
of the period's last day: today's live state for a period that reaches today, otherwise the daily coverage
snapshot of that day (written by the reminder job with the same definition, ``covered_q``/``overdue_q``).
"""
from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Count, Q, Sum

from core import metrics
from core.metrics import NodeSet, Period
from members.models import Duty
from villages.models import Household, HouseholdColor

from . import analytics
from .models import CoverageSnapshot, HouseholdVisitYear, VisitDay, VisitMethod
from .selectors import covered_q, overdue_q, policies_by_zone, today

GROUP = "四色走访"

metrics.metric("visits.total", "走访次数", "统计期内登记的走访次数（入户、电话、微信/视频合计）。",
               unit="次", source="visits", group=GROUP)
metrics.metric("visits.in_person_households", "入户走访户数", "统计期内至少入户走访过一次的户数。",
               unit="户", source="visits", group=GROUP)
metrics.metric("visits.people_served", "上门服务群众", "统计期内入户走访过的户的人口数之和（上门服务的群众人数）。",
               unit="人", source="visits", group=GROUP)
for _method in VisitMethod:
    metrics.metric(f"visits.method.{_method.value}", f"走访次数（{_method.label}）",
                   f"统计期内以“{_method.label}”方式登记的走访次数。", unit="次", source="visits", group=GROUP)
for _duty in Duty:
    metrics.metric(f"visits.duty.{_duty.value}", f"履职次数（{_duty.label}）",
                   f"统计期内走访记录中勾选“{_duty.label}”职责的次数。", unit="次", source="visits", group=GROUP)
metrics.metric("visits.concerns", "收集民情", "统计期内填写了民情信息的走访条数。", unit="条", source="visits", group=GROUP)
metrics.metric("visits.concerns_on_spot", "民情当场解决", "统计期内填写了民情信息且未标记“需要跟进”的走访条数。",
               unit="条", source="visits", group=GROUP)
metrics.metric("visits.households", "户数", "统计期末在册（未归档）的户数（当前为实时数，过去的统计期取当日快照）。",
               unit="户", source="visit_state", group=GROUP)
metrics.metric("visits.covered", "按期走访户数", "统计期末在其颜色要求的间隔内走访过的户数。",
               unit="户", source="visit_state", group=GROUP)
metrics.metric("visits.coverage", "走访覆盖率", "按期走访户数占户数的比例（统计期末）。",
               unit="%", source="visit_state", group=GROUP)
metrics.metric("visits.overdue", "逾期未走访户数", "统计期末下次走访日期已过仍未走访的户数。",
               unit="户", source="visit_state", group=GROUP)
metrics.metric("visits.red_orange_in_interval", "红橙户按期走访率",
               "统计期末红色、橙色户中，在其颜色要求的间隔内走访过的比例。", unit="%", source="visit_state", group=GROUP)


def _group(rows, key: str | None) -> dict:
    return {(row[key] if key else None): row for row in rows}


@metrics.source("visits")
def visit_figures(nodes: NodeSet, period: Period) -> dict:
    """Read from the analytics tables (``visits.analytics``), exact and kept with the visits: the village-day
    sums for the counts, the households' in-person day bits for the households and people visited."""
    key = {"district": None, "town": "village__zone__town_id", "zone": "village__zone_id", "village": "village_id"}[nodes.level]
    days = VisitDay.objects.filter(day__range=(period.start, period.end), **({f"{key}__in": list(nodes.ids)} if key else {}))
    measures = {
        "visits.total": Sum("total", default=0),
        **{f"visits.method.{m}": Sum(f"method_{m}", default=0) for m in VisitMethod.values},
        **{f"visits.duty.{d}": Sum(f"duty_{d}", default=0) for d in Duty.values},
        "visits.concerns": Sum("concerns", default=0),
        "visits.concerns_on_spot": Sum("concerns_on_spot", default=0),
    }
    rows = days.values(key).annotate(**measures).order_by() if key else [days.aggregate(**measures)]
    result = {k: dict(v) for k, v in _group(rows, key).items()}
    for node, row in _in_person(nodes, period).items():
        result.setdefault(node, {}).update(row)
    return result


def _in_person(nodes: NodeSet, period: Period) -> dict:
    """Households with at least one in-person visit in the period, and their people: one bit test per household
    and year (``HouseholdVisitYear``), the households' current place and people count."""
    tests, params = [], []
    for year in range(period.start.year, period.end.year + 1):
        mask = analytics.year_mask(year, period.start, period.end)
        tests.append(f"(y.year = %s AND bit_count(y.days & %s::bit({analytics.DAY_BITS})) > 0)")
        params += [year, mask]
    column = f"h.{nodes.column}" if nodes.column else "NULL::bigint"
    where = f"h.{nodes.column} = ANY(%s)" if nodes.column else "true"
    node_params = [list(nodes.ids)] if nodes.column else []
    sql = (
        f"SELECT {column}, count(*), coalesce(sum(h.people_count), 0) FROM villages_household h "
        f"WHERE {where} AND EXISTS (SELECT 1 FROM {HouseholdVisitYear._meta.db_table} y "
        f"WHERE y.household_id = h.id AND ({' OR '.join(tests)})) GROUP BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, node_params + params)
        return {node: {"visits.in_person_households": n, "visits.people_served": people}
                for node, n, people in cursor.fetchall()}


@metrics.source("visit_state")
def visit_state_figures(nodes: NodeSet, period: Period) -> dict:
    on = today()
    if period.end >= on:
        return _live_state(nodes, on)
    return _snapshot_state(nodes, period.end)


def _rates(row: dict) -> dict:
    row["visits.coverage"] = metrics.share(row["visits.covered"], row["visits.households"])
    return row


def _live_state(nodes: NodeSet, on: datetime.date) -> dict:
    households = Household.objects.filter(archived_at__isnull=True, **nodes.filter())  # 在册: archived ones left
    policies = policies_by_zone()
    red_orange = Q(color__in=[HouseholdColor.RED, HouseholdColor.ORANGE])
    covered = covered_q(policies, on=on)
    measures = {
        "visits.households": Count("id"), "visits.covered": Count("id", filter=covered),
        "visits.overdue": Count("id", filter=overdue_q(on=on)),
        "red_orange": Count("id", filter=red_orange), "red_orange_covered": Count("id", filter=red_orange & covered),
    }
    column = nodes.key()
    rows = households.values(column).annotate(**measures) if column else [households.aggregate(**measures)]
    result = {}
    for node, row in _group(rows, column).items():
        row = dict(row)
        row["visits.red_orange_in_interval"] = metrics.share(row.pop("red_orange_covered"), row.pop("red_orange"))
        result[node] = _rates(row)
    return result


def _snapshot_state(nodes: NodeSet, day: datetime.date) -> dict:
    """As of a past day: the village snapshots of that day (the red/orange rate is not kept in them: None)."""
    snapshots = CoverageSnapshot.objects.filter(taken_on=day, **nodes.filter())
    measures = {"visits.households": Sum("households", default=0), "visits.covered": Sum("covered", default=0),
                "visits.overdue": Sum("overdue", default=0)}
    column = nodes.key()
    rows = snapshots.values(column).annotate(**measures) if column else [snapshots.aggregate(**measures)]
    return {node: _rates(dict(row)) for node, row in _group(rows, column).items()}


# --- the visit plan at the period's end: the colour mix and what falls due (the visits dashboard, the home page) ----

from .selectors import due_q  # noqa: E402  (this section's own import: the sources above are edited apart)

for _color in HouseholdColor:
    metrics.metric(f"visits.color.{_color.value}", f"{_color.label}户数",
                   f"统计期末颜色为“{_color.label}”的户数（当前为实时数；过去的统计期不保存颜色，无此数）。",
                   unit="户", source="visit_plan", group=GROUP)
for _color in HouseholdColor:
    metrics.metric(f"visits.overdue_color.{_color.value}", f"逾期未走访户数（{_color.label}）",
                   f"统计期末下次走访日期已过仍未走访、颜色为“{_color.label}”的户数（当前为实时数；过去的统计期无此数）。",
                   unit="户", source="visit_plan", group=GROUP)
metrics.metric("visits.due_week", "7天内到期户数", "统计期末起7天内到期（含已逾期）的户数（当前为实时数；过去的统计期无此数）。",
               unit="户", source="visit_plan", group=GROUP)

PLAN_CODES = ([f"visits.color.{c}" for c in HouseholdColor.values]
              + [f"visits.overdue_color.{c}" for c in HouseholdColor.values] + ["visits.due_week"])


@metrics.source("visit_plan")
def visit_plan_figures(nodes: NodeSet, period: Period) -> dict:
    """Live for a period reaching today (as the state figures); a past period has no colour or due date kept
    (the daily snapshot holds households, covered and overdue only): None."""
    on = today()
    if period.end < on:
        return {node: dict.fromkeys(PLAN_CODES) for node in nodes.ids}
    households = Household.objects.filter(archived_at__isnull=True, **nodes.filter())  # 在册, as visits.households
    overdue = overdue_q(on=on)
    measures = {
        **{f"visits.color.{c}": Count("id", filter=Q(color=c)) for c in HouseholdColor.values},
        **{f"visits.overdue_color.{c}": Count("id", filter=overdue & Q(color=c)) for c in HouseholdColor.values},
        "visits.due_week": Count("id", filter=due_q(within_days=7, on=on)),
    }
    column = nodes.key()
    rows = households.values(column).annotate(**measures) if column else [households.aggregate(**measures)]
    return {node: {code: row[code] for code in PLAN_CODES} for node, row in _group(rows, column).items()}
