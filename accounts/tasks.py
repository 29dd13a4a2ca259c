from celery import shared_task

from .services import api_tokens_purge_expired


@shared_task(acks_late=True)
def purge_expired_tokens() -> int:
    """Delete expired API tokens (daily, from the beat schedule)."""
    return api_tokens_purge_expired()


@shared_task(acks_late=True)
def purge_security_events() -> int:
    """Delete security-log rows past the retention period (daily, from the beat schedule)."""
    from .services import security_events_purge

    return security_events_purge()
