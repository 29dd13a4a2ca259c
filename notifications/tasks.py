"""Thin tasks: deliver and sweep notifications."""
from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_notifications() -> dict:
    """Re-send notifications a dead worker left 'sending', and any still 'pending'."""
    return services.notification_sweep()
