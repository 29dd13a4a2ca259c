"""One scope: turn a user into a filter for every model, failing closed.

Every domain model declares ``scope = ScopeSpec(...)``: the forward lookup path
from the model to each level of the hierarchy it hangs under. A user's role
assignments become *grants* (a role on a node plus the node's ancestors); the
filter for a model is the OR of what each grant reaches. A model without a
ScopeSpec cannot be served (system check ``accounts.E001``), and a grant on a
level the model has no path for reaches nothing.

Paths must be forward relations (FK/one-to-one) so that the filter never
duplicates rows.

A model that hangs under one parent row (a visit under its household, a case event under its case) says
``via="household"`` instead of repeating the parent's paths: it is in scope exactly when its parent is,
and its filter is ``household_id IN (the households in scope)``. PostgreSQL then starts from the parent's
few rows by index (a grid member's 20 households, then their visits by the visit's household index)
rather than joining every visit to its household to test the grant, which it must do when a grant is an
OR across tables (a grid *or* one's own linked households). See BENCHMARKS.md, issue 9.
"""
from __future__ import annotations

import dataclasses

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Q

from core.sql import AnyOf

LEVELS = ("town", "zone", "village", "natural_village", "grid")

DISTRICT_ADMIN = "district_admin"
TOWN_STAFF = "town_staff"
ZONE_COMMITTEE = "zone_committee"
VILLAGE_CADRE = "village_cadre"
GRID_MEMBER = "grid_member"
API_CONSUMER = "api_consumer"

# Roles that may write somewhere (API consumers never write).
WRITER_ROLES = frozenset({DISTRICT_ADMIN, TOWN_STAFF, ZONE_COMMITTEE, VILLAGE_CADRE, GRID_MEMBER})
# Roles that may reveal full ID numbers and phones within their scope.
REVEAL_ROLES = frozenset({DISTRICT_ADMIN, TOWN_STAFF, ZONE_COMMITTEE, VILLAGE_CADRE})

ADMIN_ONLY = frozenset({DISTRICT_ADMIN})
TOWN_UP = frozenset({DISTRICT_ADMIN, TOWN_STAFF})
ZONE_UP = TOWN_UP | {ZONE_COMMITTEE}
VILLAGE_UP = ZONE_UP | {VILLAGE_CADRE}

NOTHING = Q(pk__in=[])
EVERYTHING = Q()  # returned as is (and compared by identity): the grant reaches every row


@dataclasses.dataclass(frozen=True)
class ScopeSpec:
    """How a model hangs on the hierarchy, and which roles may write it."""

    town: str | None = None
    zone: str | None = None
    village: str | None = None
    natural_village: str | None = None
    grid: str | None = None
    member: str | None = None  # path to the PartyMember whose user is the grid member ("" = self)
    node: str | None = None  # this model *is* a hierarchy node of that level
    owner: str | None = None  # path to the User who owns the row (e.g. a notification): always theirs
    # Path to the User a row is *about* (e.g. a security event): accounts have no place of their own, so such
    # a row is placed by its user's role assignments — readable by a grant that reaches a node on which the
    # user holds a role, and by the user themselves. Unlike `owner`, it gives no right to write.
    account: str | None = None
    # Roles that may read the model at all (None: every role); others are refused (403), not shown an empty list.
    readers: frozenset | None = None
    writers: frozenset = frozenset()
    # A forward relation to the parent row this one hangs under: in scope exactly when the parent is (for the
    # same roles). Replaces the level paths and `member`; `owner` stays this model's own (a parent's owner
    # reached through `via` is applied inside the parent's subquery, where its index is).
    via: str | None = None

    def __post_init__(self):
        if self.via and any(getattr(self, name) is not None for name in (*LEVELS, "member", "node", "account")):
            raise ImproperlyConfigured(f"ScopeSpec(via={self.via!r}) 不能同时声明各级路径、member、node 或 account。")


@dataclasses.dataclass(frozen=True)
class Grant:
    role: str
    level: str | None  # None: the whole district
    chain: dict  # level -> id, for the node and its ancestors


