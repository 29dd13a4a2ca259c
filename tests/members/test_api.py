"""Members and household links over the API: bad input in Chinese, nothing half-written, search, filters, leave."""
import datetime

import pytest
from pghistory.models import Events

from members.models import HouseholdLink, PartyMember, age_band
from tests import factories as f
from tests.api_fixtures import client, grid, village  # noqa: F401 (fixtures, used by name)
from tests.api_fixtures import text as error_text
from tests.clients import api_client

pytestmark = pytest.mark.django_db



@pytest.fixture
def branch(village):
    return f.PartyBranchFactory(village=village)





def _member_body(branch, **changes):
    body = {"branch": branch.pk, "name": "张三", "id_number": f.make_id_number(birth=datetime.date(1971, 4, 4)),
            "joined_on": "1998-07-01", "phone": "13912345678", "status": "full", "duties": ["policy", "harmony"]}
    return {**body, **changes}


def test_member_create_returns_the_saved_row(client, branch):
    response = client.post("/api/members/", _member_body(branch), format="json")
    assert response.status_code == 201, response.data
    member = PartyMember.objects.get()
    assert response.data["id"] == member.pk
    assert response.data["age_band"] == age_band(datetime.date(1971, 4, 4)) and response.data["link_count"] == 0
    assert "birth_date" not in response.data
    assert "id_number" not in response.data and "phone" not in response.data


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"id_number": "370181197104040011"}, "id_number", "身份证号校验位错误"),
        ({"phone": "0000"}, "phone", "电话"),
        ({"duties": ["policy", "cook"]}, "duties", "六大员"),
        ({"status": "honorary"}, "status", "党员类别"),
        ({"joined_on": "1980-01-01"}, "joined_on", "入党日期"),
        ({"branch": 99999999}, "branch", "所在党组织"),
        ({"name": ""}, "name", "姓名"),
    ],
)
def test_member_bad_input_is_400_naming_the_field_and_writes_nothing(client, branch, changes, field, text):
    events = Events.objects.count()
    response = client.post("/api/members/", {**_member_body(branch), **changes}, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert text in error_text(response.data[field])
    assert not PartyMember.objects.exists()
    assert Events.objects.count() == events


def test_duplicate_id_number_is_400(client, branch):
    existing = f.PartyMemberFactory(branch=branch)
    response = client.post("/api/members/", _member_body(branch, id_number=existing.reveal()["id_number"]),
                           format="json")
    assert response.status_code == 400
    assert response.data["id_number"] == ["身份证号：该身份证号已登记为其他党员。"]
    assert PartyMember.objects.count() == 1


def test_duplicate_id_number_in_another_scope_is_still_refused(client, branch):
    # the other member is invisible to this user, but the number is unique everywhere
    elsewhere = f.PartyMemberFactory()
    response = client.post("/api/members/", _member_body(branch, id_number=elsewhere.reveal()["id_number"]),
                           format="json")
    assert response.status_code == 400 and "id_number" in response.data


def test_member_update_bad_phone_changes_nothing(client, branch):
    member = f.PartyMemberFactory(branch=branch, phone="13700001111", name="原名")
    response = client.patch(f"/api/members/{member.pk}/", {"name": "新名", "phone": "137"}, format="json")
    assert response.status_code == 400 and "phone" in response.data
    member.refresh_from_db()
    assert (member.name, member.reveal()["phone"]) == ("原名", "13700001111")


def _linked_member(branch, grid, n, name="李四"):
    member = f.PartyMemberFactory(branch=branch, name=name)
    for household in f.HouseholdFactory.create_batch(n, grid=grid):
        f.HouseholdLinkFactory(member=member, household=household)
    return member


def test_21st_household_is_400_naming_the_member(client, branch, grid):
    member = _linked_member(branch, grid, 20)
    household = f.HouseholdFactory(grid=grid)
    events = Events.objects.count()
    response = client.post("/api/household-links/", {"member": member.pk, "household": household.pk}, format="json")
    assert response.status_code == 400
    assert response.data["member"][0].startswith("联户党员：")
    assert "最多联系20户" in response.data["member"][0]
    assert HouseholdLink.objects.filter(member=member).count() == 20
    assert Events.objects.count() == events


def test_household_linked_twice_is_400_naming_the_household(client, branch, grid):
    link = f.HouseholdLinkFactory(household__grid=grid, member__branch=branch)
    other = f.PartyMemberFactory(branch=branch)
    response = client.post("/api/household-links/", {"member": other.pk, "household": link.household_id},
                           format="json")
    assert response.status_code == 400
    assert response.data["household"][0].startswith("户：")
    assert "一户只能由一名党员联系" in response.data["household"][0]
    assert HouseholdLink.objects.get(household=link.household).member_id == link.member_id


def test_link_move_to_a_full_member_is_400(client, branch, grid):
    full = _linked_member(branch, grid, 20)
    link = f.HouseholdLinkFactory(household__grid=grid, member__branch=branch)
    response = client.patch(f"/api/household-links/{link.pk}/", {"member": full.pk}, format="json")
    assert response.status_code == 400 and "member" in response.data
    assert HouseholdLink.objects.get(pk=link.pk).member_id == link.member_id
    other = f.HouseholdFactory(grid=grid)
    response = client.patch(f"/api/household-links/{link.pk}/", {"household": other.pk}, format="json")
    assert response.status_code == 400 and "household" in response.data


def test_link_create_and_delete(client, branch, grid):
    member = f.PartyMemberFactory(branch=branch)
    household = f.HouseholdFactory(grid=grid)
    response = client.post("/api/household-links/", {"member": member.pk, "household": household.pk}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["id"] == HouseholdLink.objects.get().pk
    assert client.get("/api/households/", {"linked": "true"}).data["count"] == 1
    assert client.delete(f"/api/household-links/{response.data['id']}/").status_code == 204
    assert not HouseholdLink.objects.exists()


def test_member_search_filters_and_ordering(client, branch, grid):
    zhang = f.PartyMemberFactory(branch=branch, name="张三", status="probationary", duties=["policy"],
                                 id_number=f.make_id_number(male=False))
    li = _linked_member(branch, grid, 12, name="李四")
    wang = _linked_member(branch, grid, 3, name="王五")
    gone = f.PartyMemberFactory(branch=branch, name="赵六", left_on=datetime.date(2024, 1, 1), is_flowing=True)

    def ids(params):
        response = client.get("/api/members/", params)
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.data["results"]]

    assert ids({"q": "zs"}) == [zhang.pk]
    assert ids({"q": "张"}) == [zhang.pk]
    assert ids({"status": "probationary"}) == [zhang.pk]
    assert ids({"duty": "policy"}) == [zhang.pk]
    assert ids({"gender": "F"}) == [zhang.pk] + [m.pk for m in (li, wang, gone) if m.gender == "F"]
    assert ids({"is_flowing": "true"}) == [gone.pk]
    assert ids({"active": "false"}) == [gone.pk]
    assert ids({"quota": "under"}) == [zhang.pk, wang.pk]
    assert ids({"quota": "ok"}) == [li.pk]
    assert ids({"branch": branch.pk, "ordering": "-link_count"})[:2] == [li.pk, wang.pk]
    assert ids({"village": branch.village_id}) == [zhang.pk, li.pk, wang.pk, gone.pk]
    assert client.get("/api/members/", {"quota": "lots"}).status_code == 400
    links = client.get("/api/household-links/", {"member": li.pk}).data
    assert links["count"] == 12


def test_member_list_is_paginated_in_a_stable_order(client, branch):
    members = f.PartyMemberFactory.create_batch(5, branch=branch)
    first = client.get("/api/members/", {"page_size": 3}).data
    second = client.get("/api/members/", {"page_size": 3, "page": 2}).data
    assert [r["id"] for r in first["results"] + second["results"]] == [m.pk for m in members]


def test_member_leave_over_the_api(client, branch, grid):
    leaver = _linked_member(branch, grid, 4)
    taker = _linked_member(branch, grid, 10)
    preview = client.post(f"/api/members/{leaver.pk}/leave/", {"left_on": "2025-03-01"}, format="json")
    assert preview.status_code == 200 and preview.data["applied"] is False and preview.data["households"] == 4
    assert HouseholdLink.objects.filter(member=leaver).count() == 4
    applied = client.post(f"/api/members/{leaver.pk}/leave/", {"left_on": "2025-03-01", "apply": True}, format="json")
    assert applied.status_code == 200 and applied.data["applied"] is True
    assert HouseholdLink.objects.filter(member=taker).count() == 14
    assert PartyMember.objects.get(pk=leaver.pk).left_on == datetime.date(2025, 3, 1)


def test_member_leave_candidates_outside_the_scope_are_400(client, branch, grid):
    leaver = _linked_member(branch, grid, 2)
    elsewhere = f.PartyMemberFactory()
    response = client.post(f"/api/members/{leaver.pk}/leave/",
                           {"left_on": "2025-03-01", "apply": True, "candidates": [elsewhere.pk]}, format="json")
    assert response.status_code == 400 and "candidates" in response.data
    assert HouseholdLink.objects.filter(member=leaver).count() == 2


def test_member_leave_without_capacity_is_400_and_changes_nothing(client, branch, grid):
    leaver = _linked_member(branch, grid, 2)
    _linked_member(branch, grid, 20)
    response = client.post(f"/api/members/{leaver.pk}/leave/", {"left_on": "2025-03-01", "apply": True},
                           format="json")
    assert response.status_code == 400
    assert "名额不足" in response.data["candidates"][0]
    assert HouseholdLink.objects.filter(member=leaver).count() == 2
    assert PartyMember.objects.get(pk=leaver.pk).left_on is None


def test_grid_member_cannot_make_a_member_leave(branch, grid):
    member = _linked_member(branch, grid, 2)
    user = f.make_user("grid_member", grid, member=member)
    client = api_client(user)
    response = client.post(f"/api/members/{member.pk}/leave/", {"left_on": "2025-03-01", "apply": True}, format="json")
    assert response.status_code == 403
    assert PartyMember.objects.get(pk=member.pk).left_on is None


def test_branch_consistency_is_checked(village):
    client = api_client(f.make_user("town_staff", village.zone.town))
    other_zone = f.WorkZoneFactory(town=village.zone.town)
    body = {"name": "新支部", "kind": "village", "town": village.zone.town_id, "zone": other_zone.pk, "village": village.pk}
    response = client.post("/api/branches/", body, format="json")
    assert response.status_code == 400 and "village" in response.data
    body = {"name": "新支部", "kind": "organ", "town": f.TownFactory().pk, "zone": village.zone_id}
    assert client.post("/api/branches/", body, format="json").status_code == 400
