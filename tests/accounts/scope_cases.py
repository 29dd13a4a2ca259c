"""Scope-matrix expectations for the foundation endpoints (zones, villages, members).

Each case states, independently of ``accounts.scoping``, where the model's rows
hang and who may write them; the rows themselves are recorded by ``build_world``.
"""
from __future__ import annotations

import datetime
import uuid

from members.models import HouseholdLink, PartyBranch, PartyMember
from accounts.models import SecurityAction, SecurityEvent, User
from notifications.models import Notification
from tests import factories as f
from villages.models import Household, MicroGrid, NaturalVillage, Village, VillageCadre
from zones.models import CommitteeMember, PartyInstructor, SunkCadrePosting, Town, WorkZone, ZoneOffice

from .scope_world import ADMIN, TOWN_STAFF, TOWN_UP, VILLAGE_UP, ZONE_UP, Case


def _tag() -> str:
    return uuid.uuid4().hex[:6]


def _office_payload(world, place):
    # All five offices exist: free the kind first (the test's transaction is rolled back).
    ZoneOffice.objects.filter(zone=place.obj, kind="emergency").delete()
    return {"zone": place.obj.pk, "kind": "emergency", "head_name": "李应急"}


def _branch_fks(world, place):
    village = place.obj
    return [village.zone.town, village.zone, village]


def _household_member_rows(world, member_id):
    return {h for _l, h, m in world.links if m == member_id}


def _link_member_rows(world, member_id):
    return {lk for lk, _h, m in world.links if m == member_id}


def _populate_notifications(world):
    """One message per signed-in role, plus one for a user with no role at all."""
    owners = [role.user for role in world.roles.values() if role.user is not None]
    owners.append(f.UserFactory(username="matrix-no-role"))
    for user in owners:
        world.add(Notification.objects.create(user=user, title="测试消息", dedupe_key=f"matrix-{user.pk}"),
                  {"owner": user.pk})


def _own_notifications(world, role):
    """An inbox is personal, even for a district administrator."""
    if role.user is None:
        return set()
    return {pk for pk, loc in world.rows.get(Notification, {}).items() if loc["owner"] == role.user.pk}


def _populate_security_events(world):
    """One event per signed-in role's user, one for an account with no role, one failed sign-in with no account."""
    for role in world.roles.values():
        if role.user is not None:
            event = SecurityEvent.objects.create(user=role.user, username=role.user.username, action=SecurityAction.LOGIN)
            world.add(event, {"user": role.user.pk})
    loner = f.UserFactory(username="matrix-log-no-role")
    world.add(SecurityEvent.objects.create(user=loner, username=loner.username, action=SecurityAction.LOGIN),
              {"user": loner.pk})
    world.add(SecurityEvent.objects.create(username="nobody", action=SecurityAction.LOGIN_FAILED, result="failed"),
              {"user": None})


def _security_events_seen(world, role):
    """The district sees every row; town staff the rows of users holding a role in their town (from how the roles
    were built, not from the scope code)."""
    rows = world.rows.get(SecurityEvent, {})
    if any(g.role == "district_admin" for g in role.grants):
        return set(rows)
    towns = {g.place.loc["town"] for g in role.grants if g.role == TOWN_STAFF}
    users = {
        other.user.pk for other in world.roles.values()
        if other.user is not None and any(g.place is not None and g.place.loc.get("town") in towns for g in other.grants)
    }
    return {pk for pk, loc in rows.items() if loc["user"] in users}


# Who manages whose account (issue 10 §2), stated here apart from accounts.users: the roles a manager hands out.
_GRANTABLE = {
    "town_staff": {"zone_committee", "village_cadre", "grid_member", "api_consumer"},
    "zone_committee": {"village_cadre", "grid_member"},
}


def _populate_users(world):
    """Every account in the table (the roles' users and those the cases above made), placed by its user id."""
    for user in User.objects.all():
        world.add(user, {"user": user.pk})


def _roles_of_user(world, user_id):
    return next((r for r in world.roles.values() if r.user is not None and r.user.pk == user_id), None)


def _under(place, above) -> bool:
    return above is None or (place is not None and place.loc.get(above.level) == above.obj.pk)


def _users_seen(world, role):
    """Managers read their own account and the accounts holding a role on a node of theirs; the district every one."""
    managing = [g for g in role.grants if g.role in ZONE_UP]
    seen = set()
    for pk in world.rows.get(User, {}):
        other = _roles_of_user(world, pk)
        if any(g.place is None for g in managing) or (role.user is not None and pk == role.user.pk):
            seen.add(pk)
        elif other is not None and any(_under(h.place, g.place) for g in managing for h in other.grants):
            seen.add(pk)
    return seen


def _user_manageable(world, role, loc):
    if any(g.role == "district_admin" for g in role.grants):
        return True
    other = _roles_of_user(world, loc["user"])
    if other is None or not other.grants:
        return False
    return all(
        any(h.role in _GRANTABLE.get(g.role, ()) and _under(h.place, g.place) for g in role.grants)
        for h in other.grants
    )


