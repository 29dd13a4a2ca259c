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


@shared_task(acks_late=True, ignore_result=True)
def export_list(*, user_id: int, viewset: str, query: dict, reveal: bool, token: str, address: str | None = None) -> dict:
    """A large list export (GET …/export/ above LIST_EXPORT_ASYNC_ROWS): written for the user as their scope
    is now, stored privately, announced in their inbox."""
    from .api_export import background_export

    return background_export(user_id=user_id, viewset=viewset, query=query, reveal=reveal, token=token,
                             address=address)


@shared_task(acks_late=True)
def purge_expired_exports() -> int:
    """Delete large exports past their download period (daily, from the beat schedule)."""
    from .exports import export_files_purge

    return export_files_purge()
