"""Beat jobs of the mediation room: thin wrappers around the services, idempotent.

Retried only on what a retry can cure (the database gone or restarting: ``OperationalError``,
``InterfaceError``); a bug or bad data fails at once, logged, instead of running three more times.
"""
from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import cases_escalate_idle, follow_ups_schedule, uncovered_shifts_flag

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": True, "max_retries": 3}


@shared_task(acks_late=True, **RETRY)
def schedule_follow_ups() -> dict:
    """Schedule follow-up visits of resolved/referred cases; remind when one falls due."""
    return follow_ups_schedule()


@shared_task(acks_late=True, **RETRY)
def escalate_idle_cases() -> dict:
    """Escalate cases idle beyond MEDIATION_IDLE_DAYS to the next level, notifying once."""
    return cases_escalate_idle()


@shared_task(acks_late=True, **RETRY)
def flag_uncovered_shifts() -> int:
    """Tell each zone, once per day, about shifts in the coming days with nobody on duty."""
    return uncovered_shifts_flag()
