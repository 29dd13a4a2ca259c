"""Member services: creation with protected ID numbers, household links (1 per household, ≤ 20 per member), leaving."""
import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from members.models import HouseholdLink, PartyMember
from members.services import (
    household_link_create, household_link_move, member_create, member_leave, member_update,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


# --- members ----------------------------------------------------------------------------

def test_member_create_derives_birth_date_and_gender_and_protects_pii():
    branch = f.PartyBranchFactory()
    id_number = f.make_id_number(birth=datetime.date(1968, 2, 29), male=False)
    member = member_create(branch=branch, name="张三", id_number=id_number, joined_on=datetime.date(1995, 7, 1),
                           phone="138 1234 5678")
    member.refresh_from_db()
    assert member.birth_date == datetime.date(1968, 2, 29)
    assert member.gender == "F"
    assert member.id_number_masked == f"370181**********{id_number[-2:]}"
    assert member.phone_masked == "138****5678"
    assert member.reveal() == {"id_number": id_number, "phone": "13812345678"}
    assert member.name_pinyin == "zs zhangsan"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": "370181197001010011"}, "id_number"),  # wrong check digit
        ({"id_number": "37018119700101001"}, "id_number"),  # 17 digits
        ({"phone": "1381234"}, "phone"),
        ({"joined_on": datetime.date(1980, 1, 1)}, "joined_on"),  # at 10 years of age
        ({"joined_on": datetime.date.today() + datetime.timedelta(days=3)}, "joined_on"),
    ],
)
def test_member_create_refuses_bad_input_and_writes_nothing(changes, field):
    branch = f.PartyBranchFactory()
    data = {"branch": branch, "name": "李四", "id_number": f.make_id_number(birth=datetime.date(1970, 1, 1)),
            "joined_on": datetime.date(1999, 7, 1), "phone": "13912345678", **changes}
    with pytest.raises(ValidationError) as exc:
        member_create(**data)
    assert field in exc.value.message_dict
    assert not PartyMember.objects.exists()


def test_member_create_refuses_a_duplicate_id_number():
    existing = f.PartyMemberFactory()
    id_number = existing.reveal()["id_number"]
    with pytest.raises(ValidationError) as exc:
        member_create(branch=f.PartyBranchFactory(), name="王五", id_number=id_number.lower(),
                      joined_on=datetime.date(2001, 7, 1))
    assert exc.value.message_dict["id_number"] == ["该身份证号已登记为其他党员。"]
    assert PartyMember.objects.count() == 1


def test_member_update_keeps_the_id_number_when_not_given():
    member = f.PartyMemberFactory()
    id_number = member.reveal()["id_number"]
    member_update(member=member, name="改名", is_flowing=True)
    member.refresh_from_db()
    assert (member.name, member.is_flowing, member.reveal()["id_number"]) == ("改名", True, id_number)


# --- links ------------------------------------------------------------------------------

def _member_with_links(n):
    member = f.PartyMemberFactory()
    grid = f.MicroGridFactory(natural_village__village=member.branch.village)
    for household in f.HouseholdFactory.create_batch(n, grid=grid):
        f.HouseholdLinkFactory(member=member, household=household)
    return member, grid


def test_household_link_create_links_up_to_twenty():
    member, grid = _member_with_links(19)
    link = household_link_create(member=member, household=f.HouseholdFactory(grid=grid))
    assert link.member_id == member.pk
    assert HouseholdLink.objects.filter(member=member).count() == 20


def test_household_link_create_refuses_a_21st_household():
    member, grid = _member_with_links(20)
    household = f.HouseholdFactory(grid=grid)
    with pytest.raises(ValidationError) as exc:
        household_link_create(member=member, household=household)
    assert "最多联系20户" in exc.value.message_dict["member"][0]
    assert HouseholdLink.objects.filter(member=member).count() == 20
    assert not HouseholdLink.objects.filter(household=household).exists()


def test_household_link_create_refuses_a_household_linked_twice():
    link = f.HouseholdLinkFactory()
    other = f.PartyMemberFactory(branch=link.member.branch)
    with pytest.raises(ValidationError) as exc:
        household_link_create(member=other, household=link.household)
    assert "一户只能由一名党员联系" in exc.value.message_dict["household"][0]
    assert HouseholdLink.objects.get(household=link.household).member_id == link.member_id


def test_household_link_create_refuses_a_member_who_left():
    member = f.PartyMemberFactory(left_on=datetime.date(2024, 1, 1))
    with pytest.raises(ValidationError) as exc:
        household_link_create(member=member, household=f.HouseholdFactory())
    assert "member" in exc.value.message_dict
    assert not HouseholdLink.objects.exists()


def test_household_link_move_respects_the_quota():
    full, grid = _member_with_links(20)
    link = f.HouseholdLinkFactory(household__grid=grid)
    with pytest.raises(ValidationError):
        household_link_move(link=link, member=full)
    assert HouseholdLink.objects.get(pk=link.pk).member_id != full.pk


