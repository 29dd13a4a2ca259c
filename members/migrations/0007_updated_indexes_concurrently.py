"""The (updated_at, id) index that pages ``?updated_since=`` on the large table(s) (householdlink, partymember), built
concurrently so that writes go on during the build (core.migrations_policy)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("members", "0006_updated_at"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="householdlink",
            index=models.Index(fields=["updated_at", "id"], name="link_updated"),
        ),
        AddIndexConcurrently(
            model_name="partymember",
            index=models.Index(fields=["updated_at", "id"], name="member_updated"),
        ),
    ]
