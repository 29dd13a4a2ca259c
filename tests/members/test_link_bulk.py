"""Issue 10 §1 (members): bulk household links (all or nothing, the 10–20 rule before saving), moving a
link, branch archive, and the member form's refusals in Chinese."""
import datetime

import pytest
from pghistory.models import Events

from members.models import HouseholdLink, PartyBranch, PartyMember
from tests import factories as f
from tests.api_fixtures import client, grid, village  # noqa: F401 (fixtures, used by name)
from tests.api_fixtures import text as error_text
from tests.clients import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch(village):
    return f.PartyBranchFactory(village=village)


def _linked_member(branch, grid, n, name="李四"):
    member = f.PartyMemberFactory(branch=branch, name=name)
    for household in f.HouseholdFactory.create_batch(n, grid=grid):
        f.HouseholdLinkFactory(member=member, household=household)
    return member


def _bulk(client, member, households, apply):
    return client.post("/api/household-links/bulk/",
                       {"member": member.pk, "households": [h.pk for h in households], "apply": apply}, format="json")


def test_bulk_preview_shows_the_quota_and_writes_nothing(client, branch, grid):
    member = _linked_member(branch, grid, 8, name="王芳")
    households = f.HouseholdFactory.create_batch(3, grid=grid)
    response = _bulk(client, member, households, apply=False)
    assert response.status_code == 200, response.data
    data = response.data
    assert (data["current"], data["adding"], data["after"], data["applied"]) == (8, 3, 11, False)
    assert data["errors"] == {}
    assert [row["state"] for row in data["households"]] == ["new"] * 3
    assert HouseholdLink.objects.filter(member=member).count() == 8


def test_bulk_apply_links_every_household(client, branch, grid):
    member = _linked_member(branch, grid, 8)
    households = f.HouseholdFactory.create_batch(3, grid=grid)
    response = _bulk(client, member, households, apply=True)
    assert response.status_code == 200, response.data
    assert response.data["applied"] is True and response.data["after"] == 11
    assert set(HouseholdLink.objects.filter(member=member).values_list("household", flat=True)) >= {h.pk for h in households}
    assert HouseholdLink.objects.filter(member=member).count() == 11


def test_bulk_over_twenty_is_refused_whole_naming_the_member_and_count(client, branch, grid):
    member = _linked_member(branch, grid, 18, name="赵强")
    households = f.HouseholdFactory.create_batch(3, grid=grid)
    events = Events.objects.count()
    preview = _bulk(client, member, households, apply=False)
    assert preview.status_code == 200 and preview.data["after"] == 21
    assert "赵强" in preview.data["errors"]["member"][0] and "21户" in preview.data["errors"]["member"][0]
    response = _bulk(client, member, households, apply=True)
    assert response.status_code == 400
    message = error_text(response.data["member"])
    assert "赵强" in message and "18户" in message and "21户" in message and "最多联系20户" in message
    assert HouseholdLink.objects.filter(member=member).count() == 18
    assert not HouseholdLink.objects.filter(household__in=households).exists()
    assert Events.objects.count() == events


def test_bulk_21st_household_refused_20th_accepted(client, branch, grid):
    member = _linked_member(branch, grid, 19)
    first, second = f.HouseholdFactory.create_batch(2, grid=grid)
    assert _bulk(client, member, [first], apply=True).status_code == 200
    response = _bulk(client, member, [second], apply=True)
    assert response.status_code == 400 and "最多联系20户" in error_text(response.data)
    assert HouseholdLink.objects.filter(member=member).count() == 20
    assert not HouseholdLink.objects.filter(household=second).exists()


def test_bulk_with_a_household_of_another_member_writes_nothing(client, branch, grid):
    member = _linked_member(branch, grid, 2)
    other = _linked_member(branch, grid, 1, name="钱七")
    taken = HouseholdLink.objects.get(member=other).household
    free = f.HouseholdFactory(grid=grid, head_name="孙八")
    response = _bulk(client, member, [free, taken], apply=True)
    assert response.status_code == 400
    assert "钱七" in error_text(response.data["households"])
    assert not HouseholdLink.objects.filter(household=free).exists()
    assert HouseholdLink.objects.get(household=taken).member_id == other.pk


def test_bulk_keeps_households_already_linked_to_the_member(client, branch, grid):
    member = _linked_member(branch, grid, 2)
    mine = HouseholdLink.objects.filter(member=member).first().household
    free = f.HouseholdFactory(grid=grid)
    response = _bulk(client, member, [mine, free], apply=True)
    assert response.status_code == 200, response.data
    assert (response.data["current"], response.data["adding"], response.data["after"]) == (2, 1, 3)


