"""factory_boy factories for every foundation model (Faker zh_CN).

Shared by every app's tests: import what you need, e.g.

    from tests.factories import HouseholdFactory, PartyMemberFactory, make_user

Conventions:
- Each factory builds its parents when not given, along one consistent branch of
  the hierarchy (a household's grid, natural village, village, zone and town agree).
- ``WorkZoneFactory`` goes through ``zones.services.zone_create``: a zone always has
  its five offices; ``ZoneOfficeFactory`` returns the existing office of a kind.
- ``HouseholdFactory`` sets the denormalised columns with ``Household.place_in``.
- ``PartyMemberFactory`` takes ``id_number`` (default: a fresh valid number from
  ``make_id_number``) and ``phone``; both go through the model's setters, so they
  are stored encrypted, hashed and masked like real input.
- ``make_user(role, node)`` creates a user holding one role on a node.
"""
from __future__ import annotations

import datetime
import functools
import itertools

import factory
from factory.django import DjangoModelFactory
from stdnum.cn import ric

from accounts.models import RoleAssignment, User
from members.models import BranchKind, HouseholdLink, MemberStatus, PartyBranch, PartyMember
from villages.models import (
    CadreRole, Household, HouseholdColor, MicroGrid, NaturalVillage, Village, VillageCadre, VillageKind,
)
from zones.models import (
    CommitteeMember, CommitteeOrigin, CommitteeRole, OfficeKind, PartyInstructor, SunkCadrePosting, Town, WorkZone,
    ZoneOffice,
)
from zones.services import zone_create

LOCALE = "zh_CN"
PASSWORD = "pass-1234"
ZHANGQIU = "370181"  # 章丘: the region code of the demo district
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                   "182", "183", "186", "187", "188")


def zh(provider: str, **kwargs):
    return factory.Faker(provider, locale=LOCALE, **kwargs)


def _faker():
    return factory.Faker._get_faker(locale=LOCALE)


# --- value helpers -------------------------------------------------------------------

_id_counter = itertools.count(1)


def make_id_number(*, birth: datetime.date | None = None, male: bool | None = None, region: str = ZHANGQIU,
                   serial: int | None = None) -> str:
    """A valid 18-digit resident ID number (check digit from ``stdnum.cn.ric``), unique per process."""
    n = next(_id_counter)
    if birth is None:
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=(n * 37) % 14600)  # 1950–1989
    if male is None:
        male = n % 2 == 1
    if serial is None:
        serial = (n // 2) % 500
    order = serial * 2 + (1 if male else 0)  # odd sequence digit: male
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def wrong_check_digit(id_number: str) -> str:
    """The same number with a wrong last digit."""
    right = id_number[-1]
    wrong = "1" if right != "1" else "2"
    return id_number[:-1] + wrong


def make_phone(n: int | None = None) -> str:
    """A valid mainland mobile number."""
    fake = _faker()
    prefix = MOBILE_PREFIXES[n % len(MOBILE_PREFIXES)] if n is not None else fake.random_element(MOBILE_PREFIXES)
    return prefix + (f"{n % 10**8:08d}" if n is not None else fake.numerify("########"))


# --- zones ------------------------------------------------------------------------------

class TownFactory(DjangoModelFactory):
    class Meta:
        model = Town
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"{_faker().city_name()}{n}街道")
    code = factory.Sequence(lambda n: f"370181{n:03d}")


class WorkZoneFactory(DjangoModelFactory):
    """A zone created by ``zone_create``: it comes with its five offices."""

    class Meta:
        model = WorkZone

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"{_faker().last_name()}家{n}工作区")
    brand = factory.Iterator(["七彩官庄", "幸福闫满", "善治胡山", "红映青山", "和美相公"])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return zone_create(town=kwargs["town"], name=kwargs["name"], brand=kwargs.get("brand", ""))


class ZoneOfficeFactory(DjangoModelFactory):
    """One of a zone's five offices (they exist already: this fetches and updates it)."""

    class Meta:
        model = ZoneOffice
        django_get_or_create = ("zone", "kind")

    zone = factory.SubFactory(WorkZoneFactory)
    kind = OfficeKind.PARTY_MASS
    head_name = zh("name")
    duties = "统筹协调工作区相关事务"


