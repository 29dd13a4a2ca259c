"""The database keeps ``updated_at`` (core.triggers.touch_updated_at): every UPDATE bumps it, whatever wrote it
(``save()``, ``QuerySet.update()``, a bulk move, raw SQL); inserts that name no time get the column's default;
an update that only touches a row records no audit event where the tracker leaves ``updated_at`` out."""
import datetime

import pytest
from django.db import connection
from django.utils import timezone
from pghistory.models import Events

from core.triggers import TOUCH, touched_models, untouched
from members.models import HouseholdLink, PartyBranch, PartyMember
from mediation.models import DisputeCase, DutyOfficer, DutyShift, FollowUp, MediationRoom
from organization.services import village_move, zone_move
from tests import factories as f
from villages.models import Household, MicroGrid, NaturalVillage, Village, VillageCadre
from villages.services import grid_move, natural_village_move
from zones.models import CommitteeMember, PartyInstructor, SunkCadrePosting, Town, WorkZone, ZoneOffice

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - datetime.timedelta(days=30)


def backdate(*rows):
    for row in rows:
        with untouched(type(row)):
            type(row).objects.filter(pk=row.pk).update(updated_at=LONG_AGO)


def bumped(row) -> bool:
    return type(row).objects.get(pk=row.pk).updated_at > LONG_AGO + datetime.timedelta(days=1)


def test_every_listed_model_outside_visits_and_reports_carries_the_trigger():
    expected = {Town, WorkZone, ZoneOffice, CommitteeMember, SunkCadrePosting, PartyInstructor, Village, VillageCadre,
                NaturalVillage, MicroGrid, Household, PartyBranch, PartyMember, HouseholdLink, MediationRoom,
                DutyOfficer, DutyShift, DisputeCase, FollowUp}
    assert expected <= set(touched_models())
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s", [f"pgtrigger_{TOUCH}_%"])
        installed = {name.strip('"') for (name,) in cursor.fetchall()}
    assert {model._meta.db_table for model in expected} <= installed


def test_update_save_and_raw_sql_bump_the_time():
    town = f.TownFactory()
    backdate(town)
    Town.objects.filter(pk=town.pk).update(code="370181001")
    assert bumped(town)
    backdate(town)
    town.refresh_from_db()
    town.code = "370181002"
    town.save(update_fields=["code"])  # update_fields without updated_at: the database stamps it all the same
    assert bumped(town)
    backdate(town)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE zones_town SET code = code WHERE id = %s", [town.pk])
    assert bumped(town)


def test_an_insert_naming_no_time_gets_the_default():
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO zones_town (name, code, name_pinyin) VALUES ('原始SQL街道', '', '') RETURNING updated_at")
        (updated_at,) = cursor.fetchone()
    assert updated_at is not None


def test_untouched_keeps_the_time_it_sets():
    town = f.TownFactory()
    backdate(town)
    assert not bumped(town)


def test_a_touch_alone_records_no_audit_event_and_a_change_does():
    town = f.TownFactory()
    backdate(town)
    before = Events.objects.tracks(town).count()
    Town.objects.filter(pk=town.pk).update(code=town.code)  # only the time changes
    assert bumped(town)
    assert Events.objects.tracks(town).count() == before
    Town.objects.filter(pk=town.pk).update(code="370181999")
    assert Events.objects.tracks(town).count() == before + 1


def test_a_grid_move_bumps_the_grid_its_households_and_their_links():
    grid = f.MicroGridFactory()
    households = [f.HouseholdFactory(grid=grid) for _ in range(2)]
    link = f.HouseholdLinkFactory(household=households[0])
    unmoved = f.HouseholdLinkFactory()
    target = f.NaturalVillageFactory(village__zone=grid.village.zone)
    backdate(grid, *households, link, unmoved)
    grid_move(grid=grid, to_natural_village=target, apply=True)
    assert bumped(grid) and all(bumped(h) for h in households)
    assert bumped(link) and not bumped(unmoved)  # the link moves with its household (members' handler)


def test_a_natural_village_move_bumps_it_its_grids_and_households():
    grid = f.MicroGridFactory()
    household = f.HouseholdFactory(grid=grid)
    natural_village = grid.natural_village
    target = f.VillageFactory(zone=grid.village.zone)
    backdate(natural_village, grid, household)
    natural_village_move(natural_village=natural_village, to_village=target, apply=True)
    assert bumped(natural_village) and bumped(grid) and bumped(household)


def test_a_village_and_a_zone_move_bump_what_they_rewrite():
    from mediation.services import case_create

    household = f.HouseholdFactory()
    village = household.village
    branch = f.PartyBranchFactory(village=village)
    case = case_create(by=f.make_user("village_cadre", village), village=village, source="walk_in",
                       category="neighbour", title="邻里纠纷", description="因排水沟争吵。",
                       parties=[{"role": "applicant", "name": "张德福", "phone": "", "address": ""}])
    follow_up = FollowUp.objects.create(case=case, sequence=1, due_date=datetime.date.today())
    member = f.PartyMemberFactory(branch=branch)
    link = f.HouseholdLinkFactory(household=household, member=member)
    cadre = f.VillageCadreFactory(village=village)
    instructor = f.PartyInstructorFactory(village=village)
    carried = [household.grid, household.natural_village, member, link, cadre, instructor, follow_up]
    other_zone = f.WorkZoneFactory(town=village.zone.town)
    elsewhere = f.MicroGridFactory()  # not moved: not stamped
    backdate(village, household, branch, case, elsewhere, *carried)
    village_move(village=village, to_zone=other_zone, apply=True)
    # the case follows its village by mediation's own database trigger (migration 0003): stamped as well
    assert bumped(village) and bumped(household) and bumped(branch) and bumped(case)
    # what the move carries along unchanged is stamped too: it enters the new zone's consumers' scope
    assert all(bumped(row) for row in carried), [row for row in carried if not bumped(row)]
    assert not bumped(elsewhere)

    room = services_room(other_zone)
    office = other_zone.offices.first()
    zone_branch = f.PartyBranchFactory(village=None, zone=other_zone, town=other_zone.town)
    zone_member = f.PartyMemberFactory(branch=zone_branch)
    backdate(other_zone, village, household, branch, case, room, office, zone_member, *carried)
    zone_move(zone=other_zone, to_town=f.TownFactory(), apply=True)
    assert bumped(other_zone) and bumped(household) and bumped(branch) and bumped(case)
    for row in (village, room, office, zone_member, *carried):
        assert bumped(row), row


def services_room(zone):
    from mediation.services import room_save

    return room_save(zone=zone, place="党群服务中心")
