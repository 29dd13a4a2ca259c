"""Zone flags: fewer than 15 current sunk cadres; villages without a current "1+1" instructor."""
import datetime

import pytest

from tests import factories as f
from zones.models import WorkZone
from zones.selectors import villages_without_instructor, zone_flags, zones_short_of_cadres

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 1)


def _postings(zone, n, **dates):
    return f.SunkCadrePostingFactory.create_batch(n, zone=zone, **dates)


def test_a_zone_with_fewer_than_15_current_cadres_is_flagged():
    full, short = f.WorkZoneFactory(), f.WorkZoneFactory()
    _postings(full, 15, start_date=datetime.date(2024, 1, 1))
    _postings(short, 14, start_date=datetime.date(2024, 1, 1))
    # not current: ended yesterday, starting tomorrow
    _postings(short, 1, start_date=datetime.date(2023, 1, 1), end_date=TODAY - datetime.timedelta(days=1))
    _postings(short, 1, start_date=TODAY + datetime.timedelta(days=1))
    # ending today still counts
    _postings(full, 1, start_date=datetime.date(2023, 1, 1), end_date=TODAY)
    assert list(zones_short_of_cadres(WorkZone.objects.all(), today=TODAY)) == [short]
    assert zone_flags(short, today=TODAY)["current_cadres"] == 14
    assert zone_flags(short, today=TODAY)["cadres_below_minimum"] is True
    flags = zone_flags(full, today=TODAY)
    assert (flags["current_cadres"], flags["cadres_below_minimum"]) == (16, False)


def test_villages_without_a_current_instructor_are_flagged():
    zone = f.WorkZoneFactory()
    covered, bare, ended, future = f.VillageFactory.create_batch(4, zone=zone)
    f.PartyInstructorFactory(village=covered, start_date=datetime.date(2025, 1, 1))
    f.PartyInstructorFactory(village=ended, start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2025, 5, 31))
    f.PartyInstructorFactory(village=future, start_date=datetime.date(2025, 6, 2))
    flagged = villages_without_instructor(zone.villages.all(), today=TODAY)
    assert set(flagged) == {bare, ended, future}
    flags = zone_flags(zone, today=TODAY)
    assert {v["id"] for v in flags["villages_without_instructor"]} == {bare.pk, ended.pk, future.pk}
    assert {v["name"] for v in flags["villages_without_instructor"]} == {bare.name, ended.name, future.name}
