"""A node of the tree moving under another parent, carrying what hangs below it: one shape for every move.

Every reorganisation (a zone to another town, a village to another zone, a natural village to another
village, a grid to another natural village) is the same few steps, written here once:

1. refuse a move onto the same parent, or under a parent that already has a node of that name (a
   ``ValidationError`` naming the parent's field, in Chinese);
2. answer a preview: the node, where it comes from and goes to, and how many rows of each kind move along;
3. with ``apply``, in one transaction: lock the node's row, point it at the new parent, run the caller's
   ``carry`` (the bulk updates of denormalised ancestors below it and the domain events that announce them),
   and answer the preview marked ``applied``.

What moves along, and which events say so, belongs to the app that owns the move; this module imports no
domain app.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from django.core.exceptions import ValidationError
from django.db import models, transaction
from rest_framework import serializers


def node_move(
    node: models.Model,
    *,
    key: str,
    parent: str,
    to: models.Model,
    labels: tuple[str, str],
    counts: Mapping[str, models.QuerySet | int],
    carry: Callable[[], None],
    apply: bool,
    also: Mapping[str, object] | None = None,
    preview: Mapping[str, object] | None = None,
) -> dict:
    """Move ``node`` under ``to`` (its ``parent`` field), or only preview it.

    ``key`` names the node in the answer (``"village"``: its name); ``labels`` are the parent's and the node's names in messages (e.g. ``("工作区", "村/社区")``); ``counts``
    what moves along (a queryset is counted); ``also`` further columns of the node's own row to set (a grid
    keeps its village beside its natural village); ``preview`` further keys of the answer.
    """
    parent_label, node_label = labels
    model = type(node)
    if to.pk == getattr(node, f"{parent}_id"):
        raise ValidationError({parent: f"目标{parent_label}与当前{parent_label}相同。"})
    if model._default_manager.filter(**{parent: to, "name": node.name}).exclude(pk=node.pk).exists():
        raise ValidationError({parent: f"目标{parent_label}已有同名{node_label}“{node.name}”。"})
    answer = {
        key: node.name,
        f"from_{parent}": getattr(node, parent).name,
        f"to_{parent}": to.name,
        **(preview or {}),
        **{name: rows if isinstance(rows, int) else rows.count() for name, rows in counts.items()},
        "applied": False,
    }
    if not apply:
        return answer
    with transaction.atomic():
        model._default_manager.select_for_update().filter(pk=node.pk).update(**{parent: to, **(also or {})})
        carry()
    node.refresh_from_db()
    return {**answer, "applied": True}


def move_answer_serializer(name: str, *, doc: str, node: tuple[str, str], parent: tuple[str, str],
                           counts: Mapping[str, str], ancestors: Mapping[str, str] | None = None):
    """The serializer of a move's answer (preview and applied move share it), declared as its fields:
    ``node`` and ``parent`` as (key, label), ``counts`` as key → label, ``ancestors`` further from/to pairs."""
    pairs = {parent[0]: parent[1], **(ancestors or {})}
    fields = {node[0]: serializers.CharField(label=node[1])}
    for key, label in pairs.items():
        fields[f"from_{key}"] = serializers.CharField(label=f"原{label}")
        fields[f"to_{key}"] = serializers.CharField(label=f"目标{label}")
    fields.update({key: serializers.IntegerField(label=label) for key, label in counts.items()})
    fields["applied"] = serializers.BooleanField(label="已执行")
    return type(name, (serializers.Serializer,), {"__doc__": doc, "__module__": __name__, **fields})
