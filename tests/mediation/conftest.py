"""A small district for the mediation tests: two towns, three zones, rooms with rotas, users of each role."""
from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from mediation import services
from mediation.models import CaseCategory, CaseSource, DutyShift, OfficerKind
from tests.factories import (
    CommitteeMemberFactory, TownFactory, VillageCadreFactory, VillageFactory, WorkZoneFactory, make_user,
)


@dataclasses.dataclass
class World:
    town_a: object
    town_b: object
    zone_a: object
    zone_b: object
    zone_c: object
    village_a1: object
    village_a2: object
    village_b1: object
    village_c1: object
    cadre_a1: object  # village cadre of A1
    cadre_a2: object  # village cadre (party secretary) of A2, also on the zone A rota
    cadre_b1: object
    zone_a_user: object  # zone A committee (secretary), on the rota
    zone_a_deputy: object  # zone A committee (deputy), on the rota
    zone_b_user: object
    town_a_user: object
    town_b_user: object
    consumer_a: object  # read-only API consumer on zone A
    room_a: object
    officers_a: list


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, fast_passwords) -> World:
    town_a, town_b = TownFactory(name="官庄街道"), TownFactory(name="相公庄街道")
    zone_a = WorkZoneFactory(town=town_a, name="闫满党建工作区")
    zone_b = WorkZoneFactory(town=town_a, name="胡山党建工作区")
    zone_c = WorkZoneFactory(town=town_b, name="相公庄党建工作区")
    village_a1 = VillageFactory(zone=zone_a, name="闫满村")
    village_a2 = VillageFactory(zone=zone_a, name="石匣村")
    village_b1 = VillageFactory(zone=zone_b, name="胡山村")
    village_c1 = VillageFactory(zone=zone_c, name="相公庄村")
    cadre_a1 = make_user(Role.VILLAGE_CADRE, village_a1, username="cadre_a1", display_name="闫村干")
    cadre_a2 = make_user(Role.VILLAGE_CADRE, village_a2, username="cadre_a2", display_name="石书记")
    cadre_b1 = make_user(Role.VILLAGE_CADRE, village_b1, username="cadre_b1", display_name="胡村干")
    zone_a_user = make_user(Role.ZONE_COMMITTEE, zone_a, username="zone_a", display_name="李书记")
    zone_a_deputy = make_user(Role.ZONE_COMMITTEE, zone_a, username="zone_a_deputy", display_name="高副书记")
    zone_b_user = make_user(Role.ZONE_COMMITTEE, zone_b, username="zone_b", display_name="胡书记")
    town_a_user = make_user(Role.TOWN_STAFF, town_a, username="town_a", display_name="官庄组织办")
    town_b_user = make_user(Role.TOWN_STAFF, town_b, username="town_b", display_name="相公庄组织办")
    consumer_a = make_user(Role.API_CONSUMER, zone_a, username="consumer_a", display_name="数据对接")

    room_a = services.room_save(zone=zone_a, place="闫满村党群服务中心二楼", legal_advisers=["王律师（泉城律师事务所）"],
                                volunteers=["缤纷四季志愿服务队"])
    secretary = CommitteeMemberFactory(zone=zone_a, name="李文华", role="secretary", user=zone_a_user)
    deputy = CommitteeMemberFactory(zone=zone_a, name="高志强", role="deputy", user=zone_a_deputy)
    village_secretary = VillageCadreFactory(village=village_a2, name="石建军", user=cadre_a2)
    officers_a = [
        services.rota.officer_save(room=room_a, name="李文华", kind=OfficerKind.SECRETARY, committee_member=secretary,
                                   user=zone_a_user, rotation_order=1),
        services.rota.officer_save(room=room_a, name="高志强", kind=OfficerKind.DEPUTY, committee_member=deputy,
                                   user=zone_a_deputy, rotation_order=2),
        services.rota.officer_save(room=room_a, name="石建军", kind=OfficerKind.VILLAGE_SECRETARY,
                                   village_cadre=village_secretary, user=cadre_a2, rotation_order=3),
    ]
    return World(
        town_a=town_a, town_b=town_b, zone_a=zone_a, zone_b=zone_b, zone_c=zone_c, village_a1=village_a1,
        village_a2=village_a2, village_b1=village_b1, village_c1=village_c1, cadre_a1=cadre_a1, cadre_a2=cadre_a2,
        cadre_b1=cadre_b1, zone_a_user=zone_a_user, zone_a_deputy=zone_a_deputy, zone_b_user=zone_b_user,
        town_a_user=town_a_user, town_b_user=town_b_user, consumer_a=consumer_a, room_a=room_a, officers_a=officers_a,
    )


def on_duty_today(world: World, officer_index: int = 0) -> DutyShift:
    """Put one officer of zone A on duty today (whole day)."""
    return DutyShift.objects.create(room=world.room_a, date=timezone.localdate(), slot=1, officer=world.officers_a[officer_index])


PARTIES = [
    {"role": "applicant", "name": "张德福", "phone": "13805311234", "id_number": "", "address": "闫满村东街12号"},
    {"role": "respondent", "name": "王长贵", "phone": "", "address": "闫满村东街14号"},
]


def new_case(world: World, *, by=None, village=None, **kwargs):
    data = {
        "source": CaseSource.GRID, "category": CaseCategory.NEIGHBOUR, "title": "宅前排水沟堵塞引发邻里纠纷",
        "description": "两户因排水沟清理问题多次争吵。", "parties": PARTIES,
    }
    data.update(kwargs)
    return services.case_create(by=by or world.cadre_a1, village=village or world.village_a1, **data)


def agreement_args(case) -> dict:
    return {
        "terms": "双方同意共同出资清理排水沟，今后每年汛期前各自清理门前段。",
        "mediators": "李文华、王律师",
        "confirmed_parties": list(case.parties.values_list("pk", flat=True)),
    }


def days_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


__all__ = ["World", "agreement_args", "days_ago", "new_case", "on_duty_today", "PARTIES"]