class UserScope:
    def __init__(self, user_id: int | None, grants: list[Grant]):
        self.user_id = user_id
        self.grants = grants

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def can_write(self, model) -> bool:
        spec = spec_of(model)
        return bool(spec.owner and self.user_id) or bool(self.roles & spec.writers & WRITER_ROLES)

    def can_read(self, model) -> bool:
        readers = spec_of(model).readers
        return readers is None or bool(self.roles & readers)

    def can_reveal(self) -> bool:
        return bool(self.roles & REVEAL_ROLES)

    def q(self, model, *, write: bool = False, roles: frozenset | None = None, owner: bool = True) -> Q:
        """The filter for `model`: rows this user may read (or write).

        ``owner=False`` leaves out the rows reached only by owning them (a case's assignee): for questions
        that are about the role alone, such as who may reveal personal data.
        """
        spec = spec_of(model)
        allowed = (spec.writers & WRITER_ROLES) if write else spec.readers
        if roles is not None:
            allowed = roles if allowed is None else allowed & roles
        return self._q(model, spec, allowed, write=write, owner=owner)

    def _q(self, model, spec: ScopeSpec, allowed: frozenset | None, *, write: bool, owner: bool) -> Q:
        if spec.via:
            return self._via_q(model, spec, allowed, write=write, owner=owner)
        result = NOTHING
        if owner and spec.owner and self.user_id:
            result |= Q(**{spec.owner: self.user_id})
        for grant in self.grants:
            if allowed is not None and grant.role not in allowed:
                continue
            if grant.level is None:
                return EVERYTHING
            if spec.account is not None and not write:
                result |= _account_q(spec.account, grant, self.user_id)
            path = getattr(spec, grant.level)
            node_id = grant.chain.get(grant.level)
            if path and node_id is not None:
                result |= Q(**{path: node_id})
            if (
                not write
                and spec.node
                and LEVELS.index(spec.node) < LEVELS.index(grant.level)
                and grant.chain.get(spec.node)
            ):
                result |= Q(pk=grant.chain[spec.node])  # one's own ancestors are readable
            if grant.role == GRID_MEMBER and spec.member is not None and self.user_id:
                if not spec.member:
                    result |= Q(user=self.user_id)
                else:
                    # the rows reached through one's own member record, as `pk = ANY(ARRAY(subquery))`: the
                    # array is computed once, first (an InitPlan), so ORed with the grid path both sides are
                    # index scans (a BitmapOr). As a join, or as `pk IN (subquery)` under the OR, PostgreSQL
                    # would test every row of the table (seconds on a million households).
                    linked = model._default_manager.filter(**{f"{spec.member}__user": self.user_id}).values("pk")
                    result |= Q(AnyOf(F("pk"), ArraySubquery(linked)))
        return result

    def _via_q(self, model, spec: ScopeSpec, allowed: frozenset | None, *, write: bool, owner: bool) -> Q:
        """In scope exactly when the parent is: ``<via>_id = ANY(ARRAY(parent rows in scope for these roles))``."""
        parent = model._meta.get_field(spec.via).related_model
        parent_spec = spec_of(parent)
        own_owner = spec.owner
        # the child's owner path, when it is the parent's own owner, is applied inside the parent's subquery
        parent_owner = owner and bool(own_owner) and parent_spec.owner is not None \
            and own_owner == f"{spec.via}__{parent_spec.owner}"
        reached = self._q(parent, parent_spec, allowed, write=write, owner=parent_owner)
        if reached is EVERYTHING:
            return EVERYTHING
        result = NOTHING
        if owner and own_owner and not parent_owner and self.user_id:
            result |= Q(**{own_owner: self.user_id})
        if reached is not NOTHING:
            # `parent_id = ANY(ARRAY(parent rows in scope))`: the parent's rows are read first, by their own index
            # (an InitPlan, once), then this table's rows by its parent index: work proportional to the scope.
            # As `parent_id IN (subquery)` PostgreSQL may instead walk this table in list order testing each row
            # (a zone's links sit together at one end of the id range: 250,000 rows read for a first page), and
            # ORed with one's own rows (a reminder's recipient) it can only test every row.
            result |= Q(AnyOf(F(spec.via), ArraySubquery(parent._default_manager.filter(reached).values("pk"))))
        return result

    def filter(self, queryset, *, write: bool = False, roles: frozenset | None = None, owner: bool = True):
        return queryset.filter(self.q(queryset.model, write=write, roles=roles, owner=owner))


