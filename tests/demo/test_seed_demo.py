"""seed_demo --scale zone: the invariants the demo data must keep (the district scale is the same code, in bench/)."""
import datetime
import io
import json

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.apps import apps
from django.db.models import Count, F, Max, Min, Q
from stdnum.cn import ric

from accounts.models import Role, RoleAssignment, User
from accounts.scoping import user_scope
from core import pii
from demo import accounts as demo
from members.models import LINK_MAX, LINK_MIN, Duty, HouseholdLink, PartyBranch, PartyMember
from villages.models import Household, HouseholdColor, MicroGrid, NaturalVillage, Village, VillageCadre
from zones.models import CommitteeMember, PartyInstructor, SunkCadrePosting, Town, WorkZone, ZoneOffice

from .conftest import empty_demo_data, seed

pytestmark = pytest.mark.django_db
DUTY_ORDER = list(Duty.values)


def test_zone_scale_has_the_yanman_shape(seeded):
    assert Town.objects.count() == 1
    assert WorkZone.objects.get().brand == "幸福闫满"
    assert Village.objects.count() == 9
    assert NaturalVillage.objects.count() == 13
    assert 175 <= MicroGrid.objects.count() <= 195
    assert Household.objects.count() == 4_468
    sizes = MicroGrid.objects.annotate(n=Count("households")).aggregate(lo=Min("n"), hi=Max("n"))
    assert 15 <= sizes["lo"] and sizes["hi"] <= 25
    assert set(Household.objects.values_list("color", flat=True).distinct()) == set(HouseholdColor.values)
    for line in ("网格、户、党员联户", "总耗时", "zone01"):
        assert line in seeded


def test_every_household_linked_to_one_member_of_its_village_branch(seeded):
    assert not Household.objects.filter(link__isnull=True).exists()
    assert HouseholdLink.objects.count() == Household.objects.count()
    counts = PartyMember.objects.annotate(n=Count("links")).filter(n__gt=0).aggregate(lo=Min("n"), hi=Max("n"))
    assert LINK_MIN <= counts["lo"] and counts["hi"] <= LINK_MAX
    assert not HouseholdLink.objects.exclude(member__branch__village=F("household__village")).exists()
    assert not HouseholdLink.objects.filter(Q(member__left_on__isnull=False) | Q(member__is_flowing=True)).exists()


def test_denormalised_ancestors_follow_grid_natural_village_village_zone_town(seeded):
    households = Household.objects.all()
    assert not households.exclude(natural_village=F("grid__natural_village")).exists()
    assert not households.exclude(village=F("grid__natural_village__village")).exists()
    assert not households.exclude(village=F("grid__village")).exists()
    assert not households.exclude(zone=F("village__zone")).exists()
    assert not households.exclude(town=F("zone__town")).exists()
    assert not MicroGrid.objects.exclude(village=F("natural_village__village")).exists()
    assert not PartyBranch.objects.filter(village__isnull=False).exclude(zone=F("village__zone")).exists()


def test_members_have_valid_unique_protected_id_numbers_and_phones(seeded):
    members = list(PartyMember.objects.all())
    assert len(members) > 500
    assert len({m.id_number_hash for m in members}) == len(members)
    for member in members:
        number = pii.decrypt(member.id_number_encrypted)
        assert ric.validate(number) == number  # check digit, birth date and a Jinan county code valid for the birth year
        assert number.startswith("3701")
        assert member.id_number_hash == pii.keyed_hash(number)
        assert member.id_number_masked == pii.mask_id_number(number)
        assert member.birth_date == ric.get_birth_date(number)
        assert member.gender == pii.gender_from_id(number)
        eighteen = member.birth_date.replace(year=member.birth_date.year + 18, day=min(member.birth_date.day, 28))
        assert eighteen < member.joined_on <= datetime.date.today()
        assert all(ch >= "\u4e00" for ch in member.name) and 2 <= len(member.name) <= 3
        if member.phone_encrypted:
            phone = pii.decrypt(member.phone_encrypted)
            assert phonenumbers.is_valid_number(phonenumbers.parse(phone, "CN"))
            assert member.phone_masked == pii.mask_phone(phone)
        assert member.duties == sorted(member.duties, key=DUTY_ORDER.index)