CASES = {
    "towns": Case(
        model=Town, level="town", node=True, writers=ADMIN,
        payload=lambda w, p: {"name": f"新建{_tag()}街道", "code": "370181001"}, fks=lambda w, p: [],
    ),
    "zones": Case(
        model=WorkZone, level="zone", node=True, writers=ZONE_UP, parent_level="town",
        payload=lambda w, p: {"town": p.obj.pk, "name": f"新建{_tag()}工作区", "brand": "和美新村"},
        fks=lambda w, p: [p.obj],
    ),
    "zone-offices": Case(
        model=ZoneOffice, level="zone", writers=ZONE_UP, parent_level="zone",
        payload=_office_payload, fks=lambda w, p: [p.obj],
    ),
    "committee-members": Case(
        model=CommitteeMember, level="zone", writers=ZONE_UP, parent_level="zone",
        payload=lambda w, p: {"zone": p.obj.pk, "name": "王委员", "role": "member", "origin": "town_cadre"},
        fks=lambda w, p: [p.obj],
    ),
    "sunk-cadres": Case(
        model=SunkCadrePosting, level="zone", writers=ZONE_UP, parent_level="zone",
        payload=lambda w, p: {"zone": p.obj.pk, "name": "赵下沉", "home_unit": "区民政局", "start_date": "2024-03-01"},
        fks=lambda w, p: [p.obj],
    ),
    "instructors": Case(
        model=PartyInstructor, level="village", writers=ZONE_UP, parent_level="village",
        payload=lambda w, p: {"village": p.obj.pk, "cadre": w.cadre_of_zone[p.key[:2]].pk, "start_date": "2024-03-01",
                              "days_per_week": 3},
        fks=lambda w, p: [p.obj, w.cadre_of_zone[p.key[:2]]],
    ),
    "villages": Case(
        model=Village, level="village", node=True, writers=VILLAGE_UP, parent_level="zone",
        payload=lambda w, p: {"zone": p.obj.pk, "name": f"新建{_tag()}村", "kind": "village"},
        fks=lambda w, p: [p.obj],
    ),
    "village-cadres": Case(
        model=VillageCadre, level="village", writers=ZONE_UP, parent_level="village",
        payload=lambda w, p: {"village": p.obj.pk, "name": "钱委员", "role": "branch_member"},
        fks=lambda w, p: [p.obj],
    ),
    "natural-villages": Case(
        model=NaturalVillage, level="natural_village", node=True, writers=VILLAGE_UP, parent_level="village",
        payload=lambda w, p: {"village": p.obj.pk, "name": f"新建{_tag()}庄"}, fks=lambda w, p: [p.obj],
    ),
    "grids": Case(
        model=MicroGrid, level="grid", node=True, writers=VILLAGE_UP, parent_level="natural_village",
        payload=lambda w, p: {"natural_village": p.obj.pk, "name": f"新建{_tag()}网格", "worker_name": "孙网格"},
        fks=lambda w, p: [p.obj],
    ),
    "households": Case(
        model=Household, level="grid", writers=VILLAGE_UP, parent_level="grid",
        payload=lambda w, p: {"grid": p.obj.pk, "head_name": "周新户", "address": "幸福路1号", "people_count": 3,
                              "phone": f.make_phone(), "tags": ["低保"], "color": "yellow"},
        fks=lambda w, p: [p.obj], member_rows=_household_member_rows,
    ),
    "branches": Case(
        model=PartyBranch, level="village", writers=ZONE_UP, parent_level="village",
        payload=lambda w, p: {"town": p.obj.zone.town_id, "zone": p.obj.zone_id, "village": p.obj.pk,
                              "name": f"新建{_tag()}党支部", "kind": "village"},
        fks=_branch_fks,
    ),
    "members": Case(
        model=PartyMember, level="village", writers=VILLAGE_UP, parent_level="village",
        payload=lambda w, p: {"branch": w.branch_of_village[p.key].pk, "name": "吴新党员",
                              "id_number": f.make_id_number(birth=datetime.date(1971, 5, 5)), "joined_on": "2000-07-01",
                              "phone": f.make_phone(), "status": "full"},
        fks=lambda w, p: [w.branch_of_village[p.key]], member_rows=lambda w, m: {m},
    ),
    "household-links": Case(
        model=HouseholdLink, level="grid", writers=VILLAGE_UP, parent_level="village",
        payload=lambda w, p: {"member": w.members_of_village[p.key][1].pk, "household": w.unlinked_of_village[p.key].pk},
        fks=lambda w, p: [w.members_of_village[p.key][1], w.unlinked_of_village[p.key]],
        member_rows=_link_member_rows,
    ),
    # The inbox is the notifications app's; its expectation sits here until tests/notifications owns one.
    "notifications": Case(
        model=Notification, level="town", writers=frozenset(), populate=_populate_notifications,
        expect=_own_notifications, read_only=True,
    ),
    # The security log: who may read it is a matter of role; the rows hang on the user's role assignments.
    "security-events": Case(
        model=SecurityEvent, level="town", writers=frozenset(), populate=_populate_security_events,
        expect=_security_events_seen, read_only=True, read_only_status=403, readers=TOWN_UP,
        refusal_logged=True,
    ),
    # Accounts: managers only; the rows hang on the users' role assignments; writes follow accounts.users' rule.
    "users": Case(
        model=User, level="town", writers=ZONE_UP, populate=_populate_users, expect=_users_seen, readers=ZONE_UP,
        write_rule=_user_manageable, deletable=False,
    ),
}
