import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from knox.models import AuthToken

from core.http import client_address

from .models import RoleAssignment, SecurityAction, SecurityEvent, SecurityResult, User

# The database refuses to delete security events younger than this (trigger of migration accounts.0003).
SECURITY_LOG_MIN_RETENTION_DAYS = 180


def api_tokens_purge_expired() -> int:
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


def security_event_record(
    *,
    action: str,
    request=None,
    user: User | None = None,
    username: str = "",
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    result: str = SecurityResult.OK,
    detail: dict | None = None,
) -> SecurityEvent:
    """Append one row to the security log (who, from where, did what to which object, with what result).

    The row is written outside any surrounding transaction's fate only when there is none: a refused
    request (403, failed login) has no transaction to roll back, and a reveal is logged in the same
    transaction as the read it records.
    """
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        user = candidate if candidate is not None and candidate.is_authenticated else None
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, obj.pk
    return SecurityEvent.objects.create(
        user_id=user.pk if user is not None else None,
        username=(user.get_username() if user is not None else username)[:150],
        ip_address=client_address(request),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id not in (None, "") else "",
        result=result,
        detail=detail or {},
    )


def pii_reveal_log(*, request, obj, fields: list[str]) -> SecurityEvent:
    """Every sight of a full ID number or phone is one row of the security log."""
    return security_event_record(
        action=SecurityAction.PII_REVEAL, request=request, obj=obj, detail={"fields": list(fields)}
    )


def security_events_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete security events older than the retention setting (never younger than 180 days)."""
    days = max(settings.SECURITY_LOG_RETENTION_DAYS, SECURITY_LOG_MIN_RETENTION_DAYS)
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    with connection.cursor() as cursor:  # a raw DELETE: the ORM would first read every row it deletes
        cursor.execute("DELETE FROM accounts_securityevent WHERE at < %s", [cutoff])
        return cursor.rowcount


@transaction.atomic
def role_grant(*, by: User | None, request=None, user: User, role: str, town=None, zone=None, village=None,
               grid=None) -> RoleAssignment:
    """Give `user` a role on one node; the grant is in the security log."""
    assignment = RoleAssignment(user=user, role=role, town=town, zone=zone, village=village, grid=grid)
    try:
        assignment.full_clean(exclude=["user"])
    except ValidationError as exc:
        raise ValidationError({"role": exc.messages}) from exc
    assignment.save()
    security_event_record(
        action=SecurityAction.ROLE_GRANTED, request=request, user=by, obj=assignment,
        detail={"user": user.pk, "username": user.get_username(), "role": role, "node": str(assignment)},
    )
    return assignment


@transaction.atomic
def role_revoke(*, by: User | None, request=None, assignment: RoleAssignment) -> None:
    """Remove one role assignment; the removal is in the security log."""
    detail = {"user": assignment.user_id, "username": assignment.user.get_username(), "role": assignment.role,
              "node": str(assignment)}
    pk = assignment.pk
    assignment.delete()
    security_event_record(
        action=SecurityAction.ROLE_REVOKED, request=request, user=by, object_type="accounts.roleassignment",
        object_id=pk, detail=detail,
    )
