"""Index every reminder by its addressee (closed ones too), built concurrently: the scope reads one's own
reminders by it (accounts.scoping: the owner half of a via-scoped model, issue 9)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("visits", "0003_reminder_open_and_next_step"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="reminder",
            index=models.Index(fields=["recipient"], name="reminder_recipient"),
        ),
    ]