def test_bulk_household_outside_the_scope_is_400_and_writes_nothing(client, branch, grid):
    member = _linked_member(branch, grid, 2)
    mine = f.HouseholdFactory(grid=grid)
    elsewhere = f.HouseholdFactory()  # another village
    response = _bulk(client, member, [mine, elsewhere], apply=True)
    assert response.status_code == 400 and "管辖范围" in error_text(response.data["households"])
    assert not HouseholdLink.objects.filter(household__in=[mine, elsewhere]).exists()


def test_single_link_of_a_household_outside_the_scope_is_400(client, branch, grid):
    member = f.PartyMemberFactory(branch=branch)
    elsewhere = f.HouseholdFactory()
    response = client.post("/api/household-links/", {"member": member.pk, "household": elsewhere.pk}, format="json")
    assert response.status_code == 400 and "household" in response.data
    assert not HouseholdLink.objects.exists()


def test_bulk_member_outside_the_scope_is_400(client, grid):
    stranger = f.PartyMemberFactory()
    household = f.HouseholdFactory(grid=grid)
    response = _bulk(client, stranger, [household], apply=True)
    assert response.status_code == 400 and "member" in response.data
    assert not HouseholdLink.objects.exists()


def test_bulk_to_a_member_who_left_is_refused(client, branch, grid):
    gone = f.PartyMemberFactory(branch=branch, name="周九", left_on=datetime.date(2024, 1, 1))
    household = f.HouseholdFactory(grid=grid)
    response = _bulk(client, gone, [household], apply=True)
    assert response.status_code == 400 and "周九已离开" in error_text(response.data["member"])
    assert not HouseholdLink.objects.exists()


def test_bulk_empty_selection_is_400_in_chinese(client, branch):
    member = f.PartyMemberFactory(branch=branch)
    response = client.post("/api/household-links/bulk/", {"member": member.pk, "households": []}, format="json")
    assert response.status_code == 400 and "请至少选择一户" in error_text(response.data["households"])


def test_grid_member_may_not_bulk_link(branch, grid):
    member = _linked_member(branch, grid, 1)
    household = f.HouseholdFactory(grid=grid)
    grid_client = api_client(f.make_user("grid_member", grid, member=member))
    assert _bulk(grid_client, member, [household], apply=True).status_code == 403
    assert not HouseholdLink.objects.filter(household=household).exists()


