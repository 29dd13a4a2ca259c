"""Late reports remind their zone's committee, then the town's staff (inbox)."""
from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts.models import RoleAssignment
from accounts.scoping import TOWN_STAFF, ZONE_COMMITTEE
from core.metrics import Period

from .models import KIND_LEVEL, Report, ReportKind, ReportState
from .selectors import expected_reports
from .services import due_on


def _last_due_periods(today: datetime.date) -> list[tuple[str, Period]]:
    """Per kind, the latest period whose deadline has passed (the report that is now late if missing)."""
    last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
    month = Period.parse(f"{last_month_end.year}-{last_month_end.month:02d}")
    if today <= due_on(ReportKind.ZONE_MONTHLY, month):  # last month's is not due yet: the one before
        before = month.start - datetime.timedelta(days=1)
        month = Period.parse(f"{before.year}-{before.month:02d}")
    year = Period.parse(str(today.year - 1))
    if today <= due_on(ReportKind.ZONE_YEARLY, year):
        year = Period.parse(str(today.year - 2))
    return [(ReportKind.ZONE_MONTHLY, month), (ReportKind.ZONE_YEARLY, year), (ReportKind.TOWN_YEARLY, year)]


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_late_reports(today: str | None = None) -> int:
    """One inbox message per late report and recipient (deduplicated: re-runs send nothing twice)."""
    from notifications.services import notify

    today = datetime.date.fromisoformat(today) if today else timezone.localdate()
    sent = 0
    for kind, period in _last_due_periods(today):
        deadline = due_on(kind, period)
        done = set(Report.objects.filter(kind=kind, period=period.key,
                                         state__in=[ReportState.SUBMITTED, ReportState.APPROVED])
                   .values_list("town_id", "zone_id"))
        label = ReportKind(kind).label
        for town_id, zone_id in expected_reports(kind, period):
            if (town_id, zone_id) in done:
                continue
            level = KIND_LEVEL[kind]
            node = {"zone": zone_id} if level == "zone" else {"town": town_id}
            recipients = list(RoleAssignment.objects.filter(
                role=ZONE_COMMITTEE if level == "zone" else TOWN_STAFF, **node, user__is_active=True)
                .select_related("user"))
            if level == "zone" and (today - deadline).days >= settings.REPORT_ESCALATE_TOWN_DAYS:
                recipients += list(RoleAssignment.objects.filter(role=TOWN_STAFF, town_id=town_id,
                                                                 user__is_active=True).select_related("user"))
            for assignment in recipients:
                created = notify(
                    user=assignment.user, kind="report_late",
                    title=f"{label}逾期未报：{period.label}"[:100],
                    body=f"{period.label}的{label}应于{deadline.isoformat()}前提交，至今未提交。",
                    link=f"/reports/?kind={kind}&period={period.key}",
                    dedupe_key=f"report-late:{kind}:{period.key}:{town_id}:{zone_id or 0}",
                )
                sent += created is not None
    return sent


@shared_task(acks_late=True, reject_on_worker_lost=True)
def warm_figures() -> int:
    """Every METRICS_WARM_MINUTES: every node's figures of the current year, quarter and month into the cache the
    figures API reads (``selectors.figures_warm``)."""
    from .selectors import figures_warm

    return figures_warm()