def test_household_phones_valid_and_tags_match_colors(seeded):
    for household in Household.objects.exclude(phone_encrypted="")[:500]:
        phone = pii.decrypt(household.phone_encrypted)
        assert pii.normalize_phone(phone) == phone
        assert household.phone_hash == pii.keyed_hash(phone)
    serious = {"重病", "独居老人", "矛盾纠纷", "信访", "残疾", "低保"}
    for household in Household.objects.filter(color__in=["orange", "red"]):
        assert serious & set(household.tags), household.tags
    assert not Household.objects.filter(color="red").exclude(
        Q(tags__contains=["重病"]) | Q(tags__contains=["矛盾纠纷"]) | Q(tags__contains=["信访"])
    ).exists()
    assert not Household.objects.filter(tags__contains=["独居老人"]).exclude(people_count=1).exists()
    assert not Household.objects.filter(next_visit_due__isnull=True).exists()


def test_zone_organisation(seeded):
    zone = WorkZone.objects.get()
    assert set(ZoneOffice.objects.filter(zone=zone).values_list("kind", flat=True)) == {
        "party_mass", "economy", "social", "construction", "emergency"}
    roles = list(CommitteeMember.objects.filter(zone=zone).values_list("role", flat=True))
    assert roles.count("secretary") == 1 and roles.count("deputy") == 1 and "member" in roles and "part_time" in roles
    assert SunkCadrePosting.objects.filter(zone=zone, end_date__isnull=True).count() >= 15
    without = Village.objects.exclude(pk__in=PartyInstructor.objects.values("village"))
    assert 1 <= without.count() <= 2  # the "1+1" flag has something to show
    for village in Village.objects.all():
        roles = set(VillageCadre.objects.filter(village=village).values_list("role", flat=True))
        assert roles & {"secretary", "secretary_director"}


def test_bulk_load_wrote_no_audit_events(seeded):
    """The audit trail starts after seeding: pgtrigger.ignore kept the pghistory triggers quiet."""
    for label in ("villages.HouseholdEvent", "members.HouseholdLinkEvent", "villages.VillageEvent", "zones.TownEvent"):
        assert not apps.get_model(label).objects.exists(), label
    # only the demo accounts' own changes (made after the load) are audited
    assert apps.get_model("members.PartyMemberEvent").objects.count() == 1


def test_demo_users_and_their_scopes(seeded):
    zone = WorkZone.objects.order_by("id").first()
    village = Village.objects.filter(zone=zone).order_by("id").first()
    grid = MicroGrid.objects.filter(village=village).order_by("id").first()
    expected = {
        "admin": (Role.DISTRICT_ADMIN, None),
        "town01": (Role.TOWN_STAFF, zone.town),
        "zone01": (Role.ZONE_COMMITTEE, zone),
        "village01": (Role.VILLAGE_CADRE, village),
        "grid01": (Role.GRID_MEMBER, grid),
        "api01": (Role.API_CONSUMER, zone.town),
    }
    for username, (role, node) in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.display_name and not user.display_name.isascii()
        (assignment,) = RoleAssignment.objects.filter(user=user)
        assert assignment.role == role
        assert (assignment.grid or assignment.village or assignment.zone or assignment.town) == node
    assert CommitteeMember.objects.get(user__username="zone01").role == "secretary"
    assert VillageCadre.objects.get(user__username="village01").village == village
    member = PartyMember.objects.get(user__username="grid01")
    assert member.links.filter(household__grid=grid).exists()
    zone01 = User.objects.get(username="zone01")
    assert user_scope(zone01).filter(Household.objects.all()).count() == Household.objects.filter(zone=zone).count()
    grid01 = User.objects.get(username="grid01")
    visible = user_scope(grid01).filter(Household.objects.all())
    assert set(visible.values_list("pk", flat=True)) >= set(member.links.values_list("household", flat=True))
    assert [u for u, _, _ in demo.demo_logins()] == list(demo.DEMO_USERNAMES)
    assert all(label for _, _, label in demo.demo_logins())


