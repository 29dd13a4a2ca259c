import datetime
import secrets
import string

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings

from core.http import client_address

from .models import RoleAssignment, SecurityAction, SecurityEvent, SecurityResult, User
from .users import NODE_FIELDS, assignment_node, grant_check, is_manager, manage_check, may_grant

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
        source = request
        if hasattr(request, "_request") and "_user" not in vars(request):
            # a DRF request still authenticating (a failed Basic login): its .user would authenticate again
            source = request._request
        candidate = getattr(source, "user", None)
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


def node_field(node) -> str:
    """The RoleAssignment relation (town/zone/village/grid) a node object goes in."""
    for name in NODE_FIELDS:
        if isinstance(node, RoleAssignment._meta.get_field(name).related_model):
            return name
    raise ValidationError({"node": ["无效的节点。"]})


@transaction.atomic
def role_grant(*, by: User | None, request=None, user: User, role: str, node=None, town=None, zone=None,
               village=None, grid=None, new_user: bool = False) -> RoleAssignment:
    """Give `user` a role on one node (``node``, or the node's own keyword); the grant is in the security log.

    ``by`` (None: the system) may grant only what ``accounts.users`` allows: a role below their own level, on
    a node inside one of their manager grants, to an account they may manage (PermissionDenied /
    ValidationError naming ``role`` or ``node``)."""
    nodes = {"town": town, "zone": zone, "village": village, "grid": grid}
    if node is not None:
        nodes[node_field(node)] = node
    target = next((nodes[name] for name in reversed(NODE_FIELDS) if nodes[name] is not None), None)
    grant_check(by, user, role, target, new_user=new_user)
    assignment = RoleAssignment(user=user, role=role, **nodes)
    try:
        assignment.full_clean(exclude=["user"])
    except ValidationError as exc:
        raise ValidationError({"role": exc.messages}) from exc
    if RoleAssignment.objects.filter(user=user, role=role, **nodes).exists():
        raise ValidationError({"role": ["该用户已在此节点持有该角色。"]})
    assignment.save()
    if hasattr(user, "_zones_scope"):
        del user._zones_scope
    security_event_record(
        action=SecurityAction.ROLE_GRANTED, request=request, user=by, obj=assignment,
        detail={"user": user.pk, "username": user.get_username(), "role": role, "node": str(assignment)},
    )
    return assignment


@transaction.atomic
def role_revoke(*, by: User | None, request=None, assignment: RoleAssignment) -> None:
    """Remove one role assignment; the removal is in the security log. ``by`` must manage the account and
    be able to grant that role there (``accounts.users``)."""
    if by is not None:
        manage_check(by, assignment.user)
        if not may_grant(by, assignment.role, assignment_node(assignment)):
            raise PermissionDenied("您无权移除该角色。")
    detail = {"user": assignment.user_id, "username": assignment.user.get_username(), "role": assignment.role,
              "node": str(assignment)}
    pk = assignment.pk
    assignment.delete()
    security_event_record(
        action=SecurityAction.ROLE_REVOKED, request=request, user=by, object_type="accounts.roleassignment",
        object_id=pk, detail=detail,
    )


@transaction.atomic
def user_disable(*, by: User | None, request=None, user: User) -> User:
    """Disable an account (it can no longer sign in; its API tokens are revoked, its sessions end at the next
    request); in the security log."""
    manage_check(by, user, self_allowed=False)
    if not user.is_active:
        raise ValidationError({"is_active": ["该账号已停用。"]})
    user.is_active = False
    user.save(update_fields=["is_active"])
    security_event_record(action=SecurityAction.USER_DISABLED, request=request, user=by, obj=user,
                          detail={"user": user.pk, "username": user.get_username()})
    api_tokens_revoke(request=request, user=user, by=by, reason="user_disabled")
    return user


@transaction.atomic
def user_enable(*, by: User | None, request=None, user: User) -> User:
    """Enable a disabled account again; in the security log."""
    manage_check(by, user, self_allowed=False)
    if user.is_active:
        raise ValidationError({"is_active": ["该账号已是启用状态。"]})
    user.is_active = True
    user.save(update_fields=["is_active"])
    security_event_record(action=SecurityAction.USER_ENABLED, request=request, user=by, obj=user,
                          detail={"user": user.pk, "username": user.get_username()})
    return user


@transaction.atomic
def user_update(*, by: User | None, request=None, user: User, display_name: str) -> User:
    """Change an account's display name (``by`` must manage it, or be the user)."""
    if by is not None and by.pk != user.pk:
        manage_check(by, user)
    user.display_name = display_name
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name"])
    return user


