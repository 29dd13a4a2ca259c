"""The planning module: every SQL statement that plans households' visits and reminders lives here.

Services say *which* households changed with a ``HouseholdSelection`` (a small frozen dataclass); this module
alone turns it into SQL (``HouseholdSelection.where``). The policy in force is ``visits/policies.py``'s one
definition (``policy_join`` / ``policy_value``). Notifications are written through
``notifications.services.notification_batch`` (this module fills its staging table; no SQL crosses into
notifications). ``bench/visits_reminders.py`` imports the job's statements from here.

The daily reminder job, set-based: reminders, the members' daily digest, the escalation ladder.

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

Runs are serialised by a transaction-level advisory lock (``JOB_LOCK_KEY``) taken first in the run's one
transaction, which also tells the sweeper whether a run is alive: a killed worker's connection drops, its
transaction aborts and the lock goes with it. Transaction-level, not session-level, so it works behind a
connection pooler in transaction mode (pgbouncer), where a session lock would stay with whichever server
connection the pooler handed out and never be released by the run that took it.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
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
from notifications.models import Notification
from notifications.services import notification_batch
from villages.models import Household, MicroGrid

from . import policies, selectors
from .models import (
    COLORS, DEFAULT_REMIND_DAYS_BEFORE, CoverageSnapshot, HouseholdVisitState, Reminder, ReminderRun, VisitPolicy,
)

logger = logging.getLogger("visits")

JOB_LOCK_KEY = 0x7669_7369_7473  # "visits": one key for the daily job
# Held (transaction-level) by the job while it writes reminders, shared by the services that add one: the job's
# candidates, read once, cannot be added behind its back, so it inserts them without ON CONFLICT (whose
# speculative insertion costs more than a third of a 700,000-row insert). The unique index still guards.
REMINDER_WRITE_KEY = 0x7669_7369_7472
H = Household._meta.db_table
G = MicroGrid._meta.db_table
L = HouseholdLink._meta.db_table
M = PartyMember._meta.db_table
R = Reminder._meta.db_table
RA = RoleAssignment._meta.db_table
S = HouseholdVisitState._meta.db_table
C = CoverageSnapshot._meta.db_table
NOTIFICATIONS = Notification._meta.db_table

POLICY_JOIN = policies.policy_join("h")


@dataclasses.dataclass(frozen=True)
class HouseholdSelection:
    """Which households a planning step is about; the criteria given are ANDed (``all=True``: every household).

    Turned into SQL by ``where`` (on the household aliased ``h``), here and nowhere else."""

    household_ids: tuple[int, ...] | None = None
    grid_id: int | None = None
    natural_village_id: int | None = None
    village_id: int | None = None
    zone_id: int | None = None
    town_id: int | None = None
    except_zone_ids: tuple[int, ...] = ()  # e.g. a town policy governs its zones without their own
    all: bool = False

    def __post_init__(self):
        if self.household_ids is not None:
            object.__setattr__(self, "household_ids", tuple(int(i) for i in self.household_ids))
        object.__setattr__(self, "except_zone_ids", tuple(int(i) for i in self.except_zone_ids))
        nodes = (self.grid_id, self.natural_village_id, self.village_id, self.zone_id, self.town_id)
        if not self.all and self.household_ids is None and all(n is None for n in nodes):
            raise ValueError("HouseholdSelection needs household_ids, a node id or all=True")

    def where(self) -> tuple[str, dict]:
        """SQL condition on ``h`` and its parameters (named ``sel_*``, so they mix with a statement's own)."""
        if self.all:
            return "true", {}
        terms, params = [], {}
        if self.household_ids is not None:
            if len(self.household_ids) == 1:
                terms.append("h.id = %(sel_household)s")
                params["sel_household"] = self.household_ids[0]
            else:
                terms.append("h.id = ANY(%(sel_households)s)")
                params["sel_households"] = list(self.household_ids)
        for column in ("grid_id", "natural_village_id", "village_id", "zone_id", "town_id"):
            value = getattr(self, column)
            if value is not None:
                terms.append(f"h.{column} = %(sel_{column})s")
                params[f"sel_{column}"] = int(value)
        if self.except_zone_ids:
            terms.append("h.zone_id <> ALL(%(sel_except_zones)s)")
            params["sel_except_zones"] = list(self.except_zone_ids)
        return " AND ".join(terms), params


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
# The same person looked up per household: for a day's band of a few ten thousand households, index lookups
# beat joining the whole link table (the planner, unable to estimate the band, picks the hash join).
RECIPIENT_LOOKUP = (
    f"COALESCE((SELECT m.user_id FROM {L} l JOIN {M} m ON m.id = l.member_id AND m.left_on IS NULL "
    f"WHERE l.household_id = h.id), (SELECT g.worker_user_id FROM {G} g WHERE g.id = h.grid_id))"
)


@dataclasses.dataclass(frozen=True)
class PolicySql:
    """How a statement reads the policy in force of household ``h``: ``join`` brings the policies in, ``value``
    reads a field. ``IN_FORCE`` is the job's (``visits/policies.py``); ``DEFAULTS_ONLY`` puts the defaults in as
    constants, for the raw-SQL floor of ``bench/visits_reminders.py`` (the same statements, no policy join)."""

    join: str
    value: Callable[[str], str]

    def step_days(self) -> dict[str, str]:
        """Days past due of each step of the ladder (red households reach the zone sooner)."""
        return {
            "grid": self.value("escalate_grid_days"),
            "zone": f"(CASE WHEN h.color = 'red' THEN {self.value('escalate_zone_red_days')} "
                    f"ELSE {self.value('escalate_zone_days')} END)",
            "town": self.value("escalate_town_days"),
        }


IN_FORCE = PolicySql(join=POLICY_JOIN, value=policies.policy_value)
DEFAULTS_ONLY = PolicySql(join="", value=lambda field: str(int(policies.DEFAULTS[field])))


def _in_window_sql(max_remind: int, min_remind: int | None = None, policy: PolicySql = IN_FORCE) -> str:
    """Due within the policy's reminder window. The constant bound lets the index on next_visit_due drive the
    query; when every policy has the same window (``min_remind`` equal) it is exact, and the planner's row
    estimate stays right (an extra COALESCE condition it cannot estimate makes it pick nested loops)."""
    bound = f"h.next_visit_due <= %(today)s + {int(max_remind)}"
    if min_remind == max_remind:
        return bound
    return f"h.next_visit_due <= %(today)s + {policy.value('remind_days_before')} AND {bound}"


def _band_sql(min_remind: int, max_remind: int | None = None, policy: PolicySql = IN_FORCE) -> str:
    """Households whose due date entered their window since the last finished run (``%(last)s``)."""
    bound = f"h.next_visit_due > %(last)s + {int(min_remind)}"
    if min_remind == max_remind:
        return bound
    return f"h.next_visit_due > %(last)s + {policy.value('remind_days_before')} AND {bound}"


def _window_bounds() -> tuple[int, int]:
    return (_bound("remind_days_before", DEFAULT_REMIND_DAYS_BEFORE, min),
            _bound("remind_days_before", DEFAULT_REMIND_DAYS_BEFORE, max))


STEP_DAYS = IN_FORCE.step_days()
STEPS = tuple(STEP_DAYS)
SRC = "visits_job_src"  # this run's candidate reminders (temporary table, dropped at commit)


def _passed_sql(step: str, due: str = "h.next_visit_due", days: dict[str, str] = STEP_DAYS) -> str:
    """The household (``h``, with the policy join) is past `step` today: ``due < today − days``."""
    return f"({due} < %(today)s - {days[step]})"


def _next_step_sql(done: dict[str, str], due: str = "h.next_visit_due", days: dict[str, str] = STEP_DAYS) -> str:
    """The day the first step not yet done falls due (``due + days + 1``), NULL once all are done."""
    whens = " ".join(f"WHEN NOT ({done[step]}) THEN {due} + {days[step]} + 1" for step in STEPS)
    return f"(CASE {whens} END)"


# Settings for the job's few large statements, set once by `reminder_job_run` for its transaction (the steps
# below run only inside it): hash joins and aggregates over hundreds of thousands of rows stay in memory, and
# no JIT compilation for statements that run once; the web requests keep the other core.
JOB_SESSION = ("SET LOCAL work_mem = '128MB'", "SET LOCAL jit = off", "SET LOCAL max_parallel_workers_per_gather = 0")
SRC_TABLE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {SRC} (household_id bigint, due_on date, recipient_id bigint, "
    "color varchar(10), grid_id bigint, zone_id bigint, town_id bigint, grid boolean, zone boolean, "
    "town boolean, next_step_on date) ON COMMIT DROP"
)


def _job_session(cursor) -> None:
    for statement in JOB_SESSION:
        cursor.execute(statement)


def _src_table(cursor) -> None:
    cursor.execute(SRC_TABLE)


def candidates_statement(*, since_last: bool, min_remind: int, max_remind: int, policy: PolicySql = IN_FORCE) -> str:
    """Fill ``SRC`` with the households due in their window and not reminded for that date yet (``since_last``:
    only those whose date entered the window since ``%(last)s``), with the steps they are already past."""
    days = policy.step_days()
    where = _in_window_sql(max_remind, min_remind, policy)
    if since_last:
        where += " AND " + _band_sql(min_remind, max_remind, policy)
    passed = {step: _passed_sql(step, days=days) for step in STEPS}
    # not reminded yet for this date; a day's band is looked up household by household (index probes),
    # a whole window is joined
    existing = f"SELECT 1 FROM {R} r WHERE r.household_id = h.id AND r.due_on = h.next_visit_due"
    if not since_last:
        recipient, source, new = RECIPIENT, RECIPIENT_FROM, f"NOT EXISTS ({existing})"
    else:
        recipient, source, new = RECIPIENT_LOOKUP, f"FROM {H} h", f"({existing}) IS NULL"
    return (
        f"INSERT INTO {SRC} SELECT h.id, h.next_visit_due, {recipient}, h.color, h.grid_id, h.zone_id, h.town_id, "
        f"{passed['grid']}, {passed['zone']}, {passed['town']}, {_next_step_sql(passed, days=days)} "
        f"{source} {policy.join} WHERE {where} AND {new}"
    )


# This run's candidates become reminders, the steps they were created past marked at once.
REMINDERS_FROM_SRC = (
    f"INSERT INTO {R} (household_id, due_on, recipient_id, color, created_on, next_step_on, "
    "escalated_grid_at, escalated_zone_at, escalated_town_at) "
    "SELECT household_id, due_on, recipient_id, color, %(today)s, next_step_on, "
    "CASE WHEN grid THEN now() END, CASE WHEN zone THEN now() END, CASE WHEN town THEN now() END "
    f"FROM {SRC}"
)


def sync_statements(where_sql: str, *, min_remind: int, max_remind: int,
                    policy: PolicySql = IN_FORCE) -> tuple[str, str]:
    """``reminders_sync``'s two statements for the households ``where_sql`` (on ``h``): the UPDATE that closes,
    re-addresses and re-dates their open reminders, and the INSERT of a reminder now due in the window."""
    days = policy.step_days()
    done = {step: f"r.escalated_{step}_at IS NOT NULL" for step in STEPS}
    next_step = _next_step_sql(done, due="r.due_on", days=days)
    moved = "h.next_visit_due IS DISTINCT FROM r.due_on"
    update = (
        f"UPDATE {R} r SET closed_on = CASE WHEN {moved} THEN %(today)s END, "
        f"next_step_on = CASE WHEN {moved} THEN NULL ELSE {next_step} END, "
        f"recipient_id = CASE WHEN {moved} THEN r.recipient_id ELSE {RECIPIENT} END "
        f"{RECIPIENT_FROM} {policy.join} WHERE r.household_id = h.id AND r.closed_on IS NULL AND ({where_sql}) "
        f"AND ({moved} OR r.recipient_id IS DISTINCT FROM {RECIPIENT} OR r.next_step_on IS DISTINCT FROM {next_step})"
    )
    none_done = {step: "false" for step in STEPS}
    insert = (
        f"INSERT INTO {R} (household_id, due_on, recipient_id, color, created_on, next_step_on) "
        f"SELECT h.id, h.next_visit_due, {RECIPIENT}, h.color, %(today)s, {_next_step_sql(none_done, days=days)} "
        f"{RECIPIENT_FROM} {policy.join} WHERE ({where_sql}) AND {_in_window_sql(max_remind, min_remind, policy)} "
        "ON CONFLICT (household_id, due_on) DO NOTHING"
    )
    return update, insert


def households_plan_missing() -> int:
    """Give every household without a due date one (registration date + its color's interval), set-based;
    archived households keep none."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {H} t SET next_visit_due = p.due FROM ("
            f"  SELECT h.id, (h.created_at AT TIME ZONE %(tz)s)::date + {policies.interval_sql('h')} AS due "
            f"  FROM {H} h {POLICY_JOIN} WHERE h.next_visit_due IS NULL AND h.archived_at IS NULL) p "
            "WHERE t.id = p.id RETURNING t.id",
            {"tz": timezone.get_current_timezone_name()},
        )
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        reminders_sync(HouseholdSelection(household_ids=ids))
    return len(ids)


def _shift_where(selection: HouseholdSelection, days: dict[str, int]) -> tuple[list[str], str, dict]:
    """The households a shift by ``days[color]`` moves: the one condition of the UPDATE and of its preview."""
    changed = [c for c in COLORS if days.get(c)]
    where, params = selection.where()
    return changed, f"{where} AND h.color = ANY(%(colors)s) AND h.next_visit_due IS NOT NULL", {**params, "colors": changed}


def households_shift_due(selection: HouseholdSelection, *, days: dict[str, int]) -> int:
    """Move the due dates of the selected households by ``days[color]`` (a policy's new − old interval), one UPDATE."""
    changed, where, params = _shift_where(selection, days)
    if not changed:
        return 0
    case = " ".join(f"WHEN '{c}' THEN {int(days[c])}" for c in changed)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {H} h SET next_visit_due = h.next_visit_due + (CASE h.color {case} ELSE 0 END), "
            f"updated_at = now() WHERE {where}",
            params,
        )
        return cursor.rowcount


def households_shift_count(selection: HouseholdSelection, *, days: dict[str, int]) -> dict[str, int]:
    """How many households ``households_shift_due`` would move, by color (its preview: the same condition)."""
    changed, where, params = _shift_where(selection, days)
    if not changed:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT h.color, count(*) FROM {H} h WHERE {where} GROUP BY h.color", params)
        return {color: count for color, count in cursor.fetchall()}


def reminders_create(*, on: datetime.date, last: datetime.date | None) -> int:
    """One reminder row per household and due date, for households whose due date entered the window.

    Without a previous finished run (``last``) every household in its window is considered; otherwise only
    those that entered it since (the services add the reminder themselves when they move a due date into
    the window). A household already past escalation steps when first reminded has them marked at once,
    and ``escalations_run`` notifies them from this run's candidates (``SRC``), so a backlog is written once.
    Services adding a reminder wait for this transaction (``REMINDER_WRITE_KEY``), so every candidate is new.
    """
    min_remind, max_remind = _window_bounds()
    params = {"today": on, "last": last}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REMINDER_WRITE_KEY])
        _src_table(cursor)
        cursor.execute(f"TRUNCATE {SRC}")  # inside an enclosing transaction (tests) it outlives one run
        cursor.execute(candidates_statement(since_last=last is not None, min_remind=min_remind, max_remind=max_remind),
                       params)
        cursor.execute(REMINDERS_FROM_SRC, params)
        return cursor.rowcount


