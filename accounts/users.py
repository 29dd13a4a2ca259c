"""Who may manage which accounts, and grant which roles where (issue 10 §2 "Users and roles").

The rule, from the role levels of ``accounts.scoping``:

- Only *managers* manage accounts: district admins, town staff and zone committees (``MANAGER_ROLES``).
- A manager grants a role on a node only through one of their own manager grants that **reaches the node**
  (the node is the grant's node or below it) and that **may hand out the role** (``GRANTABLE``): a district
  admin anything anywhere (district admins included); town staff zone committee, village cadre, grid member
  and API consumer on nodes of their own town — never district admin or town staff; a zone committee village
  cadre and grid member on nodes of their own zone. Nobody grants a role at or above their own level.
- A manager manages an account (edits, disables, resets, grants to it, revokes its roles) only when **every**
  role the account holds is one the manager could have granted; an account with no role, and any superuser,
  only a district admin. Nobody disables or resets themselves here (their own password: the password page).

Node models are never imported: a node's place is read through its own ``ScopeSpec`` (the path from the
node model to each level), as every scoped model is.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from .scoping import (
    API_CONSUMER, DISTRICT_ADMIN, GRID_MEMBER, TOWN_STAFF, VILLAGE_CADRE, ZONE_COMMITTEE, Grant, spec_of, user_scope,
)

MANAGER_ROLES = frozenset({DISTRICT_ADMIN, TOWN_STAFF, ZONE_COMMITTEE})
ALL_ROLES = frozenset({DISTRICT_ADMIN, TOWN_STAFF, ZONE_COMMITTEE, VILLAGE_CADRE, GRID_MEMBER, API_CONSUMER})
GRANTABLE = {
    DISTRICT_ADMIN: ALL_ROLES,
    TOWN_STAFF: frozenset({ZONE_COMMITTEE, VILLAGE_CADRE, GRID_MEMBER, API_CONSUMER}),
    ZONE_COMMITTEE: frozenset({VILLAGE_CADRE, GRID_MEMBER}),
}
NODE_FIELDS = ("town", "zone", "village", "grid")  # RoleAssignment's node relations, top down
ROLE_NODE_FIELD = {  # the node each role hangs on (API consumers: any one, or none = the whole district)
    TOWN_STAFF: "town", ZONE_COMMITTEE: "zone", VILLAGE_CADRE: "village", GRID_MEMBER: "grid",
}


def is_manager(user) -> bool:
    return bool(user_scope(user).roles & MANAGER_ROLES)


def _manager_grants(by) -> list[Grant]:
    return [g for g in user_scope(by).grants if g.role in MANAGER_ROLES]


def _reaches(grant: Grant, node) -> bool:
    """Whether ``grant``'s node is ``node`` or above it (None: the whole district)."""
    if grant.level is None:
        return True
    if node is None:
        return False
    path = getattr(spec_of(type(node)), grant.level, None)
    node_id = grant.chain.get(grant.level)
    if not path or node_id is None:
        return False
    return type(node)._default_manager.filter(pk=node.pk, **{path: node_id}).exists()


def may_grant(by, role: str, node) -> bool:
    """Whether ``by`` may grant ``role`` on ``node`` (None: the whole district)."""
    return any(role in GRANTABLE[g.role] and _reaches(g, node) for g in _manager_grants(by))


def assignment_node(assignment):
    for name in reversed(NODE_FIELDS):
        node = getattr(assignment, name)
        if node is not None:
            return node
    return None


def may_manage(by, user) -> bool:
    """Whether ``by`` may manage ``user``'s account (see the module's rule)."""
    grants = _manager_grants(by)
    if not grants:
        return False
    if any(g.role == DISTRICT_ADMIN for g in grants):
        return True
    if user.is_superuser or user.is_staff:
        return False
    assignments = list(user.assignments.select_related(*NODE_FIELDS))
    if not assignments:
        return False
    return all(may_grant(by, a.role, assignment_node(a)) for a in assignments)


def manage_check(by, user, *, self_allowed: bool = True) -> None:
    """Refuse (PermissionDenied, in Chinese) unless ``by`` may manage ``user``; ``by=None`` is the system."""
    if by is None:
        return
    if not self_allowed and by.pk == user.pk:
        raise PermissionDenied("不能对自己的账号执行此操作。")
    if not may_manage(by, user):
        raise PermissionDenied("您无权管理该账号：该账号持有超出您管辖范围或不低于您层级的角色。")


def grant_check(by, user, role: str, node, *, new_user: bool = False) -> None:
    """Refuse a grant ``by`` may not make: 400 naming ``role`` or ``node``, 403 for the role or the account.
    ``new_user``: the account is being created by ``by`` in the same transaction (no role yet)."""
    if by is None:
        return
    if not new_user:
        manage_check(by, user)
    if role not in ALL_ROLES:
        raise ValidationError({"role": ["无效的角色。"]})
    if not any(role in GRANTABLE[g.role] for g in _manager_grants(by)):
        raise PermissionDenied("您无权授予该角色：只能授予低于本人层级的角色。")
    wanted = ROLE_NODE_FIELD.get(role, "")
    field = _field_of(node) or wanted or "town"
    if wanted and _field_of(node) != wanted:
        label = _label(wanted)
        raise ValidationError({wanted: [f"授予该角色须选择{label}。"]})
    if not may_grant(by, role, node):
        raise ValidationError({field: ["所选节点不在您的管辖范围内，不能在此授予该角色。"]})


def _field_of(node) -> str | None:
    from .models import RoleAssignment

    for name in NODE_FIELDS:
        if node is not None and isinstance(node, RoleAssignment._meta.get_field(name).related_model):
            return name
    return None


def _label(name: str) -> str:
    from .models import RoleAssignment

    return str(RoleAssignment._meta.get_field(name).verbose_name)
