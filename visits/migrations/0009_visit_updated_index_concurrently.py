"""The (updated_at, id) index that pages ``?updated_since=`` on the visits (2.6 million a year at district scale),
built concurrently so that visits can be logged during the build (core.migrations_policy)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("visits", "0008_updated_at"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="visit",
            index=models.Index(fields=["updated_at", "id"], name="visit_updated"),
        ),
    ]