def reminders_sync(selection: HouseholdSelection, *, add: bool = True, new: bool = False) -> int:
    """Bring the reminders of some households (``selection``) up to date after a service changed them.

    1. close the open reminders whose due date is no longer the household's (a visit, a re-plan);
    2. re-address the open ones to the household's current first contact, and re-date their next escalation
       step (a color or policy change moves it);
    3. add the reminder of a due date now within the window (the daily job only looks at the dates that
       entered it since its last run).
    Returns the number of reminders added (with ``add=False``, the number closed or re-dated/re-addressed).
    ``new=True``: the households were just registered and have no reminder yet, so only step 3 runs.
    """
    min_remind, max_remind = _window_bounds()
    where_sql, params = selection.where()
    params = {**params, "today": selectors.today()}
    update, insert = sync_statements(where_sql, min_remind=min_remind, max_remind=max_remind)
    with connection.cursor() as cursor:
        # before touching any reminder: a running daily job (which updates reminders too) finishes first
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [REMINDER_WRITE_KEY])
        if not new:
            cursor.execute(update, params)
            if not add:
                return cursor.rowcount
        cursor.execute(insert, params)
        return cursor.rowcount


def digests_send(*, on: datetime.date, last: datetime.date | None, last_finished_at=None) -> int:
    """The ladder's first step, the member: one notification a day for each person with a reminder created since
    the last run or a household that fell overdue since then; it counts all their open reminders.

    Open reminders carry the household's current first contact (the services keep it), so this reads only the
    reminders: the few changed since the last run, then the open ones of those people by index.
    """
    max_remind = _bound("remind_days_before", DEFAULT_REMIND_DAYS_BEFORE, max)
    params = {"today": on, "day": on.isoformat(), "last": last, "finished": last_finished_at}
    with_sql, select = digests_statement(first_run=last_finished_at is None, since_last=last is not None,
                                         max_remind=max_remind)
    with notification_batch() as batch, connection.cursor() as cursor:
        cursor.execute(f"{with_sql} INSERT INTO {batch.table} ({', '.join(batch.columns)}) {select}", params)
    return len(batch.ids)


