"""Export masking by role (every level: masked by default; reveal for the roles that may, logged with the row
count), and the role-granting boundaries issue 10 names that tests/accounts/test_users.py does not cover."""
import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from accounts import services
from accounts.models import Role, SecurityAction, SecurityEvent
from tests import factories as f
from tests.clients import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    grid = f.MicroGridFactory()
    member = f.PartyMemberFactory(branch__village=grid.village)
    household = f.HouseholdFactory(grid=grid, phone="13812345678")
    f.HouseholdLinkFactory(household=household, member=member)
    return dict(grid=grid, village=grid.village, zone=grid.village.zone, town=grid.village.zone.town,
                member=member, household=household)


ROLES = [  # role, node key, may reveal
    (Role.GRID_MEMBER, "grid", False),
    (Role.VILLAGE_CADRE, "village", True),
    (Role.ZONE_COMMITTEE, "zone", True),
    (Role.TOWN_STAFF, "town", True),
    (Role.DISTRICT_ADMIN, None, True),
]


def _phones(response):
    assert response.status_code == 200, getattr(response, "data", None)
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
                .active.iter_rows(values_only=True))
    return [row[rows[0].index("电话")] for row in rows[1:]]


@pytest.mark.parametrize("role, node_key, may_reveal", ROLES)
def test_every_role_exports_masked_and_only_revealing_roles_reveal(world, role, node_key, may_reveal):
    user = f.make_user(role, world[node_key] if node_key else None, member=world["member"])
    client = api_client(user)
    assert _phones(client.get("/api/households/export/")) == ["138****5678"]
    assert not SecurityEvent.objects.filter(action=SecurityAction.PII_REVEAL).exists()

    response = client.get("/api/households/export/", {"reveal": "true"})
    if not may_reveal:
        assert response.status_code == 403 and "不能查看完整个人信息" in response.data["detail"]
        assert not SecurityEvent.objects.filter(action=SecurityAction.PII_REVEAL).exists()
        return
    assert _phones(response) == ["13812345678"]
    reveal = SecurityEvent.objects.get(action=SecurityAction.PII_REVEAL)
    assert reveal.user_id == user.pk and reveal.detail["rows"] == 1 and reveal.detail["export"] is True
    assert SecurityEvent.objects.filter(action=SecurityAction.EXPORT, user=user).count() == 2


def test_a_reveal_reaching_rows_outside_the_reveal_scope_is_refused(world):
    """A village cadre who also keeps households as a grid member elsewhere sees those rows, but may not
    reveal them: the export with reveal is refused whole."""
    elsewhere = f.HouseholdFactory(phone="13700002222")
    member = f.PartyMemberFactory(branch__village=elsewhere.village)
    f.HouseholdLinkFactory(household=elsewhere, member=member)
    user = f.make_user(Role.VILLAGE_CADRE, world["village"])
    f.add_role(user, Role.GRID_MEMBER, elsewhere.grid)
    member.user = user
    member.save(update_fields=["user"])
    client = api_client(user)
    assert sorted(_phones(client.get("/api/households/export/"))) == ["137****2222", "138****5678"]
    response = client.get("/api/households/export/", {"reveal": "true"})
    assert response.status_code == 403 and "范围" in response.data["detail"]
    assert _phones(client.get("/api/households/export/", {"reveal": "true", "village": world["village"].pk})) == [
        "13812345678"]


# --- granting boundaries ---------------------------------------------------------------------------------


def test_zone_committee_cannot_grant_town_staff(world):
    committee = f.make_user(Role.ZONE_COMMITTEE, world["zone"])
    target = f.make_user(Role.VILLAGE_CADRE, world["village"])
    with pytest.raises(PermissionDenied):
        services.role_grant(by=committee, user=target, role=Role.TOWN_STAFF, node=world["town"])
    response = api_client(committee).post(f"/api/users/{target.pk}/roles/",
                                          {"role": "town_staff", "town": world["town"].pk}, format="json")
    assert response.status_code == 403
    assert list(target.assignments.values_list("role", flat=True)) == [Role.VILLAGE_CADRE]


def test_town_staff_cannot_grant_a_district_role_or_a_role_in_another_town_through_the_api(world):
    staff = f.make_user(Role.TOWN_STAFF, world["town"])
    target = f.make_user(Role.VILLAGE_CADRE, world["village"])
    client = api_client(staff)
    assert client.post(f"/api/users/{target.pk}/roles/", {"role": "district_admin"}, format="json").status_code == 403
    far_village = f.VillageFactory()
    response = client.post(f"/api/users/{target.pk}/roles/", {"role": "village_cadre", "village": far_village.pk},
                           format="json")
    assert response.status_code == 400 and "管辖范围" in str(response.data["village"])
    response = client.post(f"/api/users/{target.pk}/roles/", {"role": "zone_committee", "zone": far_village.zone.pk},
                           format="json")
    assert response.status_code == 400 and "管辖范围" in str(response.data["zone"])
    assert list(target.assignments.values_list("role", flat=True)) == [Role.VILLAGE_CADRE]
    assert not SecurityEvent.objects.filter(action=SecurityAction.ROLE_GRANTED).exists()
