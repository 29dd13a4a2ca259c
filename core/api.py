"""API plumbing shared by every app: pagination and error format."""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .records import ArchiveRefused


# The dates the platform takes (2000 would refuse a party member who joined in 1985): outside them date
# arithmetic (a day after 9999-12-31, a time zone before year 1) would fail as a 500, not a 400.
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2099, 12, 31)


def date_out_of_range(label, value) -> str | None:
    """The Chinese message for a date (or datetime) outside DATE_MIN…DATE_MAX, naming the field; None if inside."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day is None or DATE_MIN <= day <= DATE_MAX:
        return None
    return f"{label or '日期'}：应在 {DATE_MIN:%Y-%m-%d} 至 {DATE_MAX:%Y-%m-%d} 之间。"


class DateField(serializers.DateField):
    """A date between DATE_MIN and DATE_MAX (outside: 400 naming the field)."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        message = date_out_of_range(self.label, day)
        if message:
            raise ValidationError(message, code="date_range")
        return day


class DateTimeField(serializers.DateTimeField):
    """A time between DATE_MIN and DATE_MAX (outside: 400 naming the field)."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        message = date_out_of_range(self.label, moment)
        if message:
            raise ValidationError(message, code="date_range")
        return moment


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _field_labels(context) -> dict[str, str]:
    view = context.get("view")
    if view is None or not hasattr(view, "get_serializer_class"):
        return {}
    try:
        serializer = view.get_serializer_class()()
    except Exception:  # the view has no plain serializer for this request
        return {}
    return {name: str(field.label) for name, field in getattr(serializer, "fields", {}).items() if field.label}


def _label_messages(detail, labels: dict[str, str]):
    """Prefix each field's messages with the field's Chinese label: 「身份证号：校验位错误。」"""
    if not isinstance(detail, dict):
        return detail
    labelled = {}
    for name, messages in detail.items():
        label = labels.get(name)
        if label and isinstance(messages, list):
            messages = [m if not isinstance(m, str) or m.startswith(label) else f"{label}：{m}" for m in messages]
        labelled[name] = messages
    return labelled


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = ValidationError({k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()})
        else:
            exc = ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, ArchiveRefused):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, ProtectedError):
        return Response({"detail": "该记录仍有关联数据，不能删除。"}, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, IntegrityError):
        return Response({"detail": "数据冲突：与已有记录重复或违反约束。"}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data = _label_messages(response.data, _field_labels(context))
    if response is not None and isinstance(exc, (AuthenticationFailed, NotAuthenticated)):
        # DRF answers 403 because session auth comes first; a request that sent an API token
        # (revoked, expired, unknown) gets 401 with the scheme to use, as API clients expect.
        request = context.get("request")
        header = request.META.get("HTTP_AUTHORIZATION", "") if request is not None else ""
        if header.split(" ", 1)[0].lower() == "token":
            response.status_code = status.HTTP_401_UNAUTHORIZED
            response["WWW-Authenticate"] = "Token"
    return response
