"""The OpenAPI schema documents every status an operation can answer, with the project's error shape.

``ErrorAutoSchema`` (REST_FRAMEWORK's ``DEFAULT_SCHEMA_CLASS``) adds to each operation the errors that
``core.api.exception_handler`` and the scoped base classes can produce, unless the operation declares
that status itself (``extend_schema(responses={…})`` wins):

- 400 ``ValidationError``: a request body to validate, or query parameters to parse;
- 401 ``ErrorDetail``: an invalid, expired or revoked API token (or failed HTTP Basic on the token endpoint);
- 403 ``ErrorDetail``: not signed in, or signed in without the right to this operation or row;
- 404 ``ErrorDetail``: a path or query parameter names a row outside the scope, or a page past the end;
- 409 ``ErrorDetail``: a DELETE refused because other rows still point at the row;
- 429 ``ErrorDetail``: a view with a ``throttle_scope`` (the token endpoint: password guessing).

A view may add statuses with ``extend_schema(responses={…})`` or its ``error_statuses`` attribute
(``{"action": (409,)}`` or a tuple for every action).

Two things a response can hold that DRF's fields do not tell the schema, documented here once:
- a read-only field declared with ``default=None`` (``source="link.member_id"`` across a nullable
  relation) answers null: it is nullable;
- a read-only choice field from a model field with ``blank=True`` answers "" (DRF drops ``allow_blank``
  from read-only fields): "" is among its values.
"""
from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    """错误说明（中文）。"""

    detail = serializers.CharField(label="错误说明")


class ValidationErrorSerializer(serializers.Serializer):
    """输入有误：键为字段名，值为该字段的错误信息列表（中文，含字段名）；non_field_errors 为整体错误；
    个别错误（如数据冲突）只有 detail。"""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False, label="整体错误")
    detail = serializers.CharField(required=False, label="错误说明")


ERROR_DESCRIPTIONS = {
    400: "输入有误（字段名 → 错误信息列表，信息为中文并注明字段）",
    401: "API 令牌无效、已过期或已撤销",
    403: "未登录，或无权进行此操作、无权写入该位置",
    404: "对象不存在或不在您的管辖范围内（或页码超出范围）",
    409: "该记录仍有关联数据，不能删除或归档",
    415: "请求体的媒体类型不被本操作接受（上传用 multipart/form-data，其余用 application/json）",
    429: "请求过于频繁或账号/地址已被临时锁定，请稍后再试",
}
WRITE_METHODS = ("POST", "PUT", "PATCH")


class ProjectAutoSchema(AutoSchema):
    def get_override_parameters(self):
        """A view's ``list_parameters()`` (e.g. ``updated_since``) join its list and export operations."""
        parameters = list(super().get_override_parameters())
        if getattr(self.view, "action", None) in ("list", "export") and hasattr(self.view, "list_parameters"):
            parameters += self.view.list_parameters()
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if direction == "response" and field.read_only:
            if field.default is None and not field.allow_null:
                field = copy.copy(field)
                field.allow_null = True
            if isinstance(field, serializers.ChoiceField) and not field.allow_blank and _model_field_blank(field):
                field = copy.copy(field)
                field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in sorted(self.error_statuses()):
            key = str(code)
            if key in responses:
                if "content" not in responses[key]:  # declared with a description only: give it the error body
                    body = self._error_response(code)
                    responses[key] = {**body, "description": responses[key].get("description") or body["description"]}
                continue
            responses[key] = self._error_response(code)
        return responses

    def _error_response(self, code: int) -> dict:
        serializer = ValidationErrorSerializer if code == 400 else ErrorDetailSerializer
        response = self._get_response_for_code(serializer, str(code))
        response["description"] = ERROR_DESCRIPTIONS[code]
        return response

    def error_statuses(self) -> set[int]:
        codes = {403}
        if self._token_authenticated():
            codes.add(401)
        if (self.method in WRITE_METHODS and self._get_request_body()) or self._query_parameters():
            codes.add(400)
        if "{" in self.path or self._paginated() or (self.method == "GET" and self._query_parameters()):
            codes.add(404)
        if self.method == "DELETE" or getattr(self.view, "action", None) == "restore":
            codes.add(409)
        if getattr(self.view, "throttle_scope", None):
            codes.add(429)
        codes |= set(self._declared_statuses())
        return codes

    def _declared_statuses(self):
        declared = getattr(self.view, "error_statuses", ())
        if isinstance(declared, dict):
            declared = declared.get(getattr(self.view, "action", None) or self.method.lower(), ())
        return declared

    def _token_authenticated(self) -> bool:
        """An authenticator that answers with a ``WWW-Authenticate`` challenge (API token, HTTP Basic) can 401."""
        for auth in self.view.get_authenticators():
            try:
                if auth.authenticate_header(None):
                    return True
            except Exception:  # a header that needs the request: not ours
                continue
        return False

    def _query_parameters(self) -> bool:
        return any(p.get("in") == "query" for p in self._get_parameters())

    def _paginated(self) -> bool:
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None


def _model_field_blank(field) -> bool:
    """Whether ``field`` (of a ModelSerializer) reads a model CharField that may be blank."""
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return isinstance(model_field, models.CharField) and model_field.blank
