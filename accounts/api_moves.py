"""Reorganisation moves over the API, declared once: ``POST <node>/{id}/move/`` with a preview.

A move is a ``MoveSpec``: the request's target field, the target model, the service that moves
(``service(node, target, apply=…)`` returns the preview, and with ``apply`` moves in one transaction)
and the preview's serializer (``response``: what the schema documents for both answers).
``move_action(spec)`` makes it an action of the node's viewset; ``move_view(model, spec)`` a plain view
for moves that live in a higher app than the node's own (``organization``). Either way: the node out of
scope is a 404, not writable a 403; the target out of scope is a 400 naming the field, not writable a 403.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .api_base import scoped_row
from .permissions import ScopedAccess
from .scoping import user_scope


@dataclasses.dataclass(frozen=True)
class MoveSpec:
    field: str  # the request's target field, e.g. "zone"
    label: str  # its label, e.g. "目标工作区ID"
    target_model: type
    service: Callable[..., dict]  # service(node, target, apply=bool) -> preview
    summary: str
    description: str = ""
    error_field: str | None = None  # the key of a refused target's error (default: ``field``)
    denied: str | None = None  # the 403 message for a target one may read but not write
    # the preview's serializer (the same shape answers the applied move, with ``applied`` true)
    response: type[serializers.Serializer] | None = None

    @property
    def params(self) -> type[serializers.Serializer]:
        return move_params(self.field, self.label)

    def run(self, request, node) -> Response:
        data = self.params(data=request.data)
        data.is_valid(raise_exception=True)
        name = self.target_model._meta.verbose_name
        target = scoped_row(request, self.target_model, data.validated_data[self.field],
                            field=self.error_field or self.field, write=True,
                            missing=f"目标{name}不存在或不在您的管辖范围内。", denied=self.denied or f"您无权向该{name}迁入。")
        return Response(self.service(node, target, apply=data.validated_data["apply"]))


_PARAMS: dict[tuple[str, str], type] = {}


def move_params(field: str, label: str) -> type[serializers.Serializer]:
    """The request serializer of one move: ``{field: <target id>, "apply": bool}`` (one class per field)."""
    key = (field, label)
    if key not in _PARAMS:
        name = "Move" + "".join(part.title() for part in field.split("_")) + "Serializer"
        _PARAMS[key] = type(name, (serializers.Serializer,), {
            field: serializers.IntegerField(label=label),
            "apply": serializers.BooleanField(default=False, label="确认执行（否则仅预览）"),
            "__module__": __name__,
        })
    return _PARAMS[key]


def move_action(spec: MoveSpec):
    """The ``move`` detail action of a node's viewset."""

    @extend_schema(summary=spec.summary, description=spec.description, request=spec.params,
                   responses=spec.response or OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        return spec.run(request, self.get_object())

    return move


def move_view(model, spec: MoveSpec) -> type[GenericAPIView]:
    """A view answering ``POST <node>/<pk>/move/`` for a move that a higher app owns."""

    class MoveView(GenericAPIView):
        permission_classes = [ScopedAccess]
        queryset = model._default_manager.all()
        serializer_class = spec.params

        def get_queryset(self):
            return user_scope(self.request.user).filter(model._default_manager.all())

        @extend_schema(summary=spec.summary, description=spec.description, request=spec.params,
                       responses=spec.response or OpenApiTypes.OBJECT, tags=[model._meta.app_label])
        def post(self, request, pk):
            return spec.run(request, self.get_object())

    MoveView.__name__ = MoveView.__qualname__ = f"{model.__name__}MoveView"
    return MoveView
