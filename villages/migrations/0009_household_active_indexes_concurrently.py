"""Partial indexes for the household lists, which leave archived households out (``archived_at IS NULL``): a zone's
or town's count and page are index-only scans again, instead of reading every heap page of the scope to check
``archived_at`` (town01's list: 148 → 267 requests/s at 20 clients; BENCHMARKS.md). Built concurrently
(core.migrations_policy)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("villages", "0008_updated_index_concurrently"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="household",
            index=models.Index(condition=models.Q(("archived_at__isnull", True)), fields=["zone", "id"],
                               name="household_zone_active"),
        ),
        AddIndexConcurrently(
            model_name="household",
            index=models.Index(condition=models.Q(("archived_at__isnull", True)), fields=["town", "id"],
                               name="household_town_active"),
        ),
    ]
