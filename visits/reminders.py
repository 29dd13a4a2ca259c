"""The daily reminder job, set-based: reminders, the members' daily digest, the escalation ladder.

Every step is one SQL statement (``INSERT … SELECT … ON CONFLICT DO NOTHING`` or an
``UPDATE … RETURNING`` feeding one ``INSERT``), committed on its own, in an order that makes
the whole job safe to run again at any point:

1. households without a due date get one;
2. one reminder row per (household, due date) for every household due within its policy's
   reminder window (overdue included) — unique, so a re-run or a concurrent run adds nothing;
3. one notification per member per day ("您有 5 户待走访，其中 2 户已逾期"), deduplicated by
   (user, "visit-reminder:<date>");
4. the ladder, each step a number of days past due from the policy: grid worker → zone
   committee (red households sooner) → town staff. A step flags the reminder rows it escalates
   and creates the notifications for them in the same statement, so each step notifies once.

Runs are serialised by a session advisory lock, which also tells the sweeper whether a run is
alive: a killed worker's connection drops and releases it.
"""
from __future__ import annotations

import contextlib
import datetime
import logging
import time
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import RoleAssignment
from members.models import HouseholdLink, PartyMember
from notifications.services import notify_select
from villages.models import Household, MicroGrid

from . import selectors, services
from .models import (
    DEFAULT_ESCALATION, DEFAULT_INTERVALS, DEFAULT_REMIND_DAYS_BEFORE, CoverageSnapshot, HouseholdVisitState, Reminder,
    ReminderRun, VisitPolicy,
)

logger = logging.getLogger("visits")

JOB_LOCK_KEY = 0x7669_7369_7473  # "visits": one key for the daily job
H = Household._meta.db_table
G = MicroGrid._meta.db_table
L = HouseholdLink._meta.db_table
M = PartyMember._meta.db_table
P = VisitPolicy._meta.db_table
R = Reminder._meta.db_table
RA = RoleAssignment._meta.db_table
S = HouseholdVisitState._meta.db_table
C = CoverageSnapshot._meta.db_table

POLICY_JOIN = (
    f"LEFT JOIN {P} zp ON zp.zone_id = h.zone_id "
    f"LEFT JOIN {P} tp ON tp.town_id = h.town_id AND tp.zone_id IS NULL"
)


def _policy(field: str, default: int) -> str:
    return f"COALESCE(zp.{field}, tp.{field}, {int(default)})"


def _bound(field: str, default: int, fn: str) -> int:
    """max/min of a policy field over all policies (and the default): a constant bound the indexes can use."""
    values = list(VisitPolicy.objects.values_list(field, flat=True).distinct()) + [default]
    return fn(values)


# The recipient of a household's reminder: its linked (active) member's account, else its grid worker.
RECIPIENT_FROM = (
    f"FROM {H} h JOIN {G} g ON g.id = h.grid_id "
    f"LEFT JOIN {L} l ON l.household_id = h.id "
    f"LEFT JOIN {M} m ON m.id = l.member_id AND m.left_on IS NULL "
)
RECIPIENT = "COALESCE(m.user_id, g.worker_user_id)"


def _in_window_sql(max_remind: int) -> str:
    # the first condition is the exact per-policy window; the second is a constant the index on next_visit_due can use
    return (
        f"h.next_visit_due <= %(today)s + {_policy('remind_days_before', DEFAULT_REMIND_DAYS_BEFORE)} "
        f"AND h.next_visit_due <= %(today)s + {int(max_remind)}"
    )


def reminders_create(*, on: datetime.date) -> int:
    """Step 2: one reminder row per household and due date, for every household due within its window."""
    max_remind = _bound("remind_days_before", DEFAULT_REMIND_DAYS_BEFORE, max)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {R} (household_id, due_on, recipient_id, color, created_on) "
            f"SELECT h.id, h.next_visit_due, {RECIPIENT}, h.color, %(today)s "
            f"{RECIPIENT_FROM} {POLICY_JOIN} "
            f"WHERE {_in_window_sql(max_remind)} "
            "ON CONFLICT (household_id, due_on) DO NOTHING",
            {"today": on},
        )
        return cursor.rowcount


