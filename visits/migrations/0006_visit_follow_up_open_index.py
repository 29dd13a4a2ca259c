"""The follow-up work list's partial index, built concurrently (visits is a large table: core.migrations_policy)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("visits", "0005_follow_up_done_suggestion_review"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="visit",
            index=models.Index(condition=models.Q(("follow_up_done_at__isnull", True), ("follow_up_needed", True)),
                               fields=["visited_on"], name="visit_follow_up_open"),
        ),
    ]
