"""Zone services: creation with five offices, moving a village between zones."""
import pytest
from django.core.exceptions import ValidationError

from members.models import HouseholdLink, PartyBranch, PartyMember
from tests import factories as f
from tests.failures import update_fails_on
from villages.models import Household, MicroGrid, Village
from zones.models import OfficeKind, PartyInstructor, WorkZone, ZoneOffice
from organization.services import village_move
from zones.services import zone_create

pytestmark = pytest.mark.django_db


def test_zone_create_makes_the_five_offices():
    town = f.TownFactory()
    zone = zone_create(town=town, name="幸福闫满工作区", brand="幸福闫满")
    kinds = sorted(zone.offices.values_list("kind", flat=True))
    assert kinds == sorted(OfficeKind.values)
    assert {o.get_kind_display() for o in zone.offices.all()} == {
        "党群工作办公室", "经济发展办公室", "社会事务办公室", "城乡建设办公室", "应急环保办公室",
    }
    assert zone.name_pinyin.startswith("xfymgzq ")


def test_zone_create_refuses_a_duplicate_name_in_the_town_and_writes_nothing():
    town = f.TownFactory()
    zone_create(town=town, name="官庄工作区")
    zones, offices = WorkZone.objects.count(), ZoneOffice.objects.count()
    with pytest.raises(ValidationError):
        zone_create(town=town, name="官庄工作区")
    assert (WorkZone.objects.count(), ZoneOffice.objects.count()) == (zones, offices)
    # the same name in another town is fine
    assert zone_create(town=f.TownFactory(), name="官庄工作区").offices.count() == 5


def test_zone_create_requires_a_name():
    with pytest.raises(ValidationError) as exc:
        zone_create(town=f.TownFactory(), name="")
    assert "name" in exc.value.message_dict


@pytest.fixture
def movable():
    """A village in zone `src` (town 1) with grids, households, a branch, members and links; zone `dst` in town 2."""
    src = f.WorkZoneFactory()
    dst = f.WorkZoneFactory()  # another town
    village = f.VillageFactory(zone=src)
    nv = f.NaturalVillageFactory(village=village)
    grids = f.MicroGridFactory.create_batch(2, natural_village=nv)
    households = [f.HouseholdFactory(grid=g) for g in grids for _ in range(3)]
    branch = f.PartyBranchFactory(village=village)
    members = f.PartyMemberFactory.create_batch(2, branch=branch)
    for i, household in enumerate(households[:4]):
        f.HouseholdLinkFactory(member=members[i % 2], household=household)
    bystander = f.HouseholdFactory(grid=f.MicroGridFactory(natural_village__village__zone=src))
    return {"src": src, "dst": dst, "village": village, "households": households, "branch": branch,
            "members": members, "bystander": bystander}


def _snapshot(village):
    return (
        Village.objects.get(pk=village.pk).zone_id,
        sorted(Household.objects.filter(village=village).values_list("id", "zone_id", "town_id")),
        sorted(PartyBranch.objects.filter(village=village).values_list("id", "zone_id", "town_id")),
    )


def test_village_move_preview_changes_nothing(movable):
    village, dst = movable["village"], movable["dst"]
    before = _snapshot(village)
    preview = village_move(village=village, to_zone=dst, apply=False)
    assert preview == {
        "village": village.name, "from_zone": movable["src"].name, "to_zone": dst.name, "natural_villages": 1,
        "grids": 2, "households": 6, "branches": 1, "members": 2, "instructors_ended": 0, "applied": False,
    }
    assert _snapshot(village) == before


def test_village_move_apply_moves_denormalised_columns_and_branches(movable):
    village, dst, src = movable["village"], movable["dst"], movable["src"]
    result = village_move(village=village, to_zone=dst, apply=True)
    assert result["applied"] is True and result["households"] == 6
    village.refresh_from_db()
    assert village.zone_id == dst.pk
    rows = Household.objects.filter(pk__in=[h.pk for h in movable["households"]])
    assert set(rows.values_list("zone_id", "town_id")) == {(dst.pk, dst.town_id)}
    branch = PartyBranch.objects.get(pk=movable["branch"].pk)
    assert (branch.zone_id, branch.town_id) == (dst.pk, dst.town_id)
    # members and links follow their branch and households; nothing else moved
    assert PartyMember.objects.filter(branch=branch).count() == 2
    assert HouseholdLink.objects.filter(household__zone=dst).count() == 4
    bystander = Household.objects.get(pk=movable["bystander"].pk)
    assert (bystander.zone_id, bystander.town_id) == (src.pk, src.town_id)
    assert MicroGrid.objects.filter(village=village).count() == 2


def test_village_move_failing_midway_leaves_everything_unchanged(movable):
    village, dst = movable["village"], movable["dst"]
    before = _snapshot(village)
    with update_fails_on(PartyBranch):  # households and the village are already updated at this point
        village_move(village=village, to_zone=dst, apply=True)
    assert _snapshot(village) == before


def test_village_move_ends_the_old_zones_instructor_posting(movable):
    import datetime

    village = movable["village"]
    cadre = f.SunkCadrePostingFactory(zone=movable["src"], start_date=datetime.date(2025, 1, 1))
    instructor = PartyInstructor.objects.create(village=village, cadre=cadre, start_date=datetime.date(2025, 1, 1))
    preview = village_move(village=village, to_zone=movable["dst"], apply=False)
    assert preview["instructors_ended"] == 1
    instructor.refresh_from_db()
    assert instructor.end_date is None
    village_move(village=village, to_zone=movable["dst"], apply=True)
    instructor.refresh_from_db()
    assert instructor.end_date == datetime.date.today()


def test_village_move_to_its_own_zone_is_refused(movable):
    with pytest.raises(ValidationError) as exc:
        village_move(village=movable["village"], to_zone=movable["src"], apply=True)
    assert "zone" in exc.value.message_dict


def test_village_move_refuses_a_name_taken_in_the_target_zone(movable):
    village, dst = movable["village"], movable["dst"]
    f.VillageFactory(zone=dst, name=village.name)
    before = _snapshot(village)
    for apply in (False, True):
        with pytest.raises(ValidationError) as exc:
            village_move(village=village, to_zone=dst, apply=apply)
        assert "已有同名" in str(exc.value)
    assert _snapshot(village) == before
