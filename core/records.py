"""The generic write service for plain records (台账条目): create, update, delete.

A record with rules of its own gets a service in its app (``household_create``, ``zone_create``, a move,
a case transition); every other write of the API goes through these three, never ``serializer.save()``
or ``instance.save()`` in a view. They do what DRF's ``ModelSerializer.create/update`` do with validated
data (many-to-many values are set after the row is saved), inside one transaction, and they are the
single place to add what every plain write needs.
"""
from __future__ import annotations

from django.db import models, transaction


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