def _race(calls):
    """Run the calls at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we inspect
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    close_old_connections()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_links_of_the_same_household_make_exactly_one():
    household = f.HouseholdFactory()
    members = f.PartyMemberFactory.create_batch(4, branch__village=household.village)
    results = _race([lambda m=m: household_link_create(member=m, household=household) for m in members])
    links = [r for r in results if isinstance(r, HouseholdLink)]
    errors = [r for r in results if isinstance(r, ValidationError)]
    assert len(links) == 1 and len(errors) == 3, results
    assert all("household" in e.message_dict for e in errors)
    assert HouseholdLink.objects.filter(household=household).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_links_to_a_member_at_19_make_exactly_one():
    member, grid = _member_with_links(19)
    households = f.HouseholdFactory.create_batch(3, grid=grid)
    results = _race([lambda h=h: household_link_create(member=member, household=h) for h in households])
    assert sum(isinstance(r, HouseholdLink) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 2, results
    assert HouseholdLink.objects.filter(member=member).count() == 20


# --- a member leaves --------------------------------------------------------------------

def _members_keeping(*loads: int) -> list:
    """Members of one branch keeping ``loads`` households each, on one grid of the branch's village."""
    branch = f.PartyBranchFactory()
    grid = f.MicroGridFactory(natural_village__village=branch.village)
    members = f.PartyMemberFactory.create_batch(len(loads), branch=branch)
    for member, n in zip(members, loads):
        for household in f.HouseholdFactory.create_batch(n, grid=grid):
            f.HouseholdLinkFactory(member=member, household=household)
    return members


@pytest.fixture
def branch_with_loads():
    """A branch where `leaver` keeps 5 households, `light` 2 and `heavy` 4."""
    leaver, light, heavy = _members_keeping(5, 2, 4)
    f.PartyMemberFactory(branch=leaver.branch, left_on=datetime.date(2020, 1, 1))  # gone: never a candidate
    return leaver, light, heavy


def _loads():
    return {m.pk: m.links.count() for m in PartyMember.objects.all()}


def test_member_leave_preview_plans_least_loaded_first_and_changes_nothing(branch_with_loads):
    leaver, light, heavy = branch_with_loads
    before = _loads()
    plan = member_leave(member=leaver, left_on=datetime.date(2025, 3, 1), apply=False)
    assert plan["applied"] is False and plan["households"] == 5
    # loads 2 and 4: light takes the first three (a tie goes to the lower id), heavy the fourth, light the fifth
    targets = [step["to_member"] for step in plan["plan"]]
    assert targets[:2] == [light.pk, light.pk]
    assert targets == [light.pk, light.pk, light.pk, heavy.pk, light.pk]
    assert _loads() == before
    assert PartyMember.objects.get(pk=leaver.pk).left_on is None


def test_member_leave_apply_relinks_every_household_and_marks_left_on(branch_with_loads):
    leaver, light, heavy = branch_with_loads
    households = set(HouseholdLink.objects.filter(member=leaver).values_list("household_id", flat=True))
    result = member_leave(member=leaver, left_on=datetime.date(2025, 3, 1), apply=True)
    assert result["applied"] is True
    assert not HouseholdLink.objects.filter(member=leaver).exists()
    moved = HouseholdLink.objects.filter(household_id__in=households)
    assert moved.count() == 5 and set(moved.values_list("member_id", flat=True)) == {light.pk, heavy.pk}
    loads = _loads()
    assert sorted([loads[light.pk], loads[heavy.pk]]) == [5, 6]
    assert PartyMember.objects.get(pk=leaver.pk).left_on == datetime.date(2025, 3, 1)
    for step in result["plan"]:
        assert HouseholdLink.objects.get(household_id=step["household"]).member_id == step["to_member"]


def test_member_leave_twice_is_refused(branch_with_loads):
    leaver, _, _ = branch_with_loads
    member_leave(member=leaver, left_on=datetime.date(2025, 3, 1), apply=True)
    leaver.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        member_leave(member=leaver, left_on=datetime.date(2025, 4, 1), apply=True)
    assert "不能重复办理" in exc.value.message_dict["left_on"][0]
    assert PartyMember.objects.get(pk=leaver.pk).left_on == datetime.date(2025, 3, 1)


def test_member_leave_refuses_when_capacity_is_short_and_changes_nothing():
    leaver, a, b = _members_keeping(3, 20, 19)
    before = _loads()
    for apply in (False, True):
        with pytest.raises(ValidationError) as exc:
            member_leave(member=leaver, left_on=datetime.date(2025, 3, 1), apply=apply)
        assert "名额不足" in exc.value.message_dict["candidates"][0]
    assert _loads() == before
    assert PartyMember.objects.get(pk=leaver.pk).left_on is None


def test_member_leave_with_explicit_candidates_uses_only_them(branch_with_loads):
    leaver, light, heavy = branch_with_loads
    elsewhere = f.PartyMemberFactory()  # another branch
    result = member_leave(member=leaver, left_on=datetime.date(2025, 3, 1), apply=True, candidates=[elsewhere, heavy])
    assert {step["to_member"] for step in result["plan"]} <= {elsewhere.pk, heavy.pk}
    # elsewhere 0 → 4, then the tie at 4 goes to heavy (lower id) → 5
    assert HouseholdLink.objects.filter(member=elsewhere).count() == 4
    assert HouseholdLink.objects.filter(member=heavy).count() == 5
    assert HouseholdLink.objects.filter(member=light).count() == 2