def digests_send(*, on: datetime.date) -> int:
    """Step 3 (the ladder's first step, the member): one notification per member per day."""
    max_remind = _bound("remind_days_before", DEFAULT_REMIND_DAYS_BEFORE, max)
    overdue = selectors.OVERDUE_SQL
    select = (
        f"SELECT {RECIPIENT}, 'visit_reminder', '走访提醒', "
        f"'您有 ' || count(*) || ' 户待走访' || CASE WHEN count(*) FILTER (WHERE {overdue}) > 0 "
        f"THEN '，其中 ' || count(*) FILTER (WHERE {overdue}) || ' 户已逾期' ELSE '' END, "
        f"'/visits/my/', 'visit-reminder:' || %(day)s "
        f"{RECIPIENT_FROM} {POLICY_JOIN} "
        f"WHERE {_in_window_sql(max_remind)} AND {RECIPIENT} IS NOT NULL "
        f"GROUP BY {RECIPIENT}"
    )
    return len(notify_select(select_sql=select, params={"today": on, "day": on.isoformat()}))


def _escalate(*, step: str, on: datetime.date, days_sql: str, min_days: int, recipients_sql: str, title: str,
              body_sql: str, link_sql: str, token: str) -> int:
    """Flag the reminders that reach `step` today and notify the step's recipients, in one statement.

    Returns the number of notifications created. The token makes each run's notifications distinct:
    the rows a run flags are never flagged again, so nothing is notified twice.
    """
    flag = f"escalated_{step}_at"
    with_sql = (
        f"WITH esc AS (UPDATE {R} r SET {flag} = now() FROM {H} h {POLICY_JOIN} "
        f"WHERE r.household_id = h.id AND r.due_on = h.next_visit_due AND r.{flag} IS NULL "
        f"AND h.next_visit_due < %(today)s - {days_sql} AND h.next_visit_due < %(today)s - {int(min_days)} "
        f"RETURNING r.id, h.grid_id, h.zone_id, h.town_id, h.color)"
    )
    select = (
        f"SELECT rcpt.user_id, 'visit_escalation', '{title}', {body_sql}, {link_sql}, "
        f"'visit-escalation:{step}:' || %(day)s || ':' || %(token)s "
        f"FROM ({recipients_sql}) rcpt GROUP BY rcpt.user_id"
    )
    params = {"today": on, "day": on.isoformat(), "token": token}
    with transaction.atomic():
        return len(notify_select(with_sql=with_sql, select_sql=select, params=params))


def escalations_run(*, on: datetime.date) -> dict:
    """Step 4: the escalation ladder past the member: grid worker, zone committee (red first), town staff."""
    token = uuid.uuid4().hex[:12]
    red_first = "count(*) FILTER (WHERE rcpt.color = 'red')"
    others = "count(*) FILTER (WHERE rcpt.color <> 'red')"
    body = (
        f"'红色户 ' || {red_first} || ' 户、其他 ' || {others} || ' 户走访逾期已超过上报时限，请督促走访'"
    )
    grid_days = _policy("escalate_grid_days", DEFAULT_ESCALATION["escalate_grid_days"])
    zone_days = (
        f"(CASE WHEN h.color = 'red' THEN {_policy('escalate_zone_red_days', DEFAULT_ESCALATION['escalate_zone_red_days'])} "
        f"ELSE {_policy('escalate_zone_days', DEFAULT_ESCALATION['escalate_zone_days'])} END)"
    )
    town_days = _policy("escalate_town_days", DEFAULT_ESCALATION["escalate_town_days"])
    stats = {}
    stats["grid"] = _escalate(
        step="grid", on=on, days_sql=grid_days,
        min_days=_bound("escalate_grid_days", DEFAULT_ESCALATION["escalate_grid_days"], min),
        recipients_sql=f"SELECT g.worker_user_id AS user_id, esc.color FROM esc JOIN {G} g ON g.id = esc.grid_id "
                       "WHERE g.worker_user_id IS NOT NULL",
        title="网格走访逾期告知",
        body_sql=f"'您负责的网格有 ' || count(*) || ' 户走访已逾期（其中红色 ' || {red_first} || ' 户），请联系联户党员尽快走访'",
        link_sql="'/visits/my/?overdue=1'", token=token,
    )
    stats["zone"] = _escalate(
        step="zone", on=on, days_sql=zone_days,
        min_days=_bound("escalate_zone_red_days", DEFAULT_ESCALATION["escalate_zone_red_days"], min),
        recipients_sql=f"SELECT ra.user_id, esc.color FROM esc JOIN {RA} ra ON ra.zone_id = esc.zone_id "
                       "AND ra.role = 'zone_committee'",
        title="走访逾期上报（工作区）", body_sql=body, link_sql="'/visits/dashboard/?overdue=1'", token=token,
    )
    stats["town"] = _escalate(
        step="town", on=on, days_sql=town_days,
        min_days=_bound("escalate_town_days", DEFAULT_ESCALATION["escalate_town_days"], min),
        recipients_sql=f"SELECT ra.user_id, esc.color FROM esc JOIN {RA} ra ON ra.town_id = esc.town_id "
                       "AND ra.role = 'town_staff'",
        title="走访逾期上报（街道）", body_sql=body, link_sql="'/visits/dashboard/?overdue=1'", token=token,
    )
    return stats


