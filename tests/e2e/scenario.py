"""A small two-town district built with the services, for the page and browser tests."""
from __future__ import annotations

import dataclasses
import datetime

from stdnum.cn import ric

from accounts.models import Role, RoleAssignment, User
from members.models import BranchKind, PartyBranch
from members.services import household_link_create, member_create
from villages.models import MicroGrid, NaturalVillage, Village
from villages.services import household_create, household_update
from zones.models import CommitteeMember, PartyInstructor, SunkCadrePosting, Town
from zones.services import zone_create

PASSWORD = "ceshi-mima-2024"


def id_number(birth: str, sequence: int) -> str:
    """A valid resident ID number from Zhangqiu (370181) with the right check digit."""
    body = f"370181{birth}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclasses.dataclass
class Scenario:
    town_a: Town
    town_b: Town
    zone_a: object
    zone_b: object
    households_a: list
    households_b: list
    member_a: object
    secretary: User
    admin: User


def build() -> Scenario:
    today = datetime.date.today()
    town_a = Town.objects.create(name="明水街道", code="370181001")
    town_b = Town.objects.create(name="埠村街道", code="370181002")
    zone_a = zone_create(town=town_a, name="闫满党建工作区", brand="幸福闫满")
    zone_b = zone_create(town=town_b, name="胡山党建工作区", brand="善治胡山")

    def village_with_grid(zone, village_name, natural_name, grid_name, worker):
        village = Village.objects.create(zone=zone, name=village_name)
        natural = NaturalVillage.objects.create(village=village, name=natural_name)
        grid = MicroGrid.objects.create(natural_village=natural, name=grid_name, worker_name=worker)
        return village, grid

    village_a, grid_a = village_with_grid(zone_a, "闫满村", "东闫满", "第一网格", "李网格")
    village_b, grid_b = village_with_grid(zone_b, "胡山村", "北胡山", "第一网格", "赵网格")

    households_a = [
        household_create(grid=grid_a, head_name="张德福", address="闫满村东街12号", people_count=4,
                         phone="13805311234", tags=["低保"], color="orange"),
        household_create(grid=grid_a, head_name="王秀英", address="闫满村东街15号", people_count=1,
                         phone="13905312345", tags=["独居老人", "重病"], color="red"),
        household_create(grid=grid_a, head_name="刘长青", address="闫满村西街3号", people_count=5, color="green"),
    ]
    households_b = [
        household_create(grid=grid_b, head_name="孙立本", address="胡山村北街1号", people_count=3, color="orange"),
        household_create(grid=grid_b, head_name="周桂兰", address="胡山村北街8号", people_count=2, color="green"),
    ]
    # a change, so the first household has an update in its history
    household_update(household=households_a[0], people_count=5, tags=["低保", "残疾"])

    branch_a = PartyBranch.objects.create(name="闫满村党支部", kind=BranchKind.VILLAGE, town=town_a, zone=zone_a, village=village_a)
    branch_b = PartyBranch.objects.create(name="胡山村党支部", kind=BranchKind.VILLAGE, town=town_b, zone=zone_b, village=village_b)
    member_a = member_create(branch=branch_a, name="陈建国", id_number=id_number("19700315", 11),
                             joined_on=datetime.date(1995, 7, 1), phone="13605316789", duties=["policy", "concerns"])
    member_b = member_create(branch=branch_b, name="吴海燕", id_number=id_number("19820620", 22),
                             joined_on=datetime.date(2008, 7, 1))
    for household in households_a[:2]:
        household_link_create(member=member_a, household=household)
    household_link_create(member=member_b, household=households_b[0])

    CommitteeMember.objects.create(zone=zone_a, name="李文华", role="secretary", origin="town_cadre", organisation="明水街道党工委")
    CommitteeMember.objects.create(zone=zone_a, name="高志强", role="deputy", origin="town_cadre")
    CommitteeMember.objects.create(zone=zone_a, name="马振东", role="part_time", origin="village_secretary", organisation="闫满村党支部")
    cadre = SunkCadrePosting.objects.create(zone=zone_a, office=zone_a.offices.first(), name="郑晓明", home_unit="区农业农村局",
                                            start_date=today - datetime.timedelta(days=90))
    PartyInstructor.objects.create(village=village_a, cadre=cadre, start_date=today - datetime.timedelta(days=60))

    secretary = User.objects.create_user(username="yanman", password=PASSWORD, display_name="李文华")
    RoleAssignment.objects.create(user=secretary, role=Role.ZONE_COMMITTEE, zone=zone_a)
    admin = User.objects.create_user(username="quji", password=PASSWORD, display_name="区级管理员")
    RoleAssignment.objects.create(user=admin, role=Role.DISTRICT_ADMIN)
    return Scenario(town_a, town_b, zone_a, zone_b, households_a, households_b, member_a, secretary, admin)