def test_move_a_household_to_another_member(client, branch, grid):
    link = HouseholdLink.objects.get(member=_linked_member(branch, grid, 1))
    target = _linked_member(branch, grid, 5, name="吴十")
    response = client.patch(f"/api/household-links/{link.pk}/", {"member": target.pk}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["member_name"] == "吴十"
    assert HouseholdLink.objects.filter(member=target).count() == 6


def test_move_to_a_member_who_left_is_refused(client, branch, grid):
    link = HouseholdLink.objects.get(member=_linked_member(branch, grid, 1))
    gone = f.PartyMemberFactory(branch=branch, left_on=datetime.date(2024, 1, 1))
    response = client.patch(f"/api/household-links/{link.pk}/", {"member": gone.pk}, format="json")
    assert response.status_code == 400 and "已离开" in error_text(response.data["member"])
    assert HouseholdLink.objects.get(pk=link.pk).member_id == link.member_id


# --- member forms -------------------------------------------------------------------------------

def _member_body(branch, **changes):
    body = {"branch": branch.pk, "name": "张三", "id_number": f.make_id_number(birth=datetime.date(1975, 5, 5)),
            "joined_on": "2001-07-01", "status": "full", "is_flowing": False, "duties": []}
    return {**body, **changes}


def test_member_form_bad_check_digit_is_400_naming_the_id_number(client, branch):
    bad = f.wrong_check_digit(f.make_id_number(birth=datetime.date(1975, 5, 5)))
    response = client.post("/api/members/", _member_body(branch, id_number=bad), format="json")
    assert response.status_code == 400
    assert list(response.data) == ["id_number"]
    assert "身份证号" in response.data["id_number"][0] and "校验位" in response.data["id_number"][0]
    assert not PartyMember.objects.exists()


def test_member_edit_keeps_the_id_number_when_not_given(client, branch):
    member = f.PartyMemberFactory(branch=branch, name="原名")
    number = member.reveal()["id_number"]
    response = client.patch(f"/api/members/{member.pk}/", {"name": "新名", "is_flowing": True, "duties": ["policy"]},
                            format="json")
    assert response.status_code == 200, response.data
    member.refresh_from_db()
    assert (member.name, member.is_flowing, member.duties, member.reveal()["id_number"]) == ("新名", True, ["policy"], number)


def test_grid_member_may_not_create_members(branch, grid):
    member = f.PartyMemberFactory(branch=branch)
    grid_client = api_client(f.make_user("grid_member", grid, member=member))
    response = grid_client.post("/api/members/", _member_body(branch), format="json")
    assert response.status_code in (400, 403)
    assert PartyMember.objects.count() == 1


def test_member_in_an_archived_branch_is_refused(branch, village):
    zone_client = api_client(f.make_user("zone_committee", village.zone))
    old = f.PartyBranchFactory(village=village)
    assert zone_client.delete(f"/api/branches/{old.pk}/").status_code == 204
    response = zone_client.post("/api/members/", _member_body(old), format="json")
    assert response.status_code == 400 and "已归档" in error_text(response.data["branch"])
    assert not PartyMember.objects.exists()


# --- branches -----------------------------------------------------------------------------------

def test_branch_archive_refused_while_members_remain_then_allowed(village):
    zone_client = api_client(f.make_user("zone_committee", village.zone))
    branch = f.PartyBranchFactory(village=village, name="东村党支部")
    member = f.PartyMemberFactory(branch=branch)
    response = zone_client.delete(f"/api/branches/{branch.pk}/")
    assert response.status_code == 409 and "1名在册党员" in response.data["detail"]
    assert PartyBranch.objects.get(pk=branch.pk).archived_at is None
    PartyMember.objects.filter(pk=member.pk).update(left_on=datetime.date(2024, 1, 1))
    assert zone_client.delete(f"/api/branches/{branch.pk}/").status_code == 204
    assert zone_client.get("/api/branches/").data["count"] == 0
    archived = zone_client.get("/api/branches/", {"archived": "true"}).data
    assert [row["id"] for row in archived["results"]] == [branch.pk] and archived["results"][0]["archived_at"]
    assert zone_client.post(f"/api/branches/{branch.pk}/restore/").status_code == 200
    assert PartyBranch.objects.get(pk=branch.pk).archived_at is None


def test_branch_create_and_edit_over_the_api(village):
    zone_client = api_client(f.make_user("zone_committee", village.zone))
    body = {"name": "西村党支部", "kind": "village", "town": village.zone.town_id, "zone": village.zone_id,
            "village": village.pk}
    response = zone_client.post("/api/branches/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["village_name"] == village.name and response.data["member_count"] == 0
    response = zone_client.patch(f"/api/branches/{response.data['id']}/", {"name": "西村党总支"}, format="json")
    assert response.status_code == 200 and response.data["name"] == "西村党总支"


def test_village_cadre_may_not_create_branches(client, village):
    body = {"name": "西村党支部", "kind": "village", "town": village.zone.town_id, "zone": village.zone_id,
            "village": village.pk}
    assert client.post("/api/branches/", body, format="json").status_code == 403
    assert not PartyBranch.objects.exists()


# --- pages --------------------------------------------------------------------------------------

def test_branch_page_and_the_account_field_for_managers_only(village, branch):
    from tests.clients import page_client

    cadre = f.make_user("village_cadre", village)
    zone = f.make_user("zone_committee", village.zone)
    assert page_client(cadre).get("/members/branches/").status_code == 200
    assert '"can_pick_user": false' in page_client(cadre).get("/members/").content.decode()
    assert '"can_pick_user": true' in page_client(zone).get("/members/").content.decode()
    assert page_client(zone).get("/members/branches/").status_code == 200
    from django.test import Client

    assert Client().get("/members/branches/").status_code == 302


def test_member_row_names_its_account(client, branch):
    user = f.UserFactory(username="chenjg1")
    member = f.PartyMemberFactory(branch=branch, user=user)
    assert client.get(f"/api/members/{member.pk}/").data["user_name"] == "chenjg1"


# --- the service itself -------------------------------------------------------------------------

def test_bulk_service_preview_lists_the_refusals_and_apply_raises_them(branch, grid):
    from django.core.exceptions import ValidationError

    from members.services import household_links_bulk

    member = _linked_member(branch, grid, 20, name="郑一")
    household = f.HouseholdFactory(grid=grid)
    plan = household_links_bulk(member=member, households=[household], apply=False)
    assert plan["after"] == 21 and "郑一" in plan["errors"]["member"][0] and plan["applied"] is False
    with pytest.raises(ValidationError) as refused:
        household_links_bulk(member=member, households=[household], apply=True)
    assert "最多联系20户" in str(refused.value)
    assert not HouseholdLink.objects.filter(household=household).exists()


def test_bulk_service_counts_a_household_given_twice_once(branch, grid):
    from members.services import household_links_bulk

    member = f.PartyMemberFactory(branch=branch)
    household = f.HouseholdFactory(grid=grid)
    result = household_links_bulk(member=member, households=[household, household], apply=True)
    assert (result["adding"], result["after"]) == (1, 1)
    assert HouseholdLink.objects.filter(member=member).count() == 1


def test_branch_archive_service_refuses_while_members_remain(branch):
    from core.records import ArchiveRefused
    from members.services import branch_archive

    f.PartyMemberFactory(branch=branch)
    with pytest.raises(ArchiveRefused):
        branch_archive(branch=branch)
    assert PartyBranch.objects.get(pk=branch.pk).archived_at is None
