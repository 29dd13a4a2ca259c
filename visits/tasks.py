"""Thin Celery tasks around the daily visit job. Idempotent; no ETA/countdown beyond a short retry backoff.

acks_late + reject_on_worker_lost (set globally in settings): a worker that dies mid-run
leaves the message to be redelivered; ``ReminderRun.attempts`` caps how many times an
unfinished day is retried, and the sweeper re-runs a day whose run died with its worker.
"""
import datetime
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import reminders

logger = logging.getLogger("visits")

RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "max_retries": 3,
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


@shared_task(**RETRY)
def send_visit_reminders(on: str | None = None, full: bool = False) -> dict:
    """The daily job: reminders, escalation ladder, members' digests (full=True: also re-check every household)."""
    return reminders.reminder_job_run(on=datetime.date.fromisoformat(on) if on else None, full=full)


@shared_task(**RETRY)
def sweep_visit_reminders() -> dict:
    """Re-run the day's job if its run died with a worker."""
    return reminders.reminder_sweep()


@shared_task(**RETRY)
def snapshot_visit_coverage(on: str | None = None) -> int:
    """Record today's coverage per village for the trend charts."""
    return reminders.coverage_snapshot_take(on=datetime.date.fromisoformat(on) if on else None)


@shared_task(**RETRY)
def check_visit_analytics() -> int:
    """The nightly check of the analytics tables: recount the visits of the last 400 days against the village-day
    sums; any difference (a write that bypassed the services, a restored backup) is logged and the tables are
    rebuilt from the visits. Returns the number of differing rows found."""
    from . import analytics

    differing = analytics.differences(since=datetime.date.today() - datetime.timedelta(days=400))
    if differing:
        logger.error("visit analytics differ from the visits in %d village-day rows; rebuilt", differing)
        analytics.rebuild()
    return differing
