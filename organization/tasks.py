import logging

from celery import shared_task

from .services import tree_check

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def weekly_tree_check() -> dict:
    """Weekly: find and repair denormalised ancestors that drifted from the tree (see organization.services)."""
    report = tree_check(repair=True)
    drifted = {code: row["found"] for code, row in report.items() if row["found"]}
    if drifted:
        logger.warning("tree check repaired drifted rows: %s", drifted)
    return report
