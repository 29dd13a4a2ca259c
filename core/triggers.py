"""Database triggers the apps declare on their models (django-pgtrigger, installed by migrations).

``touch_updated_at()``: the modification time of a row is kept by the database, not by the code that writes
it. Django's ``auto_now`` only runs in ``Model.save()``; a ``QuerySet.update()``, a bulk move of a subtree
(``villages.services.grid_move``, the organisation's reorganisations), a database trigger that follows a
parent (mediation migration 0003) or raw SQL would leave ``updated_at`` behind, and a consumer pulling
``?updated_since=`` would miss the row. The trigger sets ``NEW.updated_at = now()`` before every UPDATE,
whatever the statement set. Inserts keep ``auto_now`` (the ORM) and the column's database default
``now()`` (bulk loads that name no ``updated_at``).

``now()`` is the time the *transaction* started: a long transaction commits rows stamped earlier than its
commit; consumers overlap their high-water mark by a margin (README, "Incremental pulls").

A model that declares the trigger and is tracked by pghistory excludes ``updated_at`` from its tracker
(``@pghistory.track(exclude=["updated_at", …])``): an update that only touches a row records no audit event.

Declared in each model's ``Meta.triggers = [touch_updated_at()]`` together with an index on
``(updated_at, id)`` (``updated_index(name)``) that pages the incremental lists. A move that carries rows
into another part of the tree without changing their columns (only a parent's) stamps them with ``touch()``.
"""
from __future__ import annotations

import contextlib

import pgtrigger
from django.db import models

TOUCH = "touch_updated_at"


def touch_updated_at() -> pgtrigger.Trigger:
    """BEFORE UPDATE, for each row: ``updated_at`` becomes now()."""
    return pgtrigger.Trigger(
        name=TOUCH, level=pgtrigger.Row, when=pgtrigger.Before, operation=pgtrigger.Update,
        func="NEW.updated_at = now(); RETURN NEW;",
    )


def updated_index(name: str, pk: str = "id") -> models.Index:
    """The index an incremental pull (``changed_since``: ``updated_at >= t ORDER BY updated_at, pk``) reads;
    ``pk``: the primary key's field when it is not ``id``."""
    return models.Index(fields=["updated_at", pk], name=name)


def touch(queryset) -> int:
    """Stamp rows whose own columns do not change but whose place does: a move carries them into (or out of) a
    consumer's scope through a parent (a village's grids when the village moves to another zone), and a pull by
    ``updated_since`` must list them. The trackers leave ``updated_at`` out: no audit event."""
    from django.db.models.functions import Now

    return queryset.update(updated_at=Now())


def touched_models() -> list[type[models.Model]]:
    """The models whose rows the trigger keeps."""
    return [model for model, trigger in pgtrigger.registry.registered() if trigger.name == TOUCH]


@contextlib.contextmanager
def untouched(*models_: type[models.Model]):
    """Within the block (and its transaction), updates keep the ``updated_at`` they set: for tests that
    backdate rows and for data repairs that must keep the recorded times. All touched models by default."""
    uris = [f"{model._meta.label}:{TOUCH}" for model in (models_ or touched_models())]
    with pgtrigger.ignore(*uris):
        yield
