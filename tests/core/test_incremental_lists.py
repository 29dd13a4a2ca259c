"""``?updated_since=`` on every list of zones, villages and members: the changed rows oldest first, archived ones
as tombstones, never another town's (the scope applies)."""
import pytest

from members.models import HouseholdLink, PartyBranch, PartyMember
from tests.incremental import check_incremental, two_towns
from villages.models import Household, MicroGrid, NaturalVillage, Village, VillageCadre
from zones.models import CommitteeMember, PartyInstructor, SunkCadrePosting, Town, WorkZone, ZoneOffice

pytestmark = pytest.mark.django_db

LISTS = [
    ("/api/towns/", Town, "towns"),
    ("/api/zones/", WorkZone, "zones"),
    ("/api/zone-offices/", ZoneOffice, "offices"),
    ("/api/committee-members/", CommitteeMember, "committee"),
    ("/api/sunk-cadres/", SunkCadrePosting, "cadres_sunk"),
    ("/api/instructors/", PartyInstructor, "instructors"),
    ("/api/villages/", Village, "villages"),
    ("/api/village-cadres/", VillageCadre, "village_cadres"),
    ("/api/natural-villages/", NaturalVillage, "natural_villages"),
    ("/api/grids/", MicroGrid, "grids"),
    ("/api/households/", Household, "households"),
    ("/api/branches/", PartyBranch, "branches"),
    ("/api/members/", PartyMember, "members"),
    ("/api/household-links/", HouseholdLink, "links"),
]


@pytest.fixture
def world():
    return two_towns()


@pytest.mark.parametrize("path, model, rows", LISTS, ids=[path.split("/")[2] for path, _, _ in LISTS])
def test_updated_since_on_the_list(world, path, model, rows):
    rows_in, rows_out = getattr(world, rows)
    check_incremental(world.client, path, model, rows_in, rows_out)