def test_refuses_to_run_twice_without_reset(seeded):
    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert Household.objects.count() == 4_468


def test_reset_rebuilds_and_users_only_is_idempotent(seeded):
    output = seed(reset=True)
    assert "已清空" in output
    assert Household.objects.count() == 4_468
    assert WorkZone.objects.get().pk == 1 and Household.objects.order_by("id").first().pk == 1  # identities restarted
    assert RoleAssignment.objects.filter(user__username="zone01", zone__isnull=False).count() == 1
    call_command("seed_demo", users_only=True, stdout=io.StringIO())
    call_command("seed_demo", users_only=True, stdout=io.StringIO())
    assert User.objects.filter(username__in=demo.DEMO_USERNAMES).count() == 6
    assert RoleAssignment.objects.filter(user__username__in=demo.DEMO_USERNAMES).count() == 6
    assert PartyMember.objects.filter(user__username="grid01").count() == 1


def test_users_only_needs_data(seeded):
    empty_demo_data()  # rolled back with the test's transaction
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo", users_only=True, stdout=io.StringIO())



def test_households_list_pages_match_the_serializer(seeded, client):
    """The list builds its page from values() (villages/api.py); it must equal HouseholdSerializer, key for key."""
    from villages.serializers import HouseholdSerializer

    zone01 = User.objects.get(username="zone01")
    client.force_login(zone01)
    in_scope = Household.objects.filter(zone__committee__user=zone01).order_by("id")
    count = in_scope.count()
    for page in (1, 7, (count + 49) // 50):
        response = client.get(f"/api/households/?page_size=50&page={page}")
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == count
        expected_rows = list(
            in_scope.select_related("grid", "village", "zone", "link__member")[(page - 1) * 50: page * 50]
        )
        expected = json.loads(json.dumps(HouseholdSerializer(expected_rows, many=True).data, cls=DjangoJSONEncoder))
        assert body["results"] == expected
    # ordering and filters still apply before paging
    response = client.get("/api/households/?page_size=5&ordering=-people_count&color=red")
    rows = response.json()["results"]
    assert [r["color"] for r in rows] == ["red"] * 5
    assert [r["people_count"] for r in rows] == sorted((r["people_count"] for r in rows), reverse=True)


# --- demo accounts never on a database with real users (regression: run_platform reset admin to demo12345) ---

def test_start_on_an_existing_database_creates_no_account_and_resets_no_password(seeded):
    from django.contrib.auth.hashers import check_password

    from demo.management.commands.run_platform import prepare_database

    admin = User.objects.get(username="admin")
    admin.set_password("a-real-Secret-2026")
    admin.save()
    User.objects.create_user(username="zhang.wei", password="another-Secret-1")  # a real user
    users_before = User.objects.count()
    assert prepare_database("zone", io.StringIO()) is False
    assert User.objects.count() == users_before
    assert check_password("a-real-Secret-2026", User.objects.get(username="admin").password)
    assert demo.demo_logins_still_open() == [row for row in demo.demo_logins() if row[0] != "admin"]


def test_demo_accounts_are_refused_where_real_users_exist(seeded):
    User.objects.create_user(username="zhang.wei", password="another-Secret-1")
    with pytest.raises(CommandError, match="非演示账号"):
        call_command("seed_demo", users_only=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="非演示账号"):
        seed(reset=True)
    assert Household.objects.count() == 4_468  # nothing was wiped


def test_users_only_keeps_a_changed_password(seeded):
    from django.contrib.auth.hashers import check_password

    zone01 = User.objects.get(username="zone01")
    zone01.set_password("changed-Secret-9")
    zone01.save()
    call_command("seed_demo", users_only=True, stdout=io.StringIO())
    assert check_password("changed-Secret-9", User.objects.get(username="zone01").password)
