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
from django.db.models.functions import Now
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


def _band_sql(min_remind: int) -> str:
    """Households whose due date entered their window since the last finished run (``%(last)s``)."""
    return (
        f"h.next_visit_due > %(last)s + {_policy('remind_days_before', DEFAULT_REMIND_DAYS_BEFORE)} "
        f"AND h.next_visit_due > %(last)s + {int(min_remind)}"
    )


GRID_DAYS = _policy("escalate_grid_days", DEFAULT_ESCALATION["escalate_grid_days"])
ZONE_DAYS = (
    f"(CASE WHEN h.color = 'red' THEN {_policy('escalate_zone_red_days', DEFAULT_ESCALATION['escalate_zone_red_days'])} "
    f"ELSE {_policy('escalate_zone_days', DEFAULT_ESCALATION['escalate_zone_days'])} END)"
)
TOWN_DAYS = _policy("escalate_town_days", DEFAULT_ESCALATION["escalate_town_days"])
STEP_DAYS = {"grid": GRID_DAYS, "zone": ZONE_DAYS, "town": TOWN_DAYS}
NEW = "visits_job_new"  # this run's new reminders (temporary table, dropped at commit)


def reminders_create(*, on: datetime.date, last: datetime.date | None) -> int:
    """One reminder row per household and due date, for households whose due date entered the window.

    Without a previous finished run (``last``) every household in its window is considered; otherwise only
    those that entered it since (the services add the reminder themselves when they move a due date into
    the window). A household already past an escalation step when first reminded has that step marked at
    once (and notified by ``escalations_run`` from this run's new rows), so a backlog is not updated row
    by row afterwards.
    """
    max_remind = _bound("remind_days_before", DEFAULT_REMIND_DAYS_BEFORE, max)
    where = _in_window_sql(max_remind)
    if last is not None:
        where += " AND " + _band_sql(_bound("remind_days_before", DEFAULT_REMIND_DAYS_BEFORE, min))
    flags = ", ".join(
        f"CASE WHEN h.next_visit_due < %(today)s - {days} THEN now() END" for days in STEP_DAYS.values()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {NEW} (household_id bigint, due_on date, recipient_id bigint, "
            "color varchar(10), grid boolean, zone boolean, town boolean) ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {NEW}")  # inside an enclosing transaction (tests) it outlives one run
        cursor.execute(
            f"WITH ins AS (INSERT INTO {R} (household_id, due_on, recipient_id, color, created_on, "
            "escalated_grid_at, escalated_zone_at, escalated_town_at) "
            f"SELECT h.id, h.next_visit_due, {RECIPIENT}, h.color, %(today)s, {flags} "
            f"{RECIPIENT_FROM} {POLICY_JOIN} WHERE {where} "
            "ON CONFLICT (household_id, due_on) DO NOTHING "
            "RETURNING household_id, due_on, recipient_id, color, escalated_grid_at IS NOT NULL, "
            "escalated_zone_at IS NOT NULL, escalated_town_at IS NOT NULL) "
            f"INSERT INTO {NEW} SELECT * FROM ins",
            {"today": on, "last": last},
        )
        return cursor.rowcount


def reminders_ensure(*, where_sql: str, params: dict) -> int:
    """Add the missing reminder of households (``where_sql`` on ``h``) whose due date a service just moved
    into their window, so the daily job only has to look at the dates that entered it since its last run."""
    max_remind = _bound("remind_days_before", DEFAULT_REMIND_DAYS_BEFORE, max)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {R} (household_id, due_on, recipient_id, color, created_on) "
            f"SELECT h.id, h.next_visit_due, {RECIPIENT}, h.color, %(today)s "
            f"{RECIPIENT_FROM} {POLICY_JOIN} WHERE ({where_sql}) AND {_in_window_sql(max_remind)} "
            "ON CONFLICT (household_id, due_on) DO NOTHING",
            {**params, "today": selectors.today()},
        )
        return cursor.rowcount


