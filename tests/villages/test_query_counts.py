"""List endpoints: the number of queries does not grow with the page size (no N+1)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db

ROWS = 55
MAX_QUERIES = 8  # session, user, role assignments, count, page (+ slack for a prefetch)


def _households(zone):
    grid = f.MicroGridFactory(natural_village__village__zone=zone)
    households = f.HouseholdFactory.create_batch(ROWS, grid=grid, tags=["低保"])
    members = f.PartyMemberFactory.create_batch(3, branch__village=grid.village)
    for i, household in enumerate(households):
        f.HouseholdLinkFactory(household=household, member=members[i % 3])


def _members(zone):
    branch = f.PartyBranchFactory(village=f.VillageFactory(zone=zone))
    members = f.PartyMemberFactory.create_batch(ROWS, branch=branch, duties=["policy"])
    grid = f.MicroGridFactory(natural_village__village=branch.village)
    for member in members[:10]:
        f.HouseholdLinkFactory(member=member, household__grid=grid)


def _grids(zone):
    f.MicroGridFactory.create_batch(ROWS, natural_village=f.NaturalVillageFactory(village__zone=zone))


def _villages(zone):
    f.VillageFactory.create_batch(ROWS, zone=zone)


def _zones(zone):
    f.WorkZoneFactory.create_batch(ROWS, town=zone.town)


CASES = {
    "/api/households/": _households,
    "/api/household-links/": _households,
    "/api/members/": _members,
    "/api/grids/": _grids,
    "/api/villages/": _villages,
    "/api/zones/": _zones,
}


@pytest.mark.parametrize("url", list(CASES))
def test_list_query_count_does_not_grow_with_page_size(url, django_assert_max_num_queries):
    zone = f.WorkZoneFactory()
    CASES[url](zone)
    CASES[url](f.WorkZoneFactory())  # rows out of scope too
    client = APIClient()
    client.force_login(f.make_user("town_staff", zone.town))

    with CaptureQueriesContext(connection) as small:
        response = client.get(url, {"page_size": 5})
    assert response.status_code == 200 and len(response.data["results"]) == 5
    assert len(small) <= MAX_QUERIES, [q["sql"] for q in small.captured_queries]

    with django_assert_max_num_queries(len(small)):
        response = client.get(url, {"page_size": 50})
    assert response.status_code == 200 and len(response.data["results"]) == 50
    assert response.data["count"] >= ROWS
