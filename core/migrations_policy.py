"""Migrations that index the large tables build their indexes concurrently (convention, checked by a test).

Why: ``CREATE INDEX`` locks its table against writes for as long as the build takes — minutes on a million
households, visits or reminders — so a deploy would stop every visit being logged. ``CREATE INDEX
CONCURRENTLY`` lets writes go on; PostgreSQL refuses it inside a transaction.

The convention, for every migration written from now on:

* an index on a large table (``LARGE_MODELS``) is added with ``AddIndexConcurrently`` (and removed with
  ``RemoveIndexConcurrently``) from ``django.contrib.postgres.operations``, in a migration with
  ``atomic = False`` that does nothing else (a failed concurrent build leaves an INVALID index: drop it and
  run the migration again);
* no ``AddIndex``, and no ``indexes`` in a ``CreateModel``, for those tables; no ``RunSQL`` that runs
  ``CREATE INDEX`` without ``CONCURRENTLY`` on them;
* a unique constraint or a ``db_index=True`` field on them builds an index too: prefer a unique index built
  concurrently, and say in the migration why when it cannot be.

``GRANDFATHERED`` lists the migrations that existed when the rule was made (they ran on empty or small
tables); ``violations()`` reads every migration on disk and reports the others that break the rule
(tests/test_migrations_policy.py). Names are "app_label.model_name" strings: ``core`` imports no domain app.
"""
from __future__ import annotations

import re

# tables that reach hundreds of thousands to millions of rows at district scale (and their audit events)
LARGE_MODELS = frozenset({
    "villages.household", "villages.householdevent",
    "members.householdlink", "members.householdlinkevent", "members.partymember", "members.partymemberevent",
    "visits.visit", "visits.visitevent", "visits.reminder", "visits.colorchange", "visits.householdvisitstate",
    "visits.coveragesnapshot",
    "notifications.notification",
    "mediation.disputecase", "mediation.disputecaseevent", "mediation.caseevent",
    "accounts.securityevent",
})

# every migration on disk when the rule was introduced
GRANDFATHERED = frozenset({
    "accounts.0001_initial", "accounts.0002_initial", "accounts.0003_security_log",
    "mediation.0001_initial", "mediation.0002_dispute_case_visit", "mediation.0003_case_zone_town",
    "mediation.0004_case_zone_town_required",
    "members.0001_initial", "members.0002_initial",
    "notifications.0001_initial", "notifications.0002_notification_user_unchecked_and_inbox_index",
    "villages.0001_initial", "villages.0002_initial", "villages.0003_household_indexes",
    "visits.0001_initial", "visits.0002_reminder_created_at", "visits.0003_reminder_open_and_next_step",
    "zones.0001_initial",
})

_CREATE_INDEX = re.compile(r"\bCREATE\s+(?:UNIQUE\s+)?INDEX\b(?!\s+CONCURRENTLY)[^;]*?\bON\s+(?:ONLY\s+)?\"?(\w+)\"?",
                           re.IGNORECASE)


def _large_tables() -> set[str]:
    """db_table of each installed large model (``app_model`` unless the model says otherwise)."""
    from django.apps import apps

    tables = set()
    for label in LARGE_MODELS:
        app_label, model_name = label.split(".")
        try:
            tables.add(apps.get_model(app_label, model_name)._meta.db_table)
        except LookupError:
            tables.add(f"{app_label}_{model_name}")
    return tables


def _sql_texts(sql) -> list[str]:
    if isinstance(sql, str):
        return [sql]
    texts = []
    for item in sql or ():
        texts.append(item[0] if isinstance(item, (list, tuple)) else str(item))
    return texts


def migration_violations(migration, large_tables: set[str] | None = None) -> list[str]:
    """What in one migration breaks the rule (an empty list if nothing)."""
    from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
    from django.db import migrations

    large_tables = _large_tables() if large_tables is None else large_tables
    name = f"{migration.app_label}.{migration.name}"
    found = []
    for operation in migration.operations:
        model = getattr(operation, "model_name", None) or getattr(operation, "name", "")
        label = f"{migration.app_label}.{str(model).lower()}"
        if isinstance(operation, (AddIndexConcurrently, RemoveIndexConcurrently)):
            if getattr(migration, "atomic", True):
                found.append(f"{name}: {type(operation).__name__} needs atomic = False in the migration")
        elif isinstance(operation, migrations.AddIndex) and label in LARGE_MODELS:
            found.append(f"{name}: AddIndex on {label} — use AddIndexConcurrently (atomic = False)")
        elif isinstance(operation, migrations.CreateModel) and label in LARGE_MODELS \
                and operation.options.get("indexes"):
            found.append(f"{name}: CreateModel {label} with indexes — add them with AddIndexConcurrently")
        elif isinstance(operation, migrations.RunSQL):
            for sql in _sql_texts(operation.sql):
                for table in _CREATE_INDEX.findall(sql):
                    if table in large_tables:
                        found.append(f"{name}: RunSQL CREATE INDEX on {table} without CONCURRENTLY")
    return found


def violations() -> list[str]:
    """Every migration on disk that is not grandfathered and breaks the rule."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    large_tables = _large_tables()
    found = []
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        if f"{app_label}.{name}" in GRANDFATHERED:
            continue
        found.extend(migration_violations(migration, large_tables))
    return found