class CommitteeMemberFactory(DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    zone = factory.SubFactory(WorkZoneFactory)
    name = zh("name")
    role = CommitteeRole.MEMBER
    origin = CommitteeOrigin.TOWN_CADRE
    organisation = factory.LazyAttribute(lambda o: f"{o.zone.town.name}党工委")


class SunkCadrePostingFactory(DjangoModelFactory):
    """A current posting (started a year ago, no end date)."""

    class Meta:
        model = SunkCadrePosting

    zone = factory.SubFactory(WorkZoneFactory)
    office = factory.LazyAttribute(lambda o: o.zone.offices.filter(kind=OfficeKind.PARTY_MASS).first())
    name = zh("name")
    home_unit = factory.Iterator(["区委组织部", "区民政局", "区农业农村局", "区司法局", "街道办事处"])
    start_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=365))
    end_date = None


# --- villages ---------------------------------------------------------------------------

class VillageFactory(DjangoModelFactory):
    class Meta:
        model = Village

    zone = factory.SubFactory(WorkZoneFactory)
    name = factory.Sequence(lambda n: f"{_faker().last_name()}家庄{n}村")
    kind = VillageKind.VILLAGE


class PartyInstructorFactory(DjangoModelFactory):
    """A current "1+1" instructor: a sunk cadre of the village's own zone."""

    class Meta:
        model = PartyInstructor

    village = factory.SubFactory(VillageFactory)
    cadre = factory.SubFactory(SunkCadrePostingFactory, zone=factory.SelfAttribute("..village.zone"))
    start_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=180))
    end_date = None
    days_per_week = 3


class VillageCadreFactory(DjangoModelFactory):
    class Meta:
        model = VillageCadre

    village = factory.SubFactory(VillageFactory)
    name = zh("name")
    role = CadreRole.SECRETARY
    start_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=700))


class NaturalVillageFactory(DjangoModelFactory):
    class Meta:
        model = NaturalVillage

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"{_faker().last_name()}家峪{n}")