def user_history(*, user: User):
    """The security-log rows about ``user``: their own sign-ins and actions, and what was done to the account
    and its roles (grants, removals, resets, disabling, token revocations)."""
    from django.db.models import Q

    return SecurityEvent.objects.filter(
        Q(user_id=user.pk) | Q(object_type=User._meta.label_lower, object_id=str(user.pk)) | Q(detail__user=user.pk)
    )


def security_events_export(*, request, queryset, filters: dict):
    """The security log rows of `queryset` as an xlsx file; the export itself is one row of the log
    (who, with which filters, how many rows). Refused (400) above ``SECURITY_LOG_EXPORT_MAX_ROWS`` rows."""
    from .exports import security_events_xlsx

    limit = settings.SECURITY_LOG_EXPORT_MAX_ROWS
    total = queryset.count()
    if total > limit:
        raise ValidationError(f"共 {total} 条，超过单次导出上限 {limit} 条，请缩小时间范围或增加筛选条件。")
    # a server-side cursor: rows stream from PostgreSQL in chunks instead of being loaded at once
    target, count = security_events_xlsx(queryset.iterator(chunk_size=2000))
    security_event_record(
        action=SecurityAction.EXPORT, request=request, object_type=SecurityEvent._meta.label_lower,
        detail={"format": "xlsx", "filters": filters, "rows": count},
    )
    return target, count


# --- Accounts, passwords, API tokens, TOTP (logins) ---------------------------------------------------


