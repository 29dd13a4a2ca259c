"""One zone-scale seed per test module (committed); each test runs in its own rolled-back transaction."""
import io

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from demo import accounts as demo


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", scale="zone", stdout=out, **options)
    return out.getvalue()


def empty_demo_data() -> None:
    from demo.management.commands.seed_demo import seeded_tables

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in seeded_tables()) + " RESTART IDENTITY CASCADE")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The output of one zone-scale seed, for the whole module; the data is removed after it."""
    with django_db_blocker.unblock():
        output = seed(reset=True)
    yield output
    with django_db_blocker.unblock():
        empty_demo_data()
        User.objects.filter(username__in=demo.DEMO_USERNAMES).delete()