@contextlib.contextmanager
def job_lock():
    """Serialise runs of the daily job (session advisory lock; a dead worker's connection releases it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [JOB_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [JOB_LOCK_KEY])


def job_is_running() -> bool:
    """True while some live connection holds the job lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [JOB_LOCK_KEY])
        acquired = cursor.fetchone()[0]
        if acquired:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [JOB_LOCK_KEY])
    return not acquired


def _max_attempts() -> int:
    return int(getattr(settings, "VISIT_REMINDER_MAX_ATTEMPTS", 3))


def reminder_job_run(*, on: datetime.date | None = None) -> dict:
    """The daily job: plan, remind, digest, escalate. Idempotent; capped at N unfinished attempts per day."""
    on = on or selectors.today()
    with transaction.atomic():
        run, _ = ReminderRun.objects.select_for_update().get_or_create(run_on=on)
        if run.finished_at is None and run.attempts >= _max_attempts():
            logger.error("visit reminder job for %s gave up after %s attempts", on, run.attempts)
            return {"date": on.isoformat(), "skipped": "attempts_exhausted", "attempts": run.attempts}
        run.attempts += 1
        run.started_at = timezone.now()
        run.save(update_fields=["attempts", "started_at"])
    stats: dict = {"date": on.isoformat()}
    timings: dict = {}
    try:
        with job_lock():
            for name, step in (
                ("planned", services.households_plan_missing),
                ("reminders", lambda: reminders_create(on=on)),
                ("digests", lambda: digests_send(on=on)),
                ("escalations", lambda: escalations_run(on=on)),
            ):
                started = time.perf_counter()
                stats[name] = step()
                timings[name] = round(time.perf_counter() - started, 3)
    except Exception as exc:
        ReminderRun.objects.filter(pk=run.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    stats["seconds"] = timings
    ReminderRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), stats=stats, last_error="")
    return stats


def scheduled_run_date(now: datetime.datetime | None = None) -> datetime.date:
    """The date of the latest scheduled run: today once the reminder hour has passed, else yesterday."""
    local = timezone.localtime(now)
    hour, minute = int(settings.VISIT_REMINDER_HOUR), int(getattr(settings, "VISIT_REMINDER_MINUTE", 0))
    if (local.hour, local.minute) >= (hour, minute):
        return local.date()
    return local.date() - datetime.timedelta(days=1)


def reminder_sweep(*, now: datetime.datetime | None = None) -> dict:
    """Re-run the latest scheduled job if it never finished and no live worker is running it."""
    on = scheduled_run_date(now)
    run = ReminderRun.objects.filter(run_on=on).first()
    if run is not None and run.finished_at is not None:
        return {"date": on.isoformat(), "action": "none"}
    if job_is_running():
        return {"date": on.isoformat(), "action": "running"}
    return {"date": on.isoformat(), "action": "rerun", "result": reminder_job_run(on=on)}


def coverage_snapshot_take(*, on: datetime.date | None = None) -> int:
    """Write today's coverage per village (for the trend charts), set-based; re-running replaces the day's rows."""
    on = on or selectors.today()
    interval = " ".join(f"WHEN '{c}' THEN {_policy(f'{c}_days', d)}" for c, d in DEFAULT_INTERVALS.items())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {C} (taken_on, village_id, zone_id, town_id, households, covered, overdue) "
            f"SELECT %(today)s, h.village_id, h.zone_id, h.town_id, count(*), "
            f"count(*) FILTER (WHERE s.last_visited_on >= %(today)s - (CASE h.color {interval} END)), "
            f"count(*) FILTER (WHERE {selectors.OVERDUE_SQL}) "
            f"FROM {H} h LEFT JOIN {S} s ON s.household_id = h.id {POLICY_JOIN} "
            "GROUP BY h.village_id, h.zone_id, h.town_id "
            "ON CONFLICT (taken_on, village_id) DO UPDATE SET households = EXCLUDED.households, "
            "covered = EXCLUDED.covered, overdue = EXCLUDED.overdue, zone_id = EXCLUDED.zone_id, town_id = EXCLUDED.town_id",
            {"today": on},
        )
        return cursor.rowcount
