"""The households list builds its rows from one values() query (core.listing.values_plan):
the output must be the serializer's, key for key, in any active time zone."""
import datetime
import zoneinfo

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from tests import factories as f
from core.listing import values_plan as _values_plan
from villages.models import Household
from villages.serializers import HouseholdSerializer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone_name", [None, "UTC", "America/New_York"])
def test_list_rows_equal_the_serializer_output(zone_name):
    zone = f.WorkZoneFactory()
    grid = f.MicroGridFactory(natural_village__village__zone=zone)
    households = f.HouseholdFactory.create_batch(3, grid=grid, tags=["低保"], color="red")
    f.HouseholdLinkFactory(household=households[0], member=f.PartyMemberFactory(branch__village=grid.village))
    Household.objects.filter(pk=households[1].pk).update(next_visit_due=datetime.date(2026, 12, 1))
    client = APIClient()
    client.force_login(f.make_user("zone_committee", zone))
    with timezone.override(zoneinfo.ZoneInfo(zone_name)) if zone_name else timezone.override(None):
        results = client.get("/api/households/", {"page_size": 50}).json()["results"]
        expected = {
            h.pk: HouseholdSerializer(h).data
            for h in Household.objects.select_related("grid", "natural_village", "village", "zone", "link__member")
        }
    assert len(results) == 3
    for row in results:
        assert row == dict(expected[row["id"]]), row["id"]
        assert isinstance(row["created_at"], str)
    if zone_name == "UTC":
        assert results[0]["created_at"].endswith("Z")


class _FixedZoneSerializer(serializers.ModelSerializer):
    created_at = serializers.DateTimeField(default_timezone=zoneinfo.ZoneInfo("Asia/Tokyo"))
    updated_at = serializers.DateTimeField(format="%Y-%m-%d %H:%M")

    class Meta:
        model = Household
        fields = ["id", "created_at", "updated_at"]


def test_datetime_fields_with_their_own_zone_or_format():
    household = f.HouseholdFactory()
    _lookups, page_rows, build_page = _values_plan(_FixedZoneSerializer, Household)
    row = page_rows([household.pk])[household.pk]
    assert build_page([row]) == [dict(_FixedZoneSerializer(household).data)]
    assert build_page([row])[0]["created_at"].endswith("+09:00")
    assert page_rows([]) == {}
