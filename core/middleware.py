"""Database faults seen by web requests: time limits for their statements, and a clean 503 when the database
is busy, slow or down.

Time limits (``DB_STATEMENT_TIMEOUT_MS``, ``DB_LOCK_TIMEOUT_MS``) apply to web requests only: the Celery worker
and management commands use the same settings but never pass through this middleware, so the nightly jobs may
run (and wait for their locks) as long as they need. How they are set, and why:

* inside a transaction (every service that writes): ``SET LOCAL`` before the transaction's first statement. It
  ends with the transaction, so it cannot leak to another request, nor, behind pgbouncer in transaction mode
  (where a transaction keeps one server connection), to another client of the pool. The lock a web write waits
  for (the reminder job's ``REMINDER_WRITE_KEY``) is always taken inside a transaction, so this is the limit
  that keeps a request from waiting for the nightly job.
* statements outside a transaction (reads in autocommit): a session ``SET``, once per server session
  (``CONN_MAX_AGE`` reuses it; a reconnect gets it again), in a process that serves only web requests
  (``config/wsgi.py`` calls ``web_process()``: gunicorn, runserver) — a session setting outlives the request, and
  a process that also runs other work (a test run, a shell) must not hand it to that work. Behind a transaction-mode pooler a session ``SET``
  would land on whichever server connection ran it and leak to the pool's other clients (the worker among
  them): set ``DB_SESSION_TIMEOUTS=0`` there and give the web's database role its limits instead
  (``ALTER ROLE web SET statement_timeout = '30s'``). libpq's startup ``options`` are not used for the same
  reason: pgbouncer refuses or ignores them, and the worker's process reads the same settings module.

Errors: a lock wait or a statement cancelled by those limits, or a database that is unreachable or restarting
(``OperationalError``/``InterfaceError``), answers 503 with a Chinese message, JSON ``{"detail": …}`` under
``/api/`` and a small page elsewhere, and is logged; never a stack trace. Django drops a connection that failed
(``CONN_HEALTH_CHECKS``), so the next request reconnects once the database is back.
"""
from __future__ import annotations

import logging
import weakref

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger("core.db")

# SQLSTATE of the errors that have their own message; any other OperationalError reads as "database unavailable"
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout
QUERY_CANCELED = "57014"  # statement_timeout
MESSAGES = {
    "lock_timeout": "系统繁忙，请稍后重试。",
    "statement_timeout": "查询超时，请缩小查询范围或稍后重试。",
    "unavailable": "数据库暂时不可用，请稍后重试。",
}
RETRY_AFTER_SECONDS = 5
# driver connection -> backend pid whose session has the web's limits (a reconnect is a new session)
_SESSION_SET: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WEB_PROCESS = False  # see web_process()
IDLE = 0  # libpq PQTRANSACTION_IDLE (psycopg2 and psycopg 3 alike): no transaction open on the server


def web_process() -> None:
    """Declare this process a web server only: its connections' sessions may keep the web's time limits."""
    global _WEB_PROCESS
    _WEB_PROCESS = True


def _timeouts() -> tuple[int, int]:
    return (int(getattr(settings, "DB_STATEMENT_TIMEOUT_MS", 30000)), int(getattr(settings, "DB_LOCK_TIMEOUT_MS", 5000)))


class _RequestTimeouts:
    """An execute wrapper that gives the request's statements their time limits (see the module docstring)."""

    def __init__(self, connection):
        self.connection = connection
        self.statement_ms, self.lock_ms = _timeouts()
        self.session = bool(getattr(settings, "DB_SESSION_TIMEOUTS", True))

    def _set(self, context, scope: str) -> None:
        # on the driver's cursor: through Django's it would come back through this wrapper. Integers from
        # settings, not user input; one round trip for both.
        with self.connection.wrap_database_errors:
            context["cursor"].cursor.execute(
                f"SET {scope} statement_timeout = {self.statement_ms}; SET {scope} lock_timeout = {self.lock_ms}")

    def __call__(self, execute, sql, params, many, context):
        connection = self.connection
        raw = connection.connection
        if raw is not None:
            if connection.in_atomic_block:
                # the transaction starts with this statement (psycopg begins it implicitly): limit it first
                if raw.info.transaction_status == IDLE:
                    self._set(context, "LOCAL")
            elif self.session and _WEB_PROCESS:
                pid = raw.info.backend_pid
                if _SESSION_SET.get(raw) != pid:
                    self._set(context, "SESSION")
                    _SESSION_SET[raw] = pid  # the server session it was set on
        return execute(sql, params, many, context)


def classify(exc: BaseException) -> str | None:
    """'lock_timeout', 'statement_timeout', 'unavailable', or None if `exc` is not a database fault."""
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return None
    code = getattr(exc.__cause__, "pgcode", None) or getattr(exc, "pgcode", None)
    if code == LOCK_NOT_AVAILABLE:
        return "lock_timeout"
    if code == QUERY_CANCELED:
        return "statement_timeout"
    return "unavailable"


def unavailable_response(request, kind: str) -> HttpResponse:
    message = MESSAGES[kind]
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        # rendered without the request: no context processor may touch the database that just failed
        response = HttpResponse(loader.render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def log_fault(request, kind: str, exc: BaseException) -> None:
    logger.warning("database fault (%s) on %s %s: %s: %s", kind, request.method, request.path,
                   type(exc).__name__, str(exc).strip()[:500])


class DatabaseFaultsMiddleware:
    """Place high in MIDDLEWARE; the statements of everything below it get the web's time limits.

    A database that is down is found before any other middleware runs (django-structlog's loads the user, so
    the session, on every request): the connection's health check (``CONN_HEALTH_CHECKS``, once per request
    anyway) and connect move here. A fault in a view is caught by ``process_exception``; one raised by a
    middleware below mid-request reaches ``handler500`` (``server_error``) or, re-raised by a
    ``got_request_exception`` receiver, this ``__call__``.
    """

    # pages that report on the database themselves
    exempt_paths = ("/healthz",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.exempt_paths):
            try:
                connection.close_if_health_check_failed()
                connection.ensure_connection()
            except (OperationalError, InterfaceError) as exc:
                return self._fault(request, exc)
        wrappers = []
        for conn in connections.all(initialized_only=False):
            wrapper = conn.execute_wrapper(_RequestTimeouts(conn))
            wrapper.__enter__()
            wrappers.append(wrapper)
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            return self._fault(request, exc)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)

    def process_exception(self, request, exception):
        if classify(exception) is None:
            return None
        return self._fault(request, exception)

    @staticmethod
    def _fault(request, exc) -> HttpResponse:
        kind = classify(exc)
        log_fault(request, kind, exc)
        return unavailable_response(request, kind)


def server_error(request, *args, **kwargs):
    """``handler500``: a database fault raised outside a view (in a middleware, a signal) is still a 503."""
    import sys

    from django.views.defaults import server_error as default_server_error

    exc = sys.exc_info()[1]
    kind = classify(exc) if exc is not None else None
    if kind is not None:
        log_fault(request, kind, exc)
        return unavailable_response(request, kind)
    return default_server_error(request, *args, **kwargs)