def digests_send(*, on: datetime.date, last: datetime.date | None, last_finished_at=None) -> int:
    """The ladder's first step, the member: one notification a day for each person a household is (now) assigned to
    whose reminder was created since the last run, or who fell overdue since then; it counts all their households due.

    The person is the household's current first contact (its linked member's account, else its grid worker), so a
    link made after the reminder was written still reaches the right member. Everything is driven by indexes from
    the few households that changed: those reminded since the last run and those that fell overdue since.
    """
    overdue = selectors.OVERDUE_SQL
    new_since = "" if last_finished_at is None else "WHERE created_at > %(finished)s"
    overdue_since = "" if last is None else "h.next_visit_due >= %(last)s AND "
    max_remind = _bound("remind_days_before", DEFAULT_REMIND_DAYS_BEFORE, max)
    in_window = _in_window_sql(max_remind)
    fresh = (  # two index-driven parts (an OR of both would scan every household)
        f"SELECT {RECIPIENT} AS user_id {RECIPIENT_FROM} "
        f"JOIN (SELECT DISTINCT household_id FROM {R} {new_since}) n ON n.household_id = h.id "
        f"UNION SELECT {RECIPIENT} {RECIPIENT_FROM} WHERE {overdue_since}{overdue}"
    )
    with_sql = (
        f"WITH fresh AS ({fresh}), "
        "mine AS ("
        f"  SELECT m.user_id AS rcpt, h.next_visit_due FROM {M} m JOIN {L} l ON l.member_id = m.id "
        f"  JOIN {H} h ON h.id = l.household_id {POLICY_JOIN} "
        f"  WHERE m.user_id IN (SELECT user_id FROM fresh) AND m.left_on IS NULL AND {in_window} "
        "  UNION ALL "
        f"  SELECT g.worker_user_id, h.next_visit_due FROM {G} g JOIN {H} h ON h.grid_id = g.id {POLICY_JOIN} "
        f"  LEFT JOIN {L} l ON l.household_id = h.id LEFT JOIN {M} m ON m.id = l.member_id AND m.left_on IS NULL "
        f"  WHERE g.worker_user_id IN (SELECT user_id FROM fresh) AND m.user_id IS NULL AND {in_window})"
    )
    count_overdue = "count(*) FILTER (WHERE mine.next_visit_due < %(today)s)"
    select = (
        "SELECT mine.rcpt, 'visit_reminder', '走访提醒', "
        f"'您有 ' || count(*) || ' 户待走访' || CASE WHEN {count_overdue} > 0 "
        f"THEN '，其中 ' || {count_overdue} || ' 户已逾期' ELSE '' END, "
        "'/visits/my/', 'visit-reminder:' || %(day)s FROM mine GROUP BY mine.rcpt"
    )
    params = {"today": on, "day": on.isoformat(), "last": last, "finished": last_finished_at}
    return len(notify_select(with_sql=with_sql, select_sql=select, params=params))


RECIPIENTS = {
    "grid": f"SELECT g.worker_user_id AS user_id, esc.color FROM esc JOIN {G} g ON g.id = esc.grid_id "
            "WHERE g.worker_user_id IS NOT NULL",
    "zone": f"SELECT ra.user_id, esc.color FROM esc JOIN {RA} ra ON ra.zone_id = esc.zone_id AND ra.role = 'zone_committee'",
    "town": f"SELECT ra.user_id, esc.color FROM esc JOIN {RA} ra ON ra.town_id = esc.town_id AND ra.role = 'town_staff'",
}
RED_FIRST = "count(*) FILTER (WHERE rcpt.color = 'red')"
STEP_MESSAGES = {
    "grid": ("网格走访逾期告知",
             f"'您负责的网格有 ' || count(*) || ' 户走访已逾期（其中红色 ' || {RED_FIRST} || ' 户），请联系联户党员尽快走访'",
             "'/visits/my/?overdue=1'"),
    "zone": ("走访逾期上报（工作区）",
             f"'红色户 ' || {RED_FIRST} || ' 户、其他 ' || (count(*) - {RED_FIRST}) || ' 户走访逾期已超过上报时限，请督促走访'",
             "'/visits/dashboard/?overdue=1'"),
    "town": ("走访逾期上报（街道）",
             f"'红色户 ' || {RED_FIRST} || ' 户、其他 ' || (count(*) - {RED_FIRST}) || ' 户走访逾期已超过上报时限，请督促走访'",
             "'/visits/dashboard/?overdue=1'"),
}


