"""The (updated_at, id) index that pages ``?updated_since=`` on the large table(s) (disputecase), built
concurrently so that writes go on during the build (core.migrations_policy)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("mediation", "0008_updated_at"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="disputecase",
            index=models.Index(fields=["updated_at", "id"], name="case_updated"),
        ),
    ]
