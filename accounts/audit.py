"""What reaches the security log without a service asking: sign-ins, sign-outs, failed sign-ins and
every 403 answer. (Auth signals and a middleware; they write only the security log, never domain data.)"""
from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import SecurityAction, SecurityResult


@receiver(user_logged_in, dispatch_uid="security_log_login")
def _logged_in(sender, request, user, **kwargs):
    from .services import security_event_record

    security_event_record(action=SecurityAction.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="security_log_logout")
def _logged_out(sender, request, user, **kwargs):
    from .services import security_event_record

    if user is not None:
        security_event_record(action=SecurityAction.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="security_log_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    from .services import security_event_record

    security_event_record(
        action=SecurityAction.LOGIN_FAILED, request=request, username=str(credentials.get("username", ""))[:150],
        result=SecurityResult.FAILED,
    )


class ForbiddenLogMiddleware:
    """Every 403 (a write outside one's scope, a role that may not reveal, a CSRF failure) is logged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            from .services import security_event_record

            security_event_record(
                action=SecurityAction.FORBIDDEN, request=request, result=SecurityResult.DENIED,
                detail={"method": request.method, "path": request.path[:300]},
            )
        return response