def digests_statement(*, first_run: bool, since_last: bool, max_remind: int) -> tuple[str, str]:
    """The digests as (``WITH …``, ``SELECT`` of notification rows: user_id, kind, title, body, link, dedupe_key).
    Parameters: ``today``, ``day``, ``last``, ``finished``."""
    open_in_window = f"r.closed_on IS NULL AND r.due_on <= %(today)s + {int(max_remind)}"
    counts = "count(*) AS due, count(*) FILTER (WHERE r.due_on < %(today)s) AS overdue"
    if first_run:  # first run: everyone with an open reminder
        with_sql = (f"WITH mine AS (SELECT r.recipient_id AS rcpt, {counts} FROM {R} r "
                    f"WHERE {open_in_window} AND r.recipient_id IS NOT NULL GROUP BY r.recipient_id)")
    else:  # the few people concerned since the last run, each counted from the open-reminders index
        overdue_since = "AND h.next_visit_due >= %(last)s " if since_last else ""
        with_sql = (
            "WITH fresh AS ("
            f"  SELECT r.recipient_id FROM {R} r WHERE r.created_at > %(finished)s AND r.closed_on IS NULL "
            "  UNION "
            f"  SELECT r.recipient_id FROM {H} h JOIN {R} r ON r.household_id = h.id AND r.due_on = h.next_visit_due "
            f"  WHERE {selectors.OVERDUE_SQL} {overdue_since}AND r.closed_on IS NULL), "
            f"mine AS (SELECT r.recipient_id AS rcpt, {counts} FROM {R} r "
            f"  WHERE r.recipient_id IN (SELECT recipient_id FROM fresh) AND {open_in_window} GROUP BY r.recipient_id)"
        )
    select = (
        "SELECT mine.rcpt, 'visit_reminder', '走访提醒', "
        "'您有 ' || mine.due || ' 户待走访' || CASE WHEN mine.overdue > 0 "
        "THEN '，其中 ' || mine.overdue || ' 户已逾期' ELSE '' END, "
        "'/visits/my/', 'visit-reminder:' || %(day)s FROM mine"
    )
    return with_sql, select


