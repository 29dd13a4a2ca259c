"""Application log lines: JSON, one a line, each with the request's id and the client address the security
log would record, and no ID-card or mobile number in clear.

Settings wire these into ``LOGGING`` (config/settings.py): ``mask_pii_processor`` runs in the JSON formatter on
every line (structlog events and plain ``logging`` records alike, tracebacks included); ``PiiMaskingFilter``
masks the message of a record before any handler's formatter sees it, for a handler configured without ours.
"""
from __future__ import annotations

import logging
import re

import structlog

# An 18-character resident ID (17 digits and a digit or X) standing alone; masked as the lists show it
# (core.pii.mask_id_number: the region and the last 2; digits 7–16 are the birth date and sequence).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{10}(\d[0-9Xx])(?![0-9A-Za-z])")
# A mainland mobile number (11 digits from 13x–19x), optionally +86 / 86 and dashes or spaces: 138****1234.
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?![0-9])")


def mask_pii(text: str) -> str:
    """`text` with every ID-number-like and mobile-like sequence masked."""
    if not any(ch.isdigit() for ch in text):
        return text
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}**********{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def _mask(value, depth: int = 0):
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, bool) or depth > 6:
        return value
    if isinstance(value, int):
        text = str(value)
        masked = mask_pii(text)
        return value if masked == text else masked
    if isinstance(value, dict):
        return {key: _mask(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_mask(item, depth + 1) for item in value)
    return value


def mask_pii_processor(logger, method_name, event_dict):
    """structlog processor: mask every string (and long integer) of the event, after tracebacks are rendered."""
    return {key: (value if key.startswith("_") else _mask(value)) for key, value in event_dict.items()}


class PiiMaskingFilter(logging.Filter):
    """Masks ID numbers and mobile numbers in a record's message (and a structlog event's values)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):  # a structlog event on its way to ProcessorFormatter
            record.msg = _mask(record.msg)
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the formatter to report
            return True
        masked = mask_pii(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


# --- django-structlog: the request's address and path ------------------------------------------------------

def _request_line(request) -> str:
    # the path without its query string: a query may carry a name, an ID number or a phone
    return f"{request.method} {request.path}"


def bind_request_metadata(request, logger, log_kwargs, **kwargs):
    """django-structlog's request_started: bind the client address as core.http reads it (X-Forwarded-For only
    through TRUSTED_PROXIES; django-structlog's own ipware reading believes any client's header)."""
    from .http import client_address

    structlog.contextvars.bind_contextvars(ip=client_address(request))
    request._log_context = structlog.contextvars.get_contextvars()
    log_kwargs["request"] = _request_line(request)
    if request.GET:
        log_kwargs["params"] = sorted(request.GET.keys())


def bind_request_finished_metadata(request, logger, response, log_kwargs, **kwargs):
    request._log_context = structlog.contextvars.get_contextvars()  # with the user id, bound since
    log_kwargs["request"] = _request_line(request)


def add_request_context(logger, method_name, event_dict):
    """For plain logging records that name their request (Django's "Not Found: …" / "Forbidden: …" lines):
    the request's id, address and user. Django writes those after the middleware has returned, when
    django-structlog has already cleared the context."""
    record = event_dict.get("_record")
    context = getattr(getattr(record, "request", None), "_log_context", None)
    if isinstance(context, dict):
        for key, value in context.items():
            event_dict.setdefault(key, value)
    return event_dict


def connect_request_signals() -> None:
    from django_structlog import signals

    signals.bind_extra_request_metadata.connect(bind_request_metadata, dispatch_uid="core.logs.request")
    signals.bind_extra_request_finished_metadata.connect(
        bind_request_finished_metadata, dispatch_uid="core.logs.request_finished"
    )