class MicroGridFactory(DjangoModelFactory):
    """A grid; its denormalised ``village`` comes from the natural village on save."""

    class Meta:
        model = MicroGrid

    natural_village = factory.SubFactory(NaturalVillageFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")
    worker_name = zh("name")


class SetterFactory(DjangoModelFactory):
    """A factory whose model takes some values through setters (encrypted, hashed or placed), not as fields:
    ``_instance`` builds the unsaved row; ``_save`` writes it (a plain save unless the subclass says)."""

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        return cls._instance(model_class, kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls._save(cls._instance(model_class, kwargs))

    @staticmethod
    def _save(instance):
        instance.save()
        return instance


class HouseholdFactory(SetterFactory):
    """A household placed in a grid (denormalised columns via ``place_in``), phone stored protected."""

    class Meta:
        model = Household

    grid = factory.SubFactory(MicroGridFactory)
    head_name = zh("name")
    address = factory.LazyAttributeSequence(lambda o, n: f"{o.grid.village.name}{o.grid.natural_village.name}·{n % 200 + 1}号")
    people_count = factory.Faker("random_int", min=1, max=6)
    phone = factory.Sequence(lambda n: make_phone(n))
    tags = factory.LazyFunction(list)
    color = HouseholdColor.GREEN
    next_visit_due = None

    @staticmethod
    def _save(instance):
        from villages.services import household_insert

        # through the service's insert, so the apps that plan households hear of it (visits: its first due date)
        return household_insert(household=instance)

    @staticmethod
    def _instance(model_class, kwargs):
        grid = kwargs.pop("grid")
        phone = kwargs.pop("phone", "")
        household = model_class(**kwargs)
        household.place_in(grid)
        household.set_phone(phone or "")
        return household


# --- members ----------------------------------------------------------------------------

class PartyBranchFactory(DjangoModelFactory):
    """A village branch by default; pass ``village=None`` (and a zone or town) for other levels."""

    class Meta:
        model = PartyBranch

    village = factory.SubFactory(VillageFactory)
    zone = factory.Maybe("village", yes_declaration=factory.SelfAttribute("village.zone"),
                         no_declaration=factory.SubFactory(WorkZoneFactory))
    town = factory.Maybe("zone", yes_declaration=factory.SelfAttribute("zone.town"),
                         no_declaration=factory.SubFactory(TownFactory))
    name = factory.LazyAttributeSequence(lambda o, n: f"{o.village.name if o.village else '机关'}党支部{n}")
    kind = factory.LazyAttribute(lambda o: BranchKind.VILLAGE if o.village else BranchKind.ENTERPRISE)


class PartyMemberFactory(SetterFactory):
    """A member; ``id_number`` and ``phone`` go through the encrypting setters."""

    class Meta:
        model = PartyMember

    branch = factory.SubFactory(PartyBranchFactory)
    name = zh("name")
    id_number = factory.LazyFunction(make_id_number)
    phone = factory.Sequence(lambda n: make_phone(n + 5_000_000))
    joined_on = factory.LazyAttribute(
        lambda o: min(ric.get_birth_date(o.id_number) + datetime.timedelta(days=25 * 365),
                      datetime.date.today() - datetime.timedelta(days=30))
    )
    status = MemberStatus.FULL
    is_flowing = False
    duties = factory.LazyFunction(list)
    left_on = None
    user = None

    @staticmethod
    def _instance(model_class, kwargs):
        id_number = kwargs.pop("id_number")
        phone = kwargs.pop("phone", "")
        member = model_class(**kwargs)
        member.set_id_number(id_number)
        member.set_phone(phone or "")
        return member


class HouseholdLinkFactory(DjangoModelFactory):
    """A link written directly (no quota check: use the service to test the rules)."""

    class Meta:
        model = HouseholdLink

    household = factory.SubFactory(HouseholdFactory)
    member = factory.SubFactory(PartyMemberFactory, branch__village=factory.SelfAttribute("...household.village"))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from members import events

        link = super()._create(model_class, *args, **kwargs)
        events.household_links_changed.emit(household_ids=[link.household_id])  # as the link services do
        return link


# --- accounts ---------------------------------------------------------------------------

def _password_hash() -> str:
    from django.conf import settings

    # keyed by the hashers in force: a hash made under one PASSWORD_HASHERS setting
    # cannot be checked under another (some tests switch to MD5 for speed)
    return _password_hash_for(tuple(settings.PASSWORD_HASHERS))


@functools.cache
def _password_hash_for(hashers: tuple[str, ...]) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = zh("name")
    # One hash for every user: hashing per user (PBKDF2) would cost ~0.3 s each.
    password = factory.LazyFunction(lambda: _password_hash())


NODE_FIELD = {Town: "town", WorkZone: "zone", Village: "village", MicroGrid: "grid"}


class RoleAssignmentFactory(DjangoModelFactory):
    """District admin by default; pass ``role`` and the node field (town/zone/village/grid)."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = "district_admin"


def make_user(role: str, node=None, *, member: PartyMember | None = None, **user_kwargs) -> User:
    """A user holding ``role`` on ``node`` (a Town, WorkZone, Village or MicroGrid; None = district).

    For a grid member, ``member`` (a PartyMember) is tied to the user so their linked households are in scope.
    """
    user = UserFactory(**user_kwargs)
    add_role(user, role, node)
    if member is not None:
        PartyMember.objects.filter(pk=member.pk).update(user=user)
        member.user = user
    return user


def users_up_the_chain(grid: MicroGrid, *, member: PartyMember) -> dict[str, User]:
    """One user per role over ``grid``: the district, its town, zone and village, the grid (``member``'s
    account) and an API consumer of the zone."""
    village = grid.village
    return {
        "district": make_user("district_admin"),
        "town": make_user("town_staff", village.zone.town),
        "zone": make_user("zone_committee", village.zone),
        "village": make_user("village_cadre", village),
        "grid": make_user("grid_member", grid, member=member),
        "api": make_user("api_consumer", village.zone),
    }


def add_role(user: User, role: str, node=None) -> RoleAssignment:
    fields = {NODE_FIELD[type(node)]: node} if node is not None else {}
    assignment = RoleAssignmentFactory(user=user, role=role, **fields)
    if hasattr(user, "_zones_scope"):
        del user._zones_scope  # the cached scope is stale now
    return assignment