def _escalate(*, step: str, on: datetime.date, token: str) -> int:
    """Escalate to `step` every open reminder that has passed its day and was not escalated there yet, and notify
    the step's recipients in the same statement (so each step notifies once). Two sources: older reminders,
    flagged now by an UPDATE, and this run's new reminders, flagged as they were inserted."""
    flag = f"escalated_{step}_at"
    min_days = {"grid": _bound("escalate_grid_days", DEFAULT_ESCALATION["escalate_grid_days"], min),
                "zone": _bound("escalate_zone_red_days", DEFAULT_ESCALATION["escalate_zone_red_days"], min),
                "town": _bound("escalate_town_days", DEFAULT_ESCALATION["escalate_town_days"], min)}[step]
    with_sql = (
        f"WITH flagged AS (UPDATE {R} r SET {flag} = now() FROM {H} h {POLICY_JOIN} "
        f"WHERE r.household_id = h.id AND r.due_on = h.next_visit_due AND r.{flag} IS NULL "
        f"AND h.next_visit_due < %(today)s - {STEP_DAYS[step]} AND h.next_visit_due < %(today)s - {int(min_days)} "
        f"RETURNING h.grid_id, h.zone_id, h.town_id, h.color), "
        f"esc AS (SELECT * FROM flagged UNION ALL SELECT h.grid_id, h.zone_id, h.town_id, n.color FROM {NEW} n "
        f"JOIN {H} h ON h.id = n.household_id WHERE n.{step})"
    )
    title, body, link = STEP_MESSAGES[step]
    select = (
        f"SELECT rcpt.user_id, 'visit_escalation', '{title}', {body}, {link}, "
        f"'visit-escalation:{step}:' || %(day)s || ':' || %(token)s "
        f"FROM ({RECIPIENTS[step]}) rcpt GROUP BY rcpt.user_id"
    )
    return len(notify_select(with_sql=with_sql, select_sql=select,
                             params={"today": on, "day": on.isoformat(), "token": token}))


def escalations_run(*, on: datetime.date) -> dict:
    """The escalation ladder past the member: grid worker, zone committee (red households sooner), town staff."""
    token = uuid.uuid4().hex[:12]
    return {step: _escalate(step=step, on=on, token=token) for step in ("grid", "zone", "town")}


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


def last_finished_run(on: datetime.date) -> tuple[datetime.date | None, datetime.datetime | None]:
    """The date and finishing time of the latest finished run up to `on`."""
    row = (
        ReminderRun.objects.filter(run_on__lte=on, finished_at__isnull=False).order_by("-run_on")
        .values_list("run_on", "finished_at").first()
    )
    return row if row is not None else (None, None)


def reminder_job_run(*, on: datetime.date | None = None, full: bool = False) -> dict:
    """The daily job: plan, remind, escalate, digest — one transaction, so a run that dies leaves nothing half
    done; idempotent; capped at N unfinished attempts per day. ``full`` looks at every household in its window,
    not only at the due dates that entered it since the last run (weekly drift repair)."""
    on = on or selectors.today()
    with transaction.atomic():
        run, _ = ReminderRun.objects.select_for_update().get_or_create(run_on=on)
        if run.finished_at is None and run.attempts >= _max_attempts():
            logger.error("visit reminder job for %s gave up after %s attempts", on, run.attempts)
            return {"date": on.isoformat(), "skipped": "attempts_exhausted", "attempts": run.attempts}
        run.attempts += 1
        run.started_at = timezone.now()
        run.save(update_fields=["attempts", "started_at"])
    stats: dict = {"date": on.isoformat(), "full": full}
    timings: dict = {}
    try:
        with job_lock(), transaction.atomic():
            last, finished_at = last_finished_run(on)
            stats["since"] = last.isoformat() if last else None
            for name, step in (
                ("planned", services.households_plan_missing),
                ("reminders", lambda: reminders_create(on=on, last=None if full else last)),
                ("escalations", lambda: escalations_run(on=on)),
                ("digests", lambda: digests_send(on=on, last=last, last_finished_at=finished_at)),
            ):
                started = time.perf_counter()
                stats[name] = step()
                timings[name] = round(time.perf_counter() - started, 3)
            stats["seconds"] = timings
            # the database clock, like the reminders' created_at: this run's own rows are not "since" it
            ReminderRun.objects.filter(pk=run.pk).update(finished_at=Now(), stats=stats, last_error="")
    except Exception as exc:
        ReminderRun.objects.filter(pk=run.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
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
