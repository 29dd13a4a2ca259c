"""A small piece of 闫满 zone for the visit tests.

官庄街道 ─ 闫满工作区 ─ 闫满村 ─ 闫满自然村 ─ 网格一 (worker 网格员小王), 网格二
                      └ 胡山工作区 ─ 胡山村 …          相公庄街道 ─ 相公庄工作区 ─ 相公庄村 …
网格一: four households, one of each color, all linked to party member 张党员 (who has an account);
网格二: one unlinked green household. One household in 胡山 and one in 相公庄.
"""
from __future__ import annotations

import dataclasses
import datetime
import zoneinfo

import pytest

from accounts.models import Role
from tests import factories as f
from villages.services import grid_update


@dataclasses.dataclass
class World:
    town: object
    zone: object
    other_zone: object
    other_town: object
    village: object
    grid: object
    grid2: object
    member: object  # 张党员, linked to the four households of grid one
    member_user: object  # 张党员's account (grid member, linked households only)
    worker_user: object  # the grid worker of grid one (grid member on the grid)
    cadre_user: object  # village cadre of 闫满村
    cadre_member: object  # the cadre's own party member record (not linked to any household)
    zone_user: object  # zone committee of 闫满
    town_user: object  # town staff of 官庄
    other_zone_user: object
    consumer: object
    green: object
    yellow: object
    orange: object
    red: object
    unlinked: object  # grid two, no member
    other_zone_household: object
    other_town_household: object

    @property
    def linked(self):
        return [self.green, self.yellow, self.orange, self.red]


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
START = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)  # a Monday morning


class Clock:
    """Frozen time (time-machine) that a test moves forward day by day."""

    def __init__(self, machine):
        self.machine = machine
        self.now = START
        machine.move_to(self.now, tick=False)

    @property
    def today(self) -> datetime.date:
        return self.now.date()

    def advance(self, *, days: int = 0, hours: int = 0) -> datetime.date:
        self.now += datetime.timedelta(days=days, hours=hours)
        self.machine.move_to(self.now, tick=False)
        return self.today

    def go_to(self, day: datetime.date) -> datetime.date:
        return self.advance(days=(day - self.today).days)


@pytest.fixture
def clock(time_machine) -> Clock:
    return Clock(time_machine)


@pytest.fixture
def world(request, db) -> World:
    if "clock" in request.fixturenames:
        request.getfixturevalue("clock")  # the world is built at the clock's start, not today
    town = f.TownFactory(name="官庄街道")
    zone = f.WorkZoneFactory(town=town, name="闫满党建工作区", brand="幸福闫满")
    other_zone = f.WorkZoneFactory(town=town, name="胡山党建工作区", brand="善治胡山")
    other_town = f.TownFactory(name="相公庄街道")
    third_zone = f.WorkZoneFactory(town=other_town, name="相公庄党建工作区")
    village = f.VillageFactory(zone=zone, name="闫满村")
    nv = f.NaturalVillageFactory(village=village, name="闫满")
    grid = f.MicroGridFactory(natural_village=nv, name="网格一", worker_name="王网格")
    grid2 = f.MicroGridFactory(natural_village=nv, name="网格二")
    worker_user = f.make_user(Role.GRID_MEMBER, grid, username="worker", display_name="王网格")
    grid = grid_update(grid=grid, worker_user=worker_user)
    branch = f.PartyBranchFactory(village=village, name="闫满村党支部")
    member = f.PartyMemberFactory(branch=branch, name="张党员")
    member_user = f.make_user(Role.GRID_MEMBER, None, member=member, username="zhang", display_name="张党员")
    cadre_user = f.make_user(Role.VILLAGE_CADRE, village, username="cadre", display_name="李书记")
    cadre_member = f.PartyMemberFactory(branch=branch, name="李书记", user=cadre_user)
    households = {}
    for color, name, tags in (("green", "赵一", []), ("yellow", "钱二", ["低保"]), ("orange", "孙三", ["独居老人"]),
                              ("red", "周四", ["矛盾纠纷", "信访"])):
        households[color] = f.HouseholdFactory(grid=grid, head_name=name, color=color, tags=tags)
        f.HouseholdLinkFactory(member=member, household=households[color])
    unlinked = f.HouseholdFactory(grid=grid2, head_name="吴五")
    other_village = f.VillageFactory(zone=other_zone, name="胡山村")
    other_zone_household = f.HouseholdFactory(
        grid=f.MicroGridFactory(natural_village=f.NaturalVillageFactory(village=other_village)), head_name="郑六")
    third_village = f.VillageFactory(zone=third_zone, name="相公庄村")
    other_town_household = f.HouseholdFactory(
        grid=f.MicroGridFactory(natural_village=f.NaturalVillageFactory(village=third_village)), head_name="冯七")
    return World(
        town=town, zone=zone, other_zone=other_zone, other_town=other_town, village=village, grid=grid, grid2=grid2,
        member=member, member_user=member_user, worker_user=worker_user, cadre_user=cadre_user,
        cadre_member=cadre_member,
        zone_user=f.make_user(Role.ZONE_COMMITTEE, zone, username="zone", display_name="闫满书记"),
        town_user=f.make_user(Role.TOWN_STAFF, town, username="town", display_name="官庄组织办"),
        other_zone_user=f.make_user(Role.ZONE_COMMITTEE, other_zone, username="huzone", display_name="胡山书记"),
        consumer=f.make_user(Role.API_CONSUMER, zone, username="consumer", display_name="数据对接"),
        green=households["green"], yellow=households["yellow"], orange=households["orange"], red=households["red"],
        unlinked=unlinked, other_zone_household=other_zone_household, other_town_household=other_town_household,
    )


def refreshed(obj):
    obj.refresh_from_db()
    return obj
