"""Scope-matrix expectations for /api/reports/ (see tests/accounts/scope_world.py): a zone's report hangs on its
zone, a town's on its town (no zone: a zone's committee does not see it); zone committees, town staff, the
district and API consumers read them; the first three write (edit a draft); reports are opened (POST with a
kind, node and period, tested in test_reports.py), never deleted."""
from __future__ import annotations

import datetime

from reports.models import Report
from tests.accounts.scope_world import ZONE_UP, Case

READERS = ZONE_UP | {"api_consumer"}


def _populate(world):
    period_start, period_end = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    for level, kind in (("zone", "zone_yearly"), ("town", "town_yearly")):
        for place in world.places_at(level):
            loc = place.loc
            report = Report.objects.create(
                kind=kind, town_id=loc["town"], zone_id=loc.get("zone") if level == "zone" else None, period="2026",
                period_start=period_start, period_end=period_end, due_on=datetime.date(2027, 1, 15),
                title=f"{place.key} 2026")
            world.add(report, {k: v for k, v in loc.items() if k in ("town", "zone")})


CASES = {
    "reports": Case(model=Report, level="zone", writers=ZONE_UP, readers=READERS, populate=_populate, deletable=False),
}
