"""Which figures a report carries, and the live value beside a frozen one (with what changed since)."""
from __future__ import annotations

import datetime

from django.db.models import Q

from core import metrics
from core.metrics import NodeSet, Period

# the figures in large type at the top of a report (as the seeds lead with them); the rest follow in a table
HEADLINE = (
    "visits.people_served", "visits.in_person_households", "visits.coverage", "mediation.received",
    "mediation.on_the_spot", "mediation.share_in_village", "mediation.satisfaction", "members.new",
)


# the order of the groups in a report (as the seeds tell a year: the people served first); others follow
GROUP_ORDER = ("四色走访", "矛盾纠纷调处", "党员联户", "工作区建设")


def ordered_metrics() -> list:
    """Every figure of the registry in a report's order: by group, then as declared."""
    rank = {name: i for i, name in enumerate(GROUP_ORDER)}
    return sorted(metrics.all_metrics(), key=lambda m: (rank.get(m.group, len(rank)), m.order))


def report_codes() -> list[str]:
    """Every figure of the registry: a report shows them all, grouped."""
    return [m.code for m in ordered_metrics()]


def period_of(report) -> Period:
    return Period.parse(report.period)


def live_values(report, codes: list[str] | None = None) -> dict:
    codes = codes or report_codes()
    nodes = NodeSet(report.level, (report.node_id,))
    return metrics.evaluate(codes, nodes, period_of(report))[report.node_id]


def previous_year_values(report, codes: list[str] | None = None) -> dict:
    codes = codes or report_codes()
    nodes = NodeSet(report.level, (report.node_id,))
    return metrics.evaluate(codes, nodes, period_of(report).shifted_years(-1))[report.node_id]


def changes_since(report, since: datetime.datetime) -> list[str]:
    """The records of the report's node and period written after `since`, in words (why a live figure moved)."""
    from mediation.models import DisputeCase
    from members.models import PartyMember
    from visits.models import Visit

    column = f"{report.level}_id"
    start, end = report.period_start, report.period_end
    visits = Visit.objects.filter(**{f"household__{column}": report.node_id}, visited_on__range=(start, end)).filter(
        Q(created_at__gt=since) | Q(corrected_at__gt=since)).count()
    cases = DisputeCase.objects.filter(**{column: report.node_id}, received_at__date__range=(start, end),
                                       updated_at__gt=since).count()
    members = PartyMember.objects.filter(**{f"branch__{column}": report.node_id}, created_at__gt=since).count()
    words = []
    if visits:
        words.append(f"统计期内的走访记录新增或更正 {visits} 条")
    if cases:
        words.append(f"统计期内受理的纠纷案件有 {cases} 件办理进展")
    if members:
        words.append(f"新登记党员 {members} 人")
    return words
