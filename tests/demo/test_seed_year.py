"""seed_demo --scale zone with its year of activity (issue 10 §5): the figures the dashboards show on first start."""
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from accounts.models import User
from accounts.scoping import user_scope
from mediation.models import CaseLevel, CaseState, DisputeCase, DutyOfficer, DutyShift, MediationRoom
from notifications.models import Notification
from villages.models import Household
from visits import selectors
from visits.models import COLORS, ColorChange, HouseholdVisitState, Reminder, Visit
from zones.models import WorkZone

from .conftest import seed

pytestmark = pytest.mark.django_db


def test_output_names_the_year(seeded):
    assert "一年活动" in seeded and "走访" in seeded


def test_coverage_per_zone_between_85_and_95_percent_with_few_overdue(seeded):
    admin = User.objects.get(username="admin")
    for zone in WorkZone.objects.all():
        board = selectors.dashboard(user_scope(admin), zone=zone)
        assert 0.85 <= board["coverage_rate"] <= 0.95, board["coverage_rate"]
        assert 0 < board["overdue"] <= 0.01 * board["households"]
        assert len(board["coverage_trend"]) > 5  # the weekly snapshots of the year feed the trend
    rates = [r["rate"] for r in selectors.coverage(Household.objects.all(), by="grid")]
    assert min(rates) < 0.8  # some grids lag behind


def test_visits_have_the_shape_of_the_year(seeded):
    today = selectors.today()
    visits = Visit.objects.all()
    assert visits.count() > 5 * Household.objects.count()
    assert not visits.filter(visited_on__gt=today).exists()
    assert not visits.filter(visited_on__lt=today - datetime.timedelta(days=365)).exists()
    assert set(visits.values_list("method", flat=True).distinct()) == {"in_person", "phone", "online"}
    assert not visits.filter(duties=[]).exists() and not visits.filter(visitor_member__isnull=True).exists()
    per_color = dict(
        HouseholdVisitState.objects.values("household__color").annotate(n=Count("pk"), v=Count("visits"))
        .values_list("household__color", "n")
    )
    assert set(per_color) == set(COLORS)
    visits_per_household = {
        c: Visit.objects.filter(household__color=c).count() / Household.objects.filter(color=c).count() for c in COLORS
    }
    assert visits_per_household["red"] > 4 * visits_per_household["green"]  # red households visited more often
    assert ColorChange.objects.exclude(reason="").count() == ColorChange.objects.count() > 0


def test_visit_state_and_due_dates_follow_the_last_visit_and_the_color(seeded):
    """next_visit_due = last visit + its colour's interval, except after a raise (the new interval counts from the
    change) and before the first visit (registration + interval)."""
    policies = selectors.policies_by_zone()
    raised = set(ColorChange.objects.filter(changed_at__date__gte=selectors.today() - datetime.timedelta(days=90))
                 .values_list("household_id", flat=True))
    states = {s.household_id: s for s in HouseholdVisitState.objects.select_related("last_visit")}
    for h in Household.objects.all():
        interval = datetime.timedelta(days=policies[h.zone_id].intervals[h.color])
        state = states.get(h.pk)
        if state is None:
            assert h.next_visit_due == h.created_at.date() + interval or h.next_visit_due - interval <= selectors.today()
            continue
        assert state.last_visit.visited_on == state.last_visited_on
        if h.pk in raised:
            assert h.next_visit_due >= selectors.today()
        else:
            assert h.next_visit_due == state.last_visited_on + interval, h.pk
    last = dict(Visit.objects.values("household").annotate(n=Count("id")).values_list("household", "n"))
    assert all(last[k] == s.visits for k, s in states.items())


def test_every_case_state_and_level_with_events_agreements_follow_ups(seeded):
    cases = DisputeCase.objects.all()
    assert set(cases.values_list("state", flat=True).distinct()) == set(CaseState.values)
    assert set(cases.values_list("level", flat=True).distinct()) == set(CaseLevel.values)
    assert not cases.filter(events__isnull=True).exists()
    resolved = cases.filter(resolved_at__isnull=False)
    assert resolved.count() == resolved.filter(agreement__isnull=False).count() > 0
    assert not cases.filter(state__in=["follow_up", "closed"], follow_ups__isnull=True).exists()
    assert not cases.filter(state="closed", follow_ups__done_on__isnull=True).exists()
    # open cases moved within the idle limit (else the job would escalate them at once)
    from django.conf import settings
    from django.utils import timezone
    cutoff = timezone.now() - datetime.timedelta(days=settings.MEDIATION_IDLE_DAYS)
    assert not cases.filter(state__in=["received", "classified", "mediating", "unresolved", "escalated"],
                            last_activity_at__lt=cutoff).exists()


def test_every_zone_has_a_room_with_officers_and_a_rota(seeded):
    for zone in WorkZone.objects.all():
        room = MediationRoom.objects.get(zone=zone)
        assert DutyOfficer.objects.filter(room=room).count() >= 5
        assert DutyShift.objects.filter(room=room, date__gte=selectors.today(), officer__isnull=False).exists()
        assert DutyShift.objects.filter(room=room, date__lt=selectors.today()).exists()


def test_reminder_job_ran_and_inbox_has_messages(seeded):
    assert Reminder.objects.exists()
    assert Notification.objects.filter(user__username__in=["grid01", "zone01"]).exists()
    open_reminders = Reminder.objects.filter(closed_on__isnull=True).select_related("household")
    assert all(r.due_on == r.household.next_visit_due for r in open_reminders)


def test_check_tree_finds_nothing(seeded):
    out = io.StringIO()
    call_command("check_tree", stdout=out)
    assert "层级一致" in out.getvalue()


def _digest() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT md5(string_agg(concat_ws(',', household_id, visited_on, method, color, concerns), ';' "
                       "ORDER BY id)) FROM visits_visit")
        visits = cursor.fetchone()[0]
        cursor.execute("SELECT md5(string_agg(concat_ws(',', title, state, level, received_at), ';' ORDER BY id)) "
                       "FROM mediation_disputecase")
        cases = cursor.fetchone()[0]
        cursor.execute("SELECT md5(string_agg(concat_ws(',', id, next_visit_due, color), ';' ORDER BY id)) "
                       "FROM villages_household")
        households = cursor.fetchone()[0]
    return visits, cases, households


def test_same_seed_same_year(seeded):
    before = _digest()
    seed(reset=True)
    assert _digest() == before
    seed(reset=True, seed=7)
    assert _digest()[0] != before[0]


def test_no_activity_skips_the_year(seeded):
    output = seed(reset=True, no_activity=True)
    assert "一年活动" not in output
    assert not Visit.objects.exists() and not DisputeCase.objects.exists()
    assert Household.objects.count() == 4_468


def test_reports_filed_for_the_year_with_frozen_figures(seeded):
    from reports.models import Report, ReportState
    from zones.models import WorkZone

    zones = WorkZone.objects.count()
    monthly = Report.objects.filter(kind="zone_monthly")
    assert monthly.values("period").distinct().count() == 12
    assert monthly.count() >= 10 * zones  # a few months may have a zone's report still missing
    approved = monthly.filter(state=ReportState.APPROVED).exclude(figures={})
    assert approved.exists()
    report = approved.order_by("-period_end").first()
    assert report.figures["visits.total"] > 0 and "上门服务群众" in report.highlights
    assert [s.action for s in report.steps.order_by("created_at")] == ["open", "submit", "approve"]
    assert Report.objects.filter(kind="town_yearly", state=ReportState.APPROVED).exists()
    assert "份工作报告" in seeded
