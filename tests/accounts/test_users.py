"""Users and roles (issue 10 §2): who may manage which accounts and grant which roles where; every change in the
security log; the API's refusals in Chinese."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Role, RoleAssignment, SecurityAction, SecurityEvent, User
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    town = f.TownFactory(name="甲街道")
    other_town = f.TownFactory(name="乙街道")
    zone = f.WorkZoneFactory(town=town, name="一区")
    other_zone = f.WorkZoneFactory(town=town, name="二区")
    village = f.VillageFactory(zone=zone)
    other_village = f.VillageFactory(zone=other_zone)
    far_village = f.VillageFactory(zone=f.WorkZoneFactory(town=other_town))
    return dict(town=town, other_town=other_town, zone=zone, other_zone=other_zone, village=village,
                other_village=other_village, far_village=far_village,
                district=f.make_user(Role.DISTRICT_ADMIN), town_staff=f.make_user(Role.TOWN_STAFF, town),
                zone_committee=f.make_user(Role.ZONE_COMMITTEE, zone))


def _grid(village):
    return f.MicroGridFactory(natural_village=f.NaturalVillageFactory(village=village))


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- services: boundaries --------------------------------------------------------------------------------


def test_town_staff_grants_below_their_level_inside_their_town(tree):
    staff, user = tree["town_staff"], f.make_user(Role.VILLAGE_CADRE, tree["village"])
    services.role_grant(by=staff, user=user, role=Role.ZONE_COMMITTEE, node=tree["zone"])
    services.role_grant(by=staff, user=user, role=Role.API_CONSUMER, node=tree["town"])
    assert set(user.assignments.values_list("role", flat=True)) == {"village_cadre", "zone_committee", "api_consumer"}


@pytest.mark.parametrize("role, node_key, error", [
    (Role.DISTRICT_ADMIN, None, PermissionDenied),       # above their level
    (Role.TOWN_STAFF, "town", PermissionDenied),         # at their level
    (Role.TOWN_STAFF, "other_town", PermissionDenied),
    (Role.ZONE_COMMITTEE, "far_zone", ValidationError),  # another town
    (Role.VILLAGE_CADRE, "far_village", ValidationError),
    (Role.API_CONSUMER, None, ValidationError),          # the whole district is above their town
])
def test_town_staff_cannot_escalate_or_leave_their_town(tree, role, node_key, error):
    nodes = {**tree, "far_zone": tree["far_village"].zone}
    user = f.make_user(Role.GRID_MEMBER, _grid(tree["village"]))
    with pytest.raises(error) as exc:
        services.role_grant(by=tree["town_staff"], user=user, role=role, node=nodes.get(node_key))
    if error is ValidationError:
        message = exc.value.message_dict
        assert "管辖范围" in str(message) and set(message) <= {"town", "zone", "village"}
    assert user.assignments.count() == 1
    assert not SecurityEvent.objects.filter(action=SecurityAction.ROLE_GRANTED).exists()


def test_zone_committee_stays_in_its_zone_and_below(tree):
    committee = tree["zone_committee"]
    mine = f.make_user(Role.GRID_MEMBER, _grid(tree["village"]))
    services.role_grant(by=committee, user=mine, role=Role.VILLAGE_CADRE, node=tree["village"])
    with pytest.raises(ValidationError):
        services.role_grant(by=committee, user=mine, role=Role.VILLAGE_CADRE, node=tree["other_village"])
    with pytest.raises(PermissionDenied):
        services.role_grant(by=committee, user=mine, role=Role.ZONE_COMMITTEE, node=tree["zone"])
    with pytest.raises(PermissionDenied):  # API consumers are the town's to grant
        services.role_grant(by=committee, user=mine, role=Role.API_CONSUMER, node=tree["zone"])
    theirs = f.make_user(Role.VILLAGE_CADRE, tree["other_village"])
    for act in (lambda: services.user_disable(by=committee, user=theirs),
                lambda: services.user_password_reset(by=committee, user=theirs),
                lambda: services.role_grant(by=committee, user=theirs, role=Role.GRID_MEMBER,
                                            node=_grid(tree["village"])),
                lambda: services.role_revoke(by=committee, assignment=theirs.assignments.get())):
        with pytest.raises(PermissionDenied):
            act()
    assert theirs.assignments.count() == 1 and User.objects.get(pk=theirs.pk).is_active


def test_town_staff_cannot_manage_the_district_another_town_or_a_peer(tree):
    staff = tree["town_staff"]
    for target in (tree["district"], f.make_user(Role.TOWN_STAFF, tree["town"]),
                   f.make_user(Role.VILLAGE_CADRE, tree["far_village"]), f.UserFactory(),
                   f.UserFactory(is_superuser=True)):
        with pytest.raises(PermissionDenied):
            services.user_disable(by=staff, user=target)
        with pytest.raises(PermissionDenied):
            services.user_password_reset(by=staff, user=target)
    # one role out of reach makes the whole account out of reach
    mixed = f.make_user(Role.VILLAGE_CADRE, tree["village"])
    f.add_role(mixed, Role.VILLAGE_CADRE, tree["far_village"])
    with pytest.raises(PermissionDenied):
        services.user_disable(by=staff, user=mixed)


def test_nobody_disables_themselves(tree):
    with pytest.raises(PermissionDenied):
        services.user_disable(by=tree["district"], user=tree["district"])


def test_create_with_a_first_role_a_generated_password_and_the_log(tree):
    staff = tree["town_staff"]
    user = services.user_create(by=staff, username="zhangsan", display_name="张三", role=Role.VILLAGE_CADRE,
                                node=tree["village"])
    assert user.must_change_password and user.initial_password and user.check_password(user.initial_password)
    assert user.assignments.get().village == tree["village"]
    actions = list(SecurityEvent.objects.filter(user=staff).order_by("id").values_list("action", flat=True))
    assert actions == [SecurityAction.USER_CREATED, SecurityAction.ROLE_GRANTED]
    with pytest.raises(ValidationError) as exc:  # town staff must give a role (a roleless account is the district's)
        services.user_create(by=staff, username="lisi")
    assert "role" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # a refused grant takes the new account with it
        services.user_create(by=staff, username="wangwu", role=Role.VILLAGE_CADRE, node=tree["far_village"])
    assert not User.objects.filter(username__in=["lisi", "wangwu"]).exists()


def test_every_change_is_in_the_security_log_and_the_users_history(tree):
    staff = tree["town_staff"]
    user = f.make_user(Role.VILLAGE_CADRE, tree["village"])
    AuthToken.objects.create(user=user)
    assignment = services.role_grant(by=staff, user=user, role=Role.GRID_MEMBER,
                                     node=_grid(tree["village"]))
    services.role_revoke(by=staff, assignment=assignment)
    services.user_disable(by=staff, user=user)
    assert not AuthToken.objects.filter(user=user).exists()
    services.user_enable(by=staff, user=user)
    password = services.user_password_reset(by=staff, user=user)
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(password)
    logged = set(SecurityEvent.objects.filter(user=staff).values_list("action", flat=True))
    assert {SecurityAction.ROLE_GRANTED, SecurityAction.ROLE_REVOKED, SecurityAction.USER_DISABLED,
            SecurityAction.USER_ENABLED, SecurityAction.PASSWORD_RESET, SecurityAction.TOKEN_REVOKED} <= logged
    history = set(services.user_history(user=user).values_list("action", flat=True))
    assert logged <= history
    assert not services.user_history(user=tree["zone_committee"]).filter(user=staff).exists()


# --- API ---------------------------------------------------------------------------------------------------


def test_the_list_is_the_managers_part_of_the_tree(tree):
    mine = f.make_user(Role.VILLAGE_CADRE, tree["village"], username="mine")
    f.make_user(Role.VILLAGE_CADRE, tree["far_village"], username="far")
    rows = _api(tree["town_staff"]).get("/api/users/", {"page_size": 100}).data["results"]
    names = {row["username"] for row in rows}
    assert "mine" in names and "far" not in names and tree["district"].username not in names
    row = next(r for r in rows if r["username"] == "mine")
    assert row["manageable"] and row["assignments"][0]["role_display"] == "村两委干部"
    assert _api(tree["town_staff"]).get("/api/users/", {"q": "min"}).data["count"] == 1
    assert _api(tree["district"]).get(f"/api/users/{mine.pk}/").status_code == 200


def test_the_api_creates_grants_revokes_disables_and_resets(tree):
    api = _api(tree["town_staff"])
    response = api.post("/api/users/", {"username": "zhaoliu", "display_name": "赵六", "role": "village_cadre",
                                        "village": tree["village"].pk}, format="json")
    assert response.status_code == 201, response.data
    pk, initial = response.data["id"], response.data["initial_password"]
    assert initial and User.objects.get(pk=pk).check_password(initial)
    grid = _grid(tree["village"])
    response = api.post(f"/api/users/{pk}/roles/", {"role": "grid_member", "grid": grid.pk}, format="json")
    assert response.status_code == 200 and len(response.data["assignments"]) == 2
    assignment = RoleAssignment.objects.get(user_id=pk, role="grid_member")
    response = api.post(f"/api/users/{pk}/revoke-role/", {"assignment": assignment.pk}, format="json")
    assert response.status_code == 200 and len(response.data["assignments"]) == 1
    assert api.post(f"/api/users/{pk}/disable/").data["is_active"] is False
    assert api.post(f"/api/users/{pk}/enable/").data["is_active"] is True
    password = api.post(f"/api/users/{pk}/reset-password/").data["password"]
    assert User.objects.get(pk=pk).check_password(password)
    assert api.patch(f"/api/users/{pk}/", {"display_name": "赵六六"}, format="json").data["display_name"] == "赵六六"
    history = api.get(f"/api/users/{pk}/history/").data
    assert {row["action"] for row in history} >= {"user_created", "role_granted", "role_revoked", "user_disabled",
                                                  "user_enabled", "password_reset"}


def test_api_refusals_are_400_or_403_in_chinese(tree):
    api = _api(tree["town_staff"])
    target = f.make_user(Role.VILLAGE_CADRE, tree["village"])
    response = api.post(f"/api/users/{target.pk}/roles/", {"role": "grid_member", "village": tree["far_village"].pk},
                        format="json")
    assert response.status_code == 400 and "管辖范围" in str(response.data["village"])
    response = api.post(f"/api/users/{target.pk}/roles/", {"role": "town_staff", "town": tree["town"].pk},
                        format="json")
    assert response.status_code == 403 and "低于本人层级" in response.data["detail"]
    response = api.post(f"/api/users/{target.pk}/roles/", {"role": "boss"}, format="json")
    assert response.status_code == 400 and "无效的角色" in str(response.data["role"])
    response = api.post(f"/api/users/{target.pk}/roles/", {"role": "village_cadre"}, format="json")
    assert response.status_code == 400 and "须选择村/社区" in str(response.data["village"])
    response = api.post("/api/users/", {"username": tree["district"].username, "role": "village_cadre",
                                        "village": tree["village"].pk}, format="json")
    assert response.status_code == 400 and "已存在" in str(response.data["username"])
    response = api.post(f"/api/users/{target.pk}/revoke-role/", {"assignment": 999999}, format="json")
    assert response.status_code == 400 and "assignment" in response.data
    peer = f.make_user(Role.TOWN_STAFF, tree["town"])
    response = api.post(f"/api/users/{peer.pk}/disable/")
    assert response.status_code == 403 and "无权管理" in response.data["detail"]
    far = f.make_user(Role.VILLAGE_CADRE, tree["far_village"])
    assert api.post(f"/api/users/{far.pk}/disable/").status_code == 404
    for role, node in ((Role.VILLAGE_CADRE, tree["village"]), (Role.GRID_MEMBER, None)):
        response = _api(f.make_user(role, node)).get("/api/users/")
        assert response.status_code == 403 and "只有" in response.data["detail"]


# --- pages ---------------------------------------------------------------------------------------------------


def test_the_users_page_is_for_managers_only(client, tree):
    from core.menu import menu_for

    for user in (tree["district"], tree["town_staff"], tree["zone_committee"]):
        client.force_login(user)
        response = client.get("/users/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "/static/accounts/users.js" in html and "用户与角色" in html and '"grantable_roles"' in html
        assert {"title": "用户与角色", "path": "/users/", "icon": "User"} in menu_for(user)[0]
    client.force_login(tree["zone_committee"])
    assert '"grantable_roles": ["village_cadre", "grid_member"]' in client.get("/users/").content.decode()
    for user in (f.make_user(Role.GRID_MEMBER, _grid(tree["village"])), f.make_user(Role.VILLAGE_CADRE, tree["village"]),
                 f.make_user(Role.API_CONSUMER, tree["town"])):
        client.force_login(user)
        assert client.get("/users/").status_code == 403
        assert all(item.get("path") != "/users/" for item in menu_for(user)[0])


def test_my_account_page_and_my_tokens(client, tree):
    user = f.make_user(Role.API_CONSUMER, tree["town"])
    mine, _ = AuthToken.objects.create(user=user)
    theirs, _ = AuthToken.objects.create(user=tree["district"])
    client.force_login(user)
    response = client.get("/account/")
    assert response.status_code == 200 and "/static/accounts/my_account.js" in response.content.decode()
    api = _api(user)
    assert [row["token_key"] for row in api.get("/api/me/tokens/").data] == [mine.token_key]
    response = api.post("/api/me/tokens/revoke/", {"token_key": theirs.token_key}, format="json")
    assert response.status_code == 400 and "token_key" in response.data
    assert api.post("/api/me/tokens/revoke/", {"token_key": mine.token_key}, format="json").status_code == 204
    assert not AuthToken.objects.filter(user=user).exists() and AuthToken.objects.filter(pk=theirs.pk).exists()
    assert SecurityEvent.objects.filter(action=SecurityAction.TOKEN_REVOKED, user=user).exists()