# recipients of each step, from `agg` (one row per step and node: households escalated, of which red)
RECIPIENTS = {
    "grid": f"SELECT 'grid' AS step, g.worker_user_id AS user_id, agg.n, agg.red FROM agg JOIN {G} g ON g.id = agg.node "
            "WHERE agg.step = 'grid' AND g.worker_user_id IS NOT NULL",
    "zone": f"SELECT 'zone', ra.user_id, agg.n, agg.red FROM agg JOIN {RA} ra ON ra.zone_id = agg.node "
            "AND ra.role = 'zone_committee' WHERE agg.step = 'zone'",
    "town": f"SELECT 'town', ra.user_id, agg.n, agg.red FROM agg JOIN {RA} ra ON ra.town_id = agg.node "
            "AND ra.role = 'town_staff' WHERE agg.step = 'town'",
}
STEP_NODE = {"grid": "grid_id", "zone": "zone_id", "town": "town_id"}
TOTAL, RED_FIRST = "sum(rcpt.n)", "sum(rcpt.red)"
STEP_MESSAGES = {
    "grid": ("网格走访逾期告知",
             f"'您负责的网格有 ' || {TOTAL} || ' 户走访已逾期（其中红色 ' || {RED_FIRST} || ' 户），请联系联户党员尽快走访'",
             "'/visits/my/?overdue=1'"),
    "zone": ("走访逾期上报（工作区）",
             f"'红色户 ' || {RED_FIRST} || ' 户、其他 ' || ({TOTAL} - {RED_FIRST}) || ' 户走访逾期已超过上报时限，请督促走访'",
             "'/visits/dashboard/?overdue=1'"),
    "town": ("走访逾期上报（街道）",
             f"'红色户 ' || {RED_FIRST} || ' 户、其他 ' || ({TOTAL} - {RED_FIRST}) || ' 户走访逾期已超过上报时限，请督促走访'",
             "'/visits/dashboard/?overdue=1'"),
}


