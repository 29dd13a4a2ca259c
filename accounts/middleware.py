"""Session limits and what must happen before anything else after signing in (TOTP, a new password)."""
from __future__ import annotations

import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect

from .services import otp_required

LOGIN_AT = "_login_at"  # epoch seconds of the sign-in (first request of the session)
SEEN_AT = "_seen_at"  # epoch seconds of the last request, refreshed at most once a minute
SEEN_RESOLUTION = 60

IDLE_MESSAGE = "长时间未操作，已自动退出，请重新登录。"
ABSOLUTE_MESSAGE = "登录时间已达上限，已自动退出，请重新登录。"
OTP_MESSAGE = "请先完成二次验证。"
PASSWORD_MESSAGE = "请先修改初始密码。"


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _to_page(request, path: str):
    return redirect(f"{path}?next={quote(request.get_full_path())}")


class SessionTimeoutMiddleware:
    """Signs a session out after SESSION_IDLE_MINUTES without a request or SESSION_ABSOLUTE_HOURS after
    sign-in. Two stamps in the session; the idle stamp is rewritten at most once a minute, so most requests
    do not write the session. Token requests carry no session and are not concerned."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
            if login_at is None or seen_at is None:  # a session older than these stamps
                session[LOGIN_AT] = login_at or now
                session[SEEN_AT] = now
            elif now - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                return self._expired(request, "absolute", ABSOLUTE_MESSAGE)
            elif now - seen_at > settings.SESSION_IDLE_MINUTES * 60:
                return self._expired(request, "idle", IDLE_MESSAGE)
            elif now - seen_at >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
        return self.get_response(request)

    def _expired(self, request, reason: str, message: str):
        request.logout_reason = f"session_{reason}"  # for the security log's LOGOUT row
        logout(request)
        messages.warning(request, message)
        if _is_api(request):
            if request.META.get("HTTP_AUTHORIZATION"):  # a token request that also sent an old cookie
                return self.get_response(request)
            return JsonResponse({"detail": message}, status=401)
        return _to_page(request, settings.LOGIN_URL)


@receiver(user_logged_in, dispatch_uid="session_limits_stamp")
def _stamp_session(sender, request, user, **kwargs):
    """Stamp the session when it signs in, so its first request need not write it. A token minted with
    HTTP Basic also sends user_logged_in, but has no signed-in session to stamp (and must not get one)."""
    session = getattr(request, "session", None)
    if session is not None and SESSION_KEY in session:
        session[LOGIN_AT] = session[SEEN_AT] = int(time.time())


class LoginRequirementsMiddleware:
    """Before any page or API: a TOTP code when OTP_REQUIRED_FOR_STAFF applies to the user (enrol first if
    they have no device), then a new password when the account's was set by an administrator."""

    ALWAYS_OPEN = ("/static/", "/login/", "/logout/", "/healthz", "/favicon.ico", "/admin/logout/")
    OTP_PAGE = "/account/otp/"
    PASSWORD_PAGE = "/account/password/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if not path.startswith(self.ALWAYS_OPEN):
            user = request.user
            if user.is_authenticated:
                if not path.startswith(self.OTP_PAGE) and otp_required(user) and not user.is_verified():
                    return self._refuse(request, self.OTP_PAGE, OTP_MESSAGE)
                if user.must_change_password and not path.startswith((self.PASSWORD_PAGE, self.OTP_PAGE)):
                    return self._refuse(request, self.PASSWORD_PAGE, PASSWORD_MESSAGE)
        return self.get_response(request)

    def _refuse(self, request, page: str, message: str):
        if _is_api(request):
            return JsonResponse({"detail": message}, status=403)
        return _to_page(request, page)
