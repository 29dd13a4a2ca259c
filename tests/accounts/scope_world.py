"""The "world" of the scope matrix: two towns, every model in every place, one user per role.

Expectations are computed from how the world was built (each row is recorded
with the place it was created under), never from ``accounts.scoping``.

An endpoint's expectation is a ``Case`` in a ``scope_cases`` module of any test
package (``tests/<app>/scope_cases.py`` with ``CASES = {prefix: Case(...)}``).
A case for a new model adds its rows with ``populate(world)``, calling
``world.add(obj, loc)`` for each row, where ``loc`` is the place it hangs under
(``world.place("A1a").loc`` and so on).

Tree:  A街道 ─ A1工作区 ─ A1a村, A1b村;  A2工作区 ─ A2a村;   B街道 ─ B1工作区 ─ B1a村.
Each village: a natural village with two grids (…-g1, …-g2) of two households
each, a village branch with two members (m1 links g1h1 and g2h1, m2 links
g1h2; g2h2 stays unlinked), a village cadre and a "1+1" instructor. Each zone:
five offices, a secretary, a sunk cadre and a zone-level branch with a member.
Each town: a town-level branch with a member.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable

from django.db import models

# The names of levels and roles are shared; which role reaches what is stated here, independently.
from accounts.scoping import (
    API_CONSUMER, DISTRICT_ADMIN, GRID_MEMBER, LEVELS, TOWN_STAFF, VILLAGE_CADRE, ZONE_COMMITTEE,
)
from tests import factories as f


ADMIN = frozenset({DISTRICT_ADMIN})
TOWN_UP = ADMIN | {TOWN_STAFF}
ZONE_UP = TOWN_UP | {ZONE_COMMITTEE}
VILLAGE_UP = ZONE_UP | {VILLAGE_CADRE}

TREE = {"A": {"A1": ["A1a", "A1b"], "A2": ["A2a"]}, "B": {"B1": ["B1a"]}}


@dataclasses.dataclass
class Place:
    key: str
    level: str
    obj: models.Model
    loc: dict[str, int]


@dataclasses.dataclass(frozen=True)
class Grant:
    role: str
    place: Place | None  # None: the whole district


@dataclasses.dataclass
class Role:
    name: str
    user: object | None
    grants: list[Grant]
    member_id: int | None = None  # the PartyMember tied to a grid member


@dataclasses.dataclass
class Case:
    """What one endpoint serves and who may write it.

    model: the served model; level: where its rows hang; node: the model *is* the
    hierarchy node of ``level`` (one's ancestors are readable); writers: roles that
    may write it; parent_level: the level of place a new row is created under
    (None: no parent); payload(world, place) → POST body; fks(world, place) → the
    rows the body points at; member_rows(world, member_id) → extra rows a grid
    member sees through their linked households; populate(world) adds the rows of
    a model the core world does not build; create_ok=False: a well-placed create
    is still refused by a business rule (then only 400/403/404 are checked);
    expect(world, role) replaces the hierarchy rule for rows that hang on a user
    (e.g. an inbox); read_only: PATCH/DELETE/POST are 405 (or ``read_only_status``) for signed-in users;
    readers: only these roles read it, the others are refused (403) on every method.
    """

    model: type[models.Model]
    level: str
    writers: frozenset
    node: bool = False
    parent_level: str | None = None
    payload: Callable | None = None
    fks: Callable | None = None
    member_rows: Callable | None = None
    populate: Callable | None = None
    create_ok: bool = True
    expect: Callable | None = None  # (world, role) → readable ids, for rows not placed on the hierarchy
    read_only: bool = False  # the endpoint refuses every write with 405
    # A business rule refusing some in-scope updates (403), e.g. "only the author within 7 days, then the zone":
    update_ok: Callable | None = None  # (world, role, pk) → may this role update this row?
    append_only: bool = False  # rows are created, never changed or deleted (PATCH/DELETE 405 for writers)
    deletable: bool = True  # False: DELETE is 405 for writers (the endpoint never deletes)
    readers: frozenset | None = None  # roles that may read the endpoint at all; every other role gets 403
    read_only_status: int = 405  # a write to a read_only endpoint (403 where no role may write the model at all)
    refusal_logged: bool = False  # the model is the security log: a refused request adds one row to it
    # Replaces the hierarchy rule for writes to rows not placed on the hierarchy (e.g. accounts):
    write_rule: Callable | None = None  # (world, role, loc) → may this role write the row at loc?


class World:
    def __init__(self):
        self.places: dict[str, Place] = {}
        self.rows: dict[type, dict[int, dict]] = {}
        self.links: list[tuple[int, int, int]] = []  # (link id, household id, member id)
        self.roles: dict[str, Role] = {}
        self.cadre_of_zone: dict[str, models.Model] = {}
        self.branch_of_village: dict[str, models.Model] = {}
        self.members_of_village: dict[str, list] = {}
        self.unlinked_of_village: dict[str, models.Model] = {}
        self.households_of_grid: dict[str, list] = {}

    # --- construction ------------------------------------------------------------
    def add(self, obj, loc: dict[str, int]) -> None:
        self.rows.setdefault(type(obj), {})[obj.pk] = dict(loc)

    def add_place(self, key: str, level: str, obj, parent: Place | None) -> Place:
        loc = dict(parent.loc) if parent else {}
        loc[level] = obj.pk
        place = Place(key, level, obj, loc)
        self.places[key] = place
        self.add(obj, loc)
        return place

    def place(self, key: str) -> Place:
        return self.places[key]

    def places_at(self, level: str) -> list[Place]:
        return [p for p in self.places.values() if p.level == level]

    # --- expectations --------------------------------------------------------------
    def ids(self, model) -> set[int]:
        return set(self.rows.get(model, {}))

    def loc_of(self, model, pk) -> dict:
        return self.rows[model][pk]

    def readable(self, role: Role, case: Case) -> set[int]:
        if case.expect is not None:
            return set(case.expect(self, role))
        rows = self.rows.get(case.model, {})
        out: set[int] = set()
        for grant in role.grants:
            if grant.place is None:
                return set(rows)
            level, node_id = grant.place.level, grant.place.obj.pk
            out |= {pk for pk, loc in rows.items() if loc.get(level) == node_id}
            if case.node and LEVELS.index(case.level) < LEVELS.index(level):
                out.add(grant.place.loc[case.level])  # one's own ancestor
            if grant.role == GRID_MEMBER and case.member_rows and role.member_id:
                out |= set(case.member_rows(self, role.member_id))
        return out

    def writer(self, role: Role, case: Case) -> bool:
        return any(g.role in case.writers for g in role.grants)

    def writable(self, role: Role, case: Case, loc: dict) -> bool:
        if case.write_rule is not None:
            return case.write_rule(self, role, loc)
        for grant in role.grants:
            if grant.role not in case.writers:
                continue
            if grant.place is None or loc.get(grant.place.level) == grant.place.obj.pk:
                return True
        return False

    def readable_obj(self, role: Role, obj, cases_by_model: dict) -> bool:
        case = cases_by_model[type(obj)]
        return obj.pk in self.readable(role, case)


def build_world(cases: dict[str, Case]) -> World:
    w = World()
    for town_key, zones in TREE.items():
        town = w.add_place(town_key, "town", f.TownFactory(name=f"{town_key}街道"), None)
        town_branch = f.PartyBranchFactory(village=None, zone=None, town=town.obj, name=f"{town_key}街道机关党支部",
                                           kind="organ")
        w.add(town_branch, town.loc)
        w.add(f.PartyMemberFactory(branch=town_branch), town.loc)
        for zone_key, villages in zones.items():
            zone = w.add_place(zone_key, "zone", f.WorkZoneFactory(town=town.obj, name=f"{zone_key}工作区"), town)
            for office in zone.obj.offices.all():
                w.add(office, zone.loc)
            w.add(f.CommitteeMemberFactory(zone=zone.obj, role="secretary"), zone.loc)
            cadre = f.SunkCadrePostingFactory(zone=zone.obj)
            w.add(cadre, zone.loc)
            w.cadre_of_zone[zone_key] = cadre
            zone_branch = f.PartyBranchFactory(village=None, zone=zone.obj, name=f"{zone_key}工作区联合党支部")
            w.add(zone_branch, zone.loc)
            w.add(f.PartyMemberFactory(branch=zone_branch), zone.loc)
            for village_key in villages:
                _build_village(w, village_key, zone)
    _build_roles(w)
    for case in cases.values():
        if case.populate:
            case.populate(w)
    return w


def _build_village(w: World, key: str, zone: Place) -> None:
    village = w.add_place(key, "village", f.VillageFactory(zone=zone.obj, name=f"{key}村"), zone)
    w.add(f.VillageCadreFactory(village=village.obj), village.loc)
    w.add(f.PartyInstructorFactory(village=village.obj, cadre=w.cadre_of_zone[zone.key]), village.loc)
    nv = w.add_place(f"{key}-nv", "natural_village", f.NaturalVillageFactory(village=village.obj, name=f"{key}自然村"),
                     village)
    households = {}
    for g in ("g1", "g2"):
        grid = w.add_place(f"{key}-{g}", "grid", f.MicroGridFactory(natural_village=nv.obj, name=f"{key}-{g}"), nv)
        w.households_of_grid[grid.key] = []
        for h in ("h1", "h2"):
            household = f.HouseholdFactory(grid=grid.obj)
            w.add(household, grid.loc)
            households[f"{g}{h}"] = household
            w.households_of_grid[grid.key].append(household)
    branch = f.PartyBranchFactory(village=village.obj, name=f"{key}村党支部")
    w.add(branch, village.loc)
    w.branch_of_village[key] = branch
    m1 = f.PartyMemberFactory(branch=branch)
    m2 = f.PartyMemberFactory(branch=branch)
    w.add(m1, village.loc)
    w.add(m2, village.loc)
    w.members_of_village[key] = [m1, m2]
    for member, hkey in ((m1, "g1h1"), (m1, "g2h1"), (m2, "g1h2")):
        household = households[hkey]
        link = f.HouseholdLinkFactory(member=member, household=household)
        w.add(link, w.rows[type(household)][household.pk])
        w.links.append((link.pk, household.pk, member.pk))
    w.unlinked_of_village[key] = households["g2h2"]


def _build_roles(w: World) -> None:
    def role(name, grants, member=None):
        user = f.UserFactory(username=f"matrix-{name}")
        for grant in grants:
            f.add_role(user, grant.role, grant.place.obj if grant.place else None)
        if member is not None:
            f.PartyMember.objects.filter(pk=member.pk).update(user=user)
        w.roles[name] = Role(name, user, grants, member.pk if member is not None else None)

    p = w.place
    w.roles["anonymous"] = Role("anonymous", None, [])
    role("district", [Grant(DISTRICT_ADMIN, None)])
    role("town_a", [Grant(TOWN_STAFF, p("A"))])
    role("other_town", [Grant(TOWN_STAFF, p("B"))])
    role("zone_a1", [Grant(ZONE_COMMITTEE, p("A1"))])
    role("other_zone", [Grant(ZONE_COMMITTEE, p("A2"))])
    role("village_a1a", [Grant(VILLAGE_CADRE, p("A1a"))])
    role("other_village", [Grant(VILLAGE_CADRE, p("A1b"))])
    role("grid_member", [Grant(GRID_MEMBER, p("A1a-g1"))], member=w.members_of_village["A1a"][0])
    role("api_consumer", [Grant(API_CONSUMER, p("A1"))])
    # Reads zone A1 as a consumer, writes zone A2 as its committee: A1 rows are readable, not writable.
    role("mixed", [Grant(ZONE_COMMITTEE, p("A2")), Grant(API_CONSUMER, p("A1"))])


ROLE_NAMES = ["anonymous", "district", "town_a", "other_town", "zone_a1", "other_zone", "village_a1a",
              "other_village", "grid_member", "api_consumer", "mixed"]


def discover_cases() -> dict[str, Case]:
    """Every ``tests/<package>/scope_cases.py``'s CASES, merged."""
    import tests

    cases: dict[str, Case] = {}
    for module in pkgutil.iter_modules(tests.__path__):
        if not module.ispkg:
            continue
        try:
            found = importlib.import_module(f"tests.{module.name}.scope_cases")
        except ModuleNotFoundError as exc:
            if exc.name == f"tests.{module.name}.scope_cases":
                continue
            raise
        overlap = set(cases) & set(found.CASES)
        assert not overlap, f"两个 scope_cases 模块定义了同一接口：{overlap}"
        cases.update(found.CASES)
    return cases