def _case(values: dict[str, str]) -> str:
    return "CASE rcpt.step " + " ".join(f"WHEN '{step}' THEN {value}" for step, value in values.items()) + " END"


def escalations_statement(policy: PolicySql = IN_FORCE) -> tuple[str, str]:
    """The ladder as (``WITH …`` that marks and re-dates the reminders, ``SELECT`` of notification rows: user_id,
    kind, title, body, link, dedupe_key). Parameters: ``today``, ``day``, ``token``; reads this run's ``SRC``."""
    days = policy.step_days()
    passed = {step: f"(r.escalated_{step}_at IS NULL AND {_passed_sql(step, due='r.due_on', days=days)})"
              for step in STEPS}
    done = {step: f"(d.was_{step} OR d.{step})" for step in STEPS}
    # the days of each step as computed for this household in `dec`, carried into the UPDATE
    next_step = _next_step_sql(done, due="d.due_on", days={step: f"d.{step}_days" for step in STEPS})
    with_sql = (
        "WITH dec AS ("
        "  SELECT r.id, r.due_on, h.grid_id, h.zone_id, h.town_id, h.color, h.next_visit_due = r.due_on AS open, "
        + ", ".join(f"r.escalated_{s}_at IS NOT NULL AS was_{s}, {passed[s]} AS {s}, {days[s]} AS {s}_days"
                    for s in STEPS)
        + f"  FROM {R} r JOIN {H} h ON h.id = r.household_id {policy.join} "
        "  WHERE r.next_step_on <= %(today)s AND r.closed_on IS NULL), "
        f"upd AS (UPDATE {R} r SET "
        + ", ".join(f"escalated_{s}_at = CASE WHEN d.open AND d.{s} THEN now() ELSE r.escalated_{s}_at END"
                    for s in STEPS)
        + f", next_step_on = CASE WHEN d.open THEN {next_step} END, "
        "closed_on = CASE WHEN d.open THEN NULL ELSE %(today)s END "
        "FROM dec d WHERE r.id = d.id RETURNING r.id), "
        "esc AS ("
        + " UNION ALL ".join(f"SELECT '{s}' AS step, {STEP_NODE[s]} AS node, color FROM dec WHERE open AND {s}"
                             for s in STEPS)
        + " UNION ALL "
        + " UNION ALL ".join(f"SELECT '{s}', {STEP_NODE[s]}, color FROM {SRC} WHERE {s}" for s in STEPS)
        + "), "
        "agg AS (SELECT step, node, count(*) AS n, count(*) FILTER (WHERE color = 'red') AS red FROM esc "
        "GROUP BY step, node)"
    )
    titles = {s: f"'{m[0]}'" for s, m in STEP_MESSAGES.items()}
    bodies = {s: m[1] for s, m in STEP_MESSAGES.items()}
    links = {s: m[2] for s, m in STEP_MESSAGES.items()}
    select = (
        f"SELECT rcpt.user_id, 'visit_escalation', {_case(titles)}, {_case(bodies)}, {_case(links)}, "
        "'visit-escalation:' || rcpt.step || ':' || %(day)s || ':' || %(token)s "
        f"FROM ({' UNION ALL '.join(RECIPIENTS.values())}) rcpt GROUP BY rcpt.step, rcpt.user_id"
    )
    return with_sql, select