# Lookups from RoleAssignment to each level, for every node kind an assignment can hang on (a grid knows its
# village, natural village, zone and town through its village).
_ASSIGNMENT_PATHS = {
    "town": ("town", "zone__town", "village__zone__town", "grid__village__zone__town"),
    "zone": ("zone", "village__zone", "grid__village__zone"),
    "village": ("village", "grid__village"),
    "natural_village": ("grid__natural_village",),
    "grid": ("grid",),
}


def _account_q(path: str, grant: Grant, user_id: int | None) -> Q:
    """Rows whose user holds a role on a node below (or at) the grant's node, and one's own rows."""
    from .models import RoleAssignment

    result = Q(**{path: user_id}) if user_id else NOTHING
    node_id = grant.chain.get(grant.level)
    if node_id is None:
        return result
    held = NOTHING
    for lookup in _ASSIGNMENT_PATHS[grant.level]:
        held |= Q(**{lookup: node_id})
    return result | Q(**{f"{path}__in": RoleAssignment.objects.filter(held).values("user")})


def spec_of(model) -> ScopeSpec:
    spec = getattr(model, "scope", None)
    if not isinstance(spec, ScopeSpec):
        raise ImproperlyConfigured(f"{model.__name__} 没有声明 scope（ScopeSpec），不能对外提供。")
    return spec


# What a grant needs from one role assignment, as lookups from RoleAssignment: the node it hangs on
# and that node's ancestors. One row of these per assignment (see `grants_from_rows`); the token
# authentication reads the same columns in its own query (accounts.auth).
SCOPE_COLUMNS = (
    "role",
    "town_id",
    "zone_id",
    "zone__town_id",
    "village_id",
    "village__zone_id",
    "village__zone__town_id",
    "grid_id",
    "grid__natural_village_id",
    "grid__village_id",
    "grid__village__zone_id",
    "grid__village__zone__town_id",
)


def _grant_for(row) -> Grant:
    (role, town, zone, zone_town, village, village_zone, village_town,
     grid, grid_natural_village, grid_village, grid_zone, grid_town) = row
    if grid:
        chain = {
            "grid": grid,
            "natural_village": grid_natural_village,
            "village": grid_village,
            "zone": grid_zone,
            "town": grid_town,
        }
        return Grant(role, "grid", chain)
    if village:
        return Grant(role, "village", {"village": village, "zone": village_zone, "town": village_town})
    if zone:
        return Grant(role, "zone", {"zone": zone, "town": zone_town})
    if town:
        return Grant(role, "town", {"town": town})
    if role == GRID_MEMBER:  # linked households only, no grid
        return Grant(role, "grid", {"grid": None})
    return Grant(role, None, {})


def scope_from_rows(user, rows) -> UserScope:
    """The scope of `user` from their role assignments, one `SCOPE_COLUMNS` tuple each (a row whose
    role is None stands for no assignment, as a LEFT JOIN gives it), cached on the user object.

    The user object lives for one request (session and token authentication load it per request),
    so the scope is never reused across requests: a changed role counts from the next request on.
    """
    grants = [_grant_for(row) for row in rows if row[0] is not None]
    if user.is_superuser and not any(g.level is None and g.role == DISTRICT_ADMIN for g in grants):
        grants.append(Grant(DISTRICT_ADMIN, None, {}))
    scope = UserScope(user.pk, grants)
    user._zones_scope = scope
    return scope


def user_scope(user) -> UserScope:
    """The user's scope, computed once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return UserScope(None, [])
    cached = getattr(user, "_zones_scope", None)
    if cached is not None:
        return cached
    from .models import RoleAssignment

    return scope_from_rows(user, RoleAssignment.objects.filter(user=user).values_list(*SCOPE_COLUMNS))
