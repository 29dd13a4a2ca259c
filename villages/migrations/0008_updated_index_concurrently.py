"""The (updated_at, id) index that pages ``?updated_since=`` on the large table(s) (household), built
concurrently so that writes go on during the build (core.migrations_policy)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("villages", "0007_updated_at"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="household",
            index=models.Index(fields=["updated_at", "id"], name="household_updated"),
        ),
    ]