def escalations_run(*, on: datetime.date) -> dict:
    """The ladder past the member: grid worker, zone committee (red households sooner), town staff; each step once.

    One statement: the reminders whose next step falls due by today (``next_step_on``, by index) are checked
    against the household's current due date, color and policy, marked for every step they passed and re-dated
    to their next one (or closed, if the household's due date moved without a service noticing); those steps
    and the ones this run's new reminders were created past are notified, one message per person and step.
    """
    token = uuid.uuid4().hex[:12]
    with_sql, select = escalations_statement()
    with connection.cursor() as cursor:
        _src_table(cursor)  # empty unless reminders_create ran in this transaction
    with notification_batch() as batch, connection.cursor() as cursor:
        cursor.execute(f"{with_sql} INSERT INTO {batch.table} ({', '.join(batch.columns)}) {select}",
                       {"today": on, "day": on.isoformat(), "token": token})
    ids = batch.ids
    counts = dict.fromkeys(STEPS, 0)
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT split_part(dedupe_key, ':', 2), count(*) FROM {NOTIFICATIONS} "
                           "WHERE id = ANY(%s) GROUP BY 1", [ids])
            counts.update(dict(cursor.fetchall()))
    return counts


def job_lock() -> None:
    """Serialise runs of the daily job: call first inside the run's transaction; held until it commits or rolls back
    (a dead worker's connection aborts it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [JOB_LOCK_KEY])


def job_is_running() -> bool:
    """True while some live transaction (or session) of this database holds the job lock.

    Read from ``pg_locks`` rather than by trying the lock: nothing is taken, so the answer does not depend on the
    caller's transaction or on which server connection a pooler lends it. A bigint advisory key shows as
    (classid = high 32 bits, objid = low 32 bits, objsubid = 1)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = %s AND objid = %s AND objsubid = 1)",
            [JOB_LOCK_KEY >> 32, JOB_LOCK_KEY & 0xFFFF_FFFF],
        )
        return cursor.fetchone()[0]


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
        with transaction.atomic():
            job_lock()  # first: a second run waits here, then finds the first one's rows and adds nothing
            with connection.cursor() as cursor:
                _job_session(cursor)
                # the run is all or nothing and marked finished in the same transaction: if the server crashed
                # before its commit reached the disk, the sweeper runs the day again, so it need not wait for it
                cursor.execute("SET LOCAL synchronous_commit = off")
            last, finished_at = last_finished_run(on)
            stats["since"] = last.isoformat() if last else None
            steps = [("planned", households_plan_missing)]
            if full:  # weekly drift repair: every open reminder's state and addressee, whatever wrote the households
                steps.append(("repaired", lambda: reminders_sync(HouseholdSelection(all=True), add=False)))
            for name, step in (
                *steps,
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
    interval = policies.interval_sql("h")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {C} (taken_on, village_id, zone_id, town_id, households, covered, overdue) "
            f"SELECT %(today)s, h.village_id, h.zone_id, h.town_id, count(*), "
            f"count(*) FILTER (WHERE s.last_visited_on >= %(today)s - {interval}), "
            f"count(*) FILTER (WHERE {selectors.OVERDUE_SQL}) "
            f"FROM {H} h LEFT JOIN {S} s ON s.household_id = h.id {POLICY_JOIN} "
            "WHERE h.archived_at IS NULL "  # registered households only, as the live figures count them
            "GROUP BY h.village_id, h.zone_id, h.town_id "
            "ON CONFLICT (taken_on, village_id) DO UPDATE SET households = EXCLUDED.households, "
            "covered = EXCLUDED.covered, overdue = EXCLUDED.overdue, zone_id = EXCLUDED.zone_id, town_id = EXCLUDED.town_id",
            {"today": on},
        )
        return cursor.rowcount
