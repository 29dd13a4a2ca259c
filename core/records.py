"""The generic write service for plain records (台账条目): create, update, delete.

A record with rules of its own gets a service in its app (``household_create``, ``zone_create``, a move,
a case transition); every other write of the API goes through these three, never ``serializer.save()``
or ``instance.save()`` in a view. They do what DRF's ``ModelSerializer.create/update`` do with validated
data (many-to-many values are set after the row is saved), inside one transaction, and they are the
single place to add what every plain write needs.
"""
from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from .models import Archivable


class ArchiveRefused(Exception):
    """An archive (or restore) that would leave records inconsistent; the message says why (409 in the API)."""


def _split_many(model: type[models.Model], data: dict) -> tuple[dict, dict]:
    many = {f.name for f in model._meta.get_fields() if f.many_to_many and not f.auto_created}
    return ({k: v for k, v in data.items() if k not in many}, {k: v for k, v in data.items() if k in many})


@transaction.atomic
def record_create(model: type[models.Model], data: dict) -> models.Model:
    """A new row of ``model`` from validated data."""
    fields, many = _split_many(model, data)
    instance = model._default_manager.create(**fields)
    for name, value in many.items():
        getattr(instance, name).set(value)
    return instance


@transaction.atomic
def record_update(instance: models.Model, data: dict) -> models.Model:
    """Apply validated changes to one row (only the fields given)."""
    fields, many = _split_many(type(instance), data)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()
    for name, value in many.items():
        getattr(instance, name).set(value)
    return instance


@transaction.atomic
def record_delete(instance: models.Model) -> None:
    """Delete one row; rows that others still point at refuse (ProtectedError, a 409 in the API)."""
    instance.delete()


def is_archivable(model: type[models.Model]) -> bool:
    return issubclass(model, Archivable)


def active_children(instance: models.Model) -> list[tuple[str, int]]:
    """(Chinese name, count) of the active rows of archivable models that point at ``instance``
    through a required (PROTECT or CASCADE) foreign key: the rows that would hang under an archived parent."""
    found = []
    for rel in type(instance)._meta.related_objects:
        if not (rel.one_to_many or rel.one_to_one) or not is_archivable(rel.related_model):
            continue
        if rel.field.null:  # an optional pointer (e.g. a member's account) does not hang under the row
            continue
        count = rel.related_model._default_manager.filter(
            **{rel.field.name: instance, "archived_at__isnull": True}).count()
        if count:
            found.append((str(rel.related_model._meta.verbose_name), count))
    return found


@transaction.atomic
def record_archive(instance: models.Model) -> models.Model:
    """Archive one row (soft): it leaves lists, keeps its history. Refused while active rows hang under it."""
    if not is_archivable(type(instance)):
        raise TypeError(f"{type(instance).__name__} is not archivable")
    if instance.archived_at is not None:
        return instance
    children = active_children(instance)
    if children:
        names = "、".join(f"{name} {count} 条" for name, count in children)
        raise ArchiveRefused(f"不能归档：其下还有未归档的记录（{names}），请先迁出或归档。")
    instance.archived_at = timezone.now()
    instance.save(update_fields=["archived_at"])
    return instance


@transaction.atomic
def record_restore(instance: models.Model) -> models.Model:
    """Bring an archived row back into the lists; refused while its parent is archived."""
    if instance.archived_at is None:
        return instance
    for field in type(instance)._meta.concrete_fields:
        if field.many_to_one and is_archivable(field.related_model):
            parent = getattr(instance, field.name)
            if parent is not None and parent.archived_at is not None:
                raise ArchiveRefused(
                    f"不能恢复：所属的{field.verbose_name}「{parent}」已归档，请先恢复它。")
    instance.archived_at = None
    instance.save(update_fields=["archived_at"])
    return instance
