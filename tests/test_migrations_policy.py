"""Indexes on the large tables are built concurrently by every migration written from now on (core.migrations_policy)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

from core import migrations_policy as policy


def test_no_new_migration_indexes_a_large_table_inside_a_transaction():
    assert policy.violations() == []


def test_the_grandfathered_migrations_exist():
    from django.db.migrations.loader import MigrationLoader

    on_disk = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    assert policy.GRANDFATHERED <= on_disk


def _migration(operations, atomic=True):
    migration = migrations.Migration("0999_new", "visits")
    migration.operations = operations
    migration.atomic = atomic
    return migration


def test_the_check_refuses_a_plain_index_and_accepts_a_concurrent_one():
    index = models.Index(fields=["visited_on"], name="visit_day_idx")
    assert policy.migration_violations(_migration([migrations.AddIndex("visit", index)]))
    assert policy.migration_violations(_migration([AddIndexConcurrently("visit", index)]))  # atomic
    assert policy.migration_violations(_migration([AddIndexConcurrently("visit", index)], atomic=False)) == []
    assert policy.migration_violations(_migration([migrations.AddIndex("visitpolicy", index)])) == []  # small table
    assert policy.migration_violations(_migration([migrations.CreateModel(
        "Reminder", [("id", models.BigAutoField(primary_key=True))], options={"indexes": [index]})]))
    assert policy.migration_violations(_migration([migrations.RunSQL(
        "CREATE INDEX visit_x ON visits_visit (visited_on)")]))
    assert policy.migration_violations(_migration([migrations.RunSQL(
        "CREATE INDEX CONCURRENTLY visit_x ON visits_visit (visited_on)")], atomic=False)) == []
