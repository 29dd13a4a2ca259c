"""Incremental pulls: ``updated_since`` on the lists that keep a modification time, oldest change first, with
archived rows as tombstones; refused (400 naming the parameter) on lists that keep none or with a bad time."""
import datetime

import pytest
from django.utils import timezone

from core.triggers import untouched
from tests.api_fixtures import client, grid, village  # noqa: F401  (fixtures)
from villages.models import Household
from villages.services import household_update

pytestmark = pytest.mark.django_db


def test_updated_since_lists_the_changed_rows_oldest_first(client, grid):  # noqa: F811
    from tests.factories import HouseholdFactory

    first, second, third = (HouseholdFactory(grid=grid) for _ in range(3))
    long_ago = timezone.now() - datetime.timedelta(days=30)
    with untouched(Household):  # the database keeps the time: hold its trigger off to backdate
        Household.objects.filter(pk__in=[first.pk, second.pk, third.pk]).update(updated_at=long_ago)
        Household.objects.filter(pk=third.pk).update(updated_at=timezone.now() - datetime.timedelta(seconds=30))
    since = timezone.now() - datetime.timedelta(minutes=1)
    # the first's update is stamped with the transaction's start (the test's transaction: after the third's time)
    household_update(household=Household.objects.get(pk=first.pk), people_count=6)
    answer = client.get("/api/households/", {"updated_since": since.isoformat()})
    assert answer.status_code == 200, answer.content
    assert [row["id"] for row in answer.json()["results"]] == [third.pk, first.pk]
    everything = client.get("/api/households/", {"updated_since": (long_ago - datetime.timedelta(seconds=1)).isoformat()})
    assert everything.json()["count"] == 3


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00"])
def test_a_bad_time_is_a_400_naming_the_parameter(client, value):  # noqa: F811
    answer = client.get("/api/households/", {"updated_since": value})
    assert answer.status_code == 400 and "updated_since" in answer.json()


def test_a_list_without_modification_times_refuses(client):  # noqa: F811
    answer = client.get("/api/notifications/", {"updated_since": timezone.now().isoformat()})
    assert answer.status_code == 400 and "不支持增量同步" in answer.json()["updated_since"][0]


def test_the_schema_documents_updated_since_on_those_lists(client):  # noqa: F811
    schema = client.get("/api/schema/", {"format": "json"}).json()
    names = [p["name"] for p in schema["paths"]["/api/households/"]["get"]["parameters"]]
    assert "updated_since" in names
    assert "updated_since" in [p["name"] for p in schema["paths"]["/api/natural-villages/"]["get"]["parameters"]]
    assert "updated_since" not in [p["name"] for p in schema["paths"]["/api/notifications/"]["get"]["parameters"]]