def _password_validate(password: str, user: User, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def password_generate(length: int = 14) -> str:
    """A random initial password that meets the strict policy too (upper, lower, digits, a symbol)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        chars = [secrets.choice(alphabet) for _ in range(length - 1)] + [secrets.choice("#%+-=@")]
        if any(c.islower() for c in chars) and any(c.isupper() for c in chars) and any(c.isdigit() for c in chars):
            return "".join(chars)


@transaction.atomic
def user_create(*, by: User | None, request=None, username: str, password: str | None = None,
                display_name: str = "", is_active: bool = True, role: str | None = None, node=None) -> User:
    """Create an account for someone else: the password is the administrator's (or generated when none is
    given; then on ``user.initial_password`` for showing once), so the new user must change it at first
    sign-in (``must_change_password``). With ``role`` (and ``node``) the account gets its first role in the
    same transaction; a manager other than a district admin must give one (an account without a role is the
    district's alone to manage)."""
    if by is not None and not is_manager(by):
        raise PermissionDenied("您无权创建账号。")
    if role is None and by is not None and not may_grant(by, "district_admin", None):
        raise ValidationError({"role": ["请为新账号选择角色。"]})
    user = User(username=username, display_name=display_name, is_active=is_active, must_change_password=True)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    generated = password is None
    if generated:
        password = password_generate()
    else:
        _password_validate(password, user)
    user.set_password(password)
    user.save()
    security_event_record(
        action=SecurityAction.USER_CREATED, request=request, user=by, obj=user,
        detail={"user": user.pk, "username": user.get_username()},
    )
    if role is not None:
        role_grant(by=by, request=request, user=user, role=role, node=node, new_user=True)
    user.initial_password = password if generated else None
    return user


def user_password_change(*, request=None, user: User, old_password: str, new_password: str) -> User:
    """The user changes their own password: the old one is checked, the new one must pass the policy and
    differ from the old; every API token of the user is revoked (other sessions end by Django's session
    hash; the caller keeps the current one with ``update_session_auth_hash``).

    A wrong old password is logged and counts as a failed sign-in (lockout): whoever holds a session must
    not get to guess the password without limit. That row is written outside the change's transaction."""
    if not user.check_password(old_password):
        security_event_record(action=SecurityAction.PASSWORD_CHANGED, request=request, user=user,
                              result=SecurityResult.FAILED, detail={"reason": "wrong_old_password"})
        if request is not None:
            from .lockout import login_failure_record

            login_failure_record(request, user.get_username())
        raise ValidationError({"old_password": ["原密码不正确。"]})
    if new_password == old_password:
        raise ValidationError({"new_password": ["新密码不能与原密码相同。"]})
    _password_validate(new_password, user, "new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        security_event_record(action=SecurityAction.PASSWORD_CHANGED, request=request, user=user, obj=user)
        api_tokens_revoke(request=request, user=user, by=user, reason="password_changed")
    return user


@transaction.atomic
def user_password_reset(*, by: User | None, request=None, user: User, password: str | None = None) -> str:
    """Set a new password for ``user`` (random when none is given) and return it. Reset by someone else,
    it must be changed at the next sign-in; every API token of the user is revoked, and every session
    ends (Django's session hash)."""
    if by is not None and by.pk != user.pk:
        manage_check(by, user)
    if password is None:
        password = password_generate()
    else:
        _password_validate(password, user)
    user.set_password(password)
    user.must_change_password = by is None or by.pk != user.pk
    user.save(update_fields=["password", "must_change_password"])
    security_event_record(
        action=SecurityAction.PASSWORD_RESET, request=request, user=by, obj=user,
        detail={"username": user.get_username()},
    )
    api_tokens_revoke(request=request, user=user, by=by, reason="password_reset")
    return password


def api_token_may_mint(user: User) -> bool:
    """Only API consumers hold long-lived tokens; people use the browser's session."""
    from .scoping import API_CONSUMER, user_scope

    return API_CONSUMER in user_scope(user).roles


def api_tokens_active(*, user: User) -> int:
    from django.db.models import Q

    return AuthToken.objects.filter(Q(expiry__gt=timezone.now()) | Q(expiry__isnull=True), user=user).count()


@transaction.atomic
def api_token_create(*, request=None, user: User) -> tuple[AuthToken, str]:
    """Mint an expiring API token (knox) for an API consumer; the token itself is shown once, never logged."""
    if not api_token_may_mint(user):
        raise PermissionDenied("只有数据对接账号可以申请 API 令牌；浏览器请使用登录会话。")
    instance, token = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL,
                                               prefix=knox_settings.TOKEN_PREFIX)
    security_event_record(
        action=SecurityAction.TOKEN_CREATED, request=request, user=user, object_type="knox.authtoken",
        object_id=instance.token_key, detail={"expiry": instance.expiry.isoformat() if instance.expiry else None},
    )
    return instance, token


@transaction.atomic
def api_tokens_revoke(*, request=None, user: User, by: User | None = None, token: AuthToken | None = None,
                      reason: str = "revoked") -> int:
    """Delete one token of ``user`` (``token``) or all of them; logged when anything was revoked."""
    tokens = AuthToken.objects.filter(user=user)
    if token is not None:
        tokens = tokens.filter(pk=token.pk)
    keys = list(tokens.values_list("token_key", flat=True))
    if not keys:
        return 0
    tokens.delete()
    security_event_record(
        action=SecurityAction.TOKEN_REVOKED, request=request, user=by if by is not None else user,
        object_type="knox.authtoken", object_id=keys[0] if len(keys) == 1 else "",
        detail={"user": user.pk, "username": user.get_username(), "count": len(keys), "reason": reason},
    )
    return len(keys)


def otp_required(user) -> bool:
    """Whether ``user`` must pass a TOTP code (setting OTP_REQUIRED_FOR_STAFF; district, town, zone roles)."""
    if not settings.OTP_REQUIRED_FOR_STAFF or not getattr(user, "is_authenticated", False):
        return False
    from .scoping import DISTRICT_ADMIN, TOWN_STAFF, ZONE_COMMITTEE, user_scope

    return user.is_superuser or bool(user_scope(user).roles & {DISTRICT_ADMIN, TOWN_STAFF, ZONE_COMMITTEE})


def otp_confirmed_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def otp_device_start(*, user: User):
    """A new, unconfirmed TOTP device for enrolment (replacing an unfinished one)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="动态验证码", confirmed=False)


def otp_verify(*, request, user: User, code: str):
    """Check a 6-digit TOTP code: against the device being enrolled (confirmed on success), else against
    the user's confirmed device. A wrong code is a failed sign-in attempt (lockout) and an OTP event.
    Returns the device, or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .lockout import http_request, login_failure_record

    code = (code or "").strip()
    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first())
    enrolling = device is not None and not device.confirmed
    ok = device is not None and code.isdigit() and len(code) == 6 and device.verify_token(code)
    if ok and enrolling:
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
    security_event_record(
        action=SecurityAction.OTP, request=http_request(request), user=user,
        result=SecurityResult.OK if ok else SecurityResult.FAILED,
        detail={"step": "enrol" if enrolling else "verify"},
    )
    if not ok:
        login_failure_record(request, user.get_username())
        return None
    return device


@transaction.atomic
def otp_devices_reset(*, by: User | None, request=None, user: User) -> int:
    """Remove a user's TOTP devices (a lost phone): they enrol again at the next sign-in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    security_event_record(action=SecurityAction.OTP, request=request, user=by, obj=user,
                          detail={"step": "reset", "devices": deleted})
    return deleted
