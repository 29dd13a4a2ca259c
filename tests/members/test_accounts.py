"""Bulk grid-member accounts for a village's linked members (issue 10 §2): preview vs apply, idempotent, only
managers within their scope, all or nothing, in the security log; the API shows initial passwords only on apply."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import RoleAssignment, SecurityAction, SecurityEvent, User
from members.models import PartyMember
from members.services import member_accounts_create
from tests import factories as f
from tests.clients import api_client, page_client
from tests.failures import update_fails_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    village = f.VillageFactory()
    branch = f.PartyBranchFactory(village=village)
    grid_a = f.MicroGridFactory(natural_village__village=village)
    grid_b = f.MicroGridFactory(natural_village__village=village)
    zhang = f.PartyMemberFactory(branch=branch, name="张三")
    li = f.PartyMemberFactory(branch=branch, name="李四")
    for grid in (grid_a, grid_b, grid_b):  # 张三: one household in A, two in B
        f.HouseholdLinkFactory(member=zhang, household=f.HouseholdFactory(grid=grid))
    f.HouseholdLinkFactory(member=li, household=f.HouseholdFactory(grid=grid_a))
    f.PartyMemberFactory(branch=branch, name="王五")  # no link: no account
    gone = f.PartyMemberFactory(branch=branch, name="赵六", left_on="2024-01-01")
    f.HouseholdLinkFactory(member=gone, household=f.HouseholdFactory(grid=grid_a))
    f.UserFactory(username="zhangsan1")  # the name is taken: the next number
    return dict(village=village, grid_a=grid_a, grid_b=grid_b, zhang=zhang, li=li,
                zone=f.make_user("zone_committee", village.zone))


def test_preview_writes_nothing_and_apply_creates_linked_accounts(setup):
    users_before = User.objects.count()
    preview = member_accounts_create(by=setup["zone"], village=setup["village"], apply=False)
    assert not preview["applied"]
    assert [(r["member_name"], r["username"], r["grid"]) for r in preview["accounts"]] == [
        ("张三", "zhangsan2", setup["grid_b"].pk), ("李四", "lisi1", setup["grid_a"].pk)]
    assert all("initial_password" not in r for r in preview["accounts"])
    assert User.objects.count() == users_before

    result = member_accounts_create(by=setup["zone"], village=setup["village"], apply=True)
    assert result["applied"]
    zhang = PartyMember.objects.get(pk=setup["zhang"].pk)
    user = zhang.user
    assert user.username == "zhangsan2" and user.display_name == "张三" and user.must_change_password
    assert user.check_password(result["accounts"][0]["initial_password"])
    assert list(user.assignments.values_list("role", "grid")) == [("grid_member", setup["grid_b"].pk)]
    assert PartyMember.objects.filter(user__isnull=False).count() == 2  # not 王五, not 赵六
    events = SecurityEvent.objects.filter(user_id=setup["zone"].pk)
    assert events.filter(action=SecurityAction.USER_CREATED).count() == 2
    assert events.filter(action=SecurityAction.ROLE_GRANTED).count() == 2

    again = member_accounts_create(by=setup["zone"], village=setup["village"], apply=True)
    assert again["accounts"] == []
    assert User.objects.count() == users_before + 2


def test_a_village_cadre_may_not(setup):
    cadre = f.make_user("village_cadre", setup["village"])
    with pytest.raises(PermissionDenied):
        member_accounts_create(by=cadre, village=setup["village"], apply=True)
    assert not PartyMember.objects.filter(user__isnull=False).exists()


def test_outside_the_scope_is_refused(setup):
    other_zone = f.make_user("zone_committee", f.WorkZoneFactory(town=setup["village"].zone.town))
    with pytest.raises(ValidationError) as exc:
        member_accounts_create(by=other_zone, village=setup["village"], apply=False)
    assert "village" in exc.value.message_dict
    assert not PartyMember.objects.filter(user__isnull=False).exists()


def test_all_or_nothing(setup):
    users_before = User.objects.count()
    with update_fails_on(PartyMember):
        member_accounts_create(by=setup["zone"], village=setup["village"], apply=True)
    assert User.objects.count() == users_before
    assert not RoleAssignment.objects.filter(role="grid_member").exists()
    assert not PartyMember.objects.filter(user__isnull=False).exists()


def test_api_shows_passwords_only_on_apply(setup):
    client = api_client(setup["zone"])
    preview = client.post("/api/members/accounts/", {"village": setup["village"].pk}, format="json")
    assert preview.status_code == 200, preview.content
    assert len(preview.data["accounts"]) == 2
    assert "initial_password" not in preview.content.decode()
    applied = client.post("/api/members/accounts/", {"village": setup["village"].pk, "apply": True}, format="json")
    assert applied.status_code == 200
    assert all(row["initial_password"] for row in applied.data["accounts"])
    assert applied["Cache-Control"] == "no-store"


def test_api_refuses_a_village_cadre_and_other_villages(setup):
    cadre = api_client(f.make_user("village_cadre", setup["village"]))
    response = cadre.post("/api/members/accounts/", {"village": setup["village"].pk, "apply": True}, format="json")
    assert response.status_code == 403
    assert "无权" in response.json()["detail"]
    far = f.VillageFactory()
    response = api_client(setup["zone"]).post("/api/members/accounts/", {"village": far.pk}, format="json")
    assert response.status_code == 400 and "village" in response.json()


def test_the_page_offers_the_button_to_managers_only(setup):
    assert '"can_open_accounts": true' in page_client(setup["zone"]).get("/members/").content.decode()
    cadre = f.make_user("village_cadre", setup["village"])
    assert '"can_open_accounts": false' in page_client(cadre).get("/members/").content.decode()
