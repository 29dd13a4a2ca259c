"""Login lockout (django-axes): per account OR per address, each with its own limit.

axes compares one failure count with one limit. With ``AXES_LOCKOUT_PARAMETERS = ["username",
"ip_address"]`` it counts the failures of the account and those of the address separately, but holds both
to ``AXES_FAILURE_LIMIT``. ``LockoutHandler.get_failures`` instead answers the account's count, raised to
the account limit when the address has reached its own (larger) limit, so axes' single comparison with
``AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT_USER`` means "the account has failed LOGIN_FAILURE_LIMIT_USER
times, or the address LOGIN_FAILURE_LIMIT_ADDRESS times, within LOGIN_LOCKOUT_MINUTES".

Counting is axes' database handler: one row per (username, address, user agent) holding its failures and
the time of the last one; a row counts while that last failure is younger than LOGIN_LOCKOUT_MINUTES. The
lock ends when the rows still counting fall below the limit (``LockoutHandler.locked_until``), which is the
time the message gives the user.

Every way in feeds axes' failure signal: the login page and the admin login (Django's auth forms), the token
endpoint (HTTP Basic through ``LockoutBasicAuthentication``) and wrong TOTP codes (``login_failure_record``).
A token minted after a good password is a success and counts nothing.
"""
from __future__ import annotations

import datetime

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from drf_spectacular.authentication import BasicScheme
from rest_framework import exceptions, status
from rest_framework.authentication import BasicAuthentication

from .models import SecurityAction, SecurityResult


def http_request(request):
    """The Django request behind a DRF one: reading ``.user`` on a DRF request inside authentication would
    authenticate again."""
    return getattr(request, "_request", request)


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with separate limits for the account and the address (module doc)."""

    def _counting(self, request, credentials) -> dict[str, tuple[list[tuple], int]]:
        """Rows still counting, newest first, as (last failure, failures), with the limit of each kind."""
        threshold = get_cool_off_threshold(request)
        recent = AccessAttempt.objects.filter(attempt_time__gte=threshold).order_by("-attempt_time")
        username = get_client_username(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        kinds = {}
        if username:
            kinds["account"] = (list(recent.filter(username=username).values_list("attempt_time", "failures_since_start")),
                                settings.LOGIN_FAILURE_LIMIT_USER)
        if address:
            kinds["address"] = (list(recent.filter(ip_address=address).values_list("attempt_time", "failures_since_start")),
                                settings.LOGIN_FAILURE_LIMIT_ADDRESS)
        return kinds

    def get_failures(self, request, credentials=None) -> int:
        kinds = self._counting(request, credentials)
        account = sum(n for _at, n in kinds.get("account", ([], 0))[0])
        address_rows, address_limit = kinds.get("address", ([], 0))
        if address_rows and sum(n for _at, n in address_rows) >= address_limit:
            return max(account, settings.LOGIN_FAILURE_LIMIT_USER)
        return account

    def locked_until(self, request, credentials=None) -> tuple[datetime.datetime | None, str]:
        """When the lock on this request ends, and what is locked ("account" or "address")."""
        cool_off = get_cool_off(request)
        until, what = None, "account"
        for kind, (rows, limit) in self._counting(request, credentials).items():
            total = 0
            for at, failures in rows:  # newest first: the lock lasts until the row that reaches the limit ages out
                total += failures
                if total >= limit:
                    end = at + cool_off
                    if until is None or end > until:
                        until, what = end, kind
                    break
        return until, what

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        was_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and getattr(request, "axes_locked_out", False) and not was_locked:
            from .services import security_event_record

            until, what = self.locked_until(request, credentials)
            security_event_record(
                action=SecurityAction.LOCKOUT, request=http_request(request), result=SecurityResult.DENIED,
                username=str(get_client_username(request, credentials) or "")[:150],
                detail={"locked": what, "until": until.isoformat() if until else None,
                        "path": getattr(request, "path", "")[:300]},
            )


def _handler() -> LockoutHandler:
    return AxesProxyHandler.get_implementation()


def lockout_message(request, credentials=None) -> str:
    AxesProxyHandler.update_request(request)
    until, what = _handler().locked_until(request, credentials)
    if until is None:  # a lock without a counting row: e.g. the rows were just cleaned
        until = timezone.now() + get_cool_off(request)
    # rounded up to the minute: "retry after 15:33" must not still be refused at 15:33
    until = timezone.localtime(until)
    if until.second or until.microsecond:
        until = until.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    at = until.strftime("%H:%M")
    if what == "address":
        return f"登录失败次数过多，来自此地址的登录已暂停，请于 {at} 后重试。"
    return f"登录失败次数过多，账号已锁定，请于 {at} 后重试。"


def lockout_response(request, original_response=None, credentials=None):
    """axes' AXES_LOCKOUT_CALLABLE: JSON for API and XHR clients, a page for the browser."""
    message = lockout_message(request, credentials)
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    return render(request, "accounts/locked.html", {"message": message, "page_title": "登录已锁定"},
                  status=status.HTTP_429_TOO_MANY_REQUESTS)


class LockoutBackend(AxesStandaloneBackend):
    """axes' guard, first of AUTHENTICATION_BACKENDS. ``authenticate()`` without a request (a management
    command, the test client's ``login()``) has no client to count and passes through."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "登录失败次数过多，请稍后重试。"
    default_code = "locked_out"


class LockoutBasicAuthentication(BasicAuthentication):
    """HTTP Basic for the token endpoint: a failure feeds axes (Django's authenticate sends the signal); a
    locked account or address is answered 429 with the time to retry instead of a plain 401."""

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if request is not None and getattr(request, "axes_locked_out", False):
                raise LockedOut(lockout_message(request, {"username": userid}))
            raise


def login_failure_record(request, username: str) -> bool:
    """Count one failed attempt that Django's authenticate() did not see (a wrong TOTP code); True when
    the account or address is now locked."""
    AxesProxyHandler.user_login_failed(sender=__name__, credentials={"username": username}, request=request)
    return bool(getattr(request, "axes_locked_out", False))


def login_allowed(request, username: str) -> bool:
    return AxesProxyHandler.is_allowed(request, {"username": username})




class LockoutBasicScheme(BasicScheme):
    """OpenAPI: plain HTTP Basic."""

    target_class = "accounts.lockout.LockoutBasicAuthentication"
