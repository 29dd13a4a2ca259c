"""The demo's filed reports: a year of zone monthly reports and last year's yearly ones, in the states a real
district has them (most approved on time, some late, a few returned, the latest month still coming in),
written through ``reports.services.reports_file_history`` (one registry call per period)."""
from __future__ import annotations

import datetime
import random

from core.metrics import Period
from reports.models import ReportKind, ReportState
from reports.services import due_on, reports_file_history
from zones.models import Town, WorkZone

MONTHS = 12


def _active(queryset):
    return queryset.filter(archived_at__isnull=True) if hasattr(queryset.model, "archived_at") else queryset


def file_report_history(*, today: datetime.date, seed: int) -> int:
    rng = random.Random(seed)
    zones = list(_active(WorkZone.objects.all()).order_by("id"))
    towns = list(_active(Town.objects.all()).order_by("id"))
    written = 0
    month_end = today.replace(day=1) - datetime.timedelta(days=1)
    months = []
    for _ in range(MONTHS):
        months.append(Period.parse(f"{month_end.year}-{month_end.month:02d}"))
        month_end = month_end.replace(day=1) - datetime.timedelta(days=1)
    for period in reversed(months):
        due = due_on(ReportKind.ZONE_MONTHLY, period)
        states = {}
        for zone in zones:
            r = rng.random()
            if due >= today:  # still coming in: some drafts, some filed, a few not opened yet
                state = (None if r < .15 else ReportState.DRAFT if r < .45 else ReportState.SUBMITTED if r < .8
                         else ReportState.APPROVED)
                on_time = True
            else:
                state = (ReportState.APPROVED if r < .9 else ReportState.SUBMITTED if r < .95
                         else ReportState.RETURNED if r < .98 else None)
                on_time = rng.random() < .88
            if state is not None:
                states[zone.pk] = (state, on_time)
        written += reports_file_history(kind=ReportKind.ZONE_MONTHLY, period=period, nodes=zones, by=None,
                                        states=states, seed=seed + period.start.month)
    last_year = Period.parse(str(today.year - 1))
    if today.year - 1 >= 2000:
        states = {z.pk: (ReportState.APPROVED, rng.random() < .9) for z in zones}
        written += reports_file_history(kind=ReportKind.ZONE_YEARLY, period=last_year, nodes=zones, by=None,
                                        states=states, seed=seed)
        states = {t.pk: (ReportState.APPROVED, True) for t in towns}
        written += reports_file_history(kind=ReportKind.TOWN_YEARLY, period=last_year, nodes=towns, by=None,
                                        states=states, seed=seed)
    return written
