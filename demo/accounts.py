"""Demo data vocabulary and the demo accounts (演示账号).

`seed_demo` builds the district from the pools below; `demo_users_create()` makes
one login per role on the first nodes of the tree, and `demo_logins()` lists them
for `run_platform` to print at start.
"""
from __future__ import annotations

import random

from django.contrib.auth.hashers import make_password
from django.db import transaction

DEMO_PASSWORD = "demo12345"

# --- Places ------------------------------------------------------------------------
# Zhangqiu's 18 streets and towns (章丘区辖 18 个街镇).
ZHANGQIU_TOWNS = [
    "明水街道", "双山街道", "枣园街道", "龙山街道", "埠村街道", "圣井街道", "普集街道", "绣惠街道", "相公庄街道",
    "文祖街道", "官庄街道", "高官寨街道", "白云湖街道", "宁家埠街道", "曹范街道", "辛寨街道", "黄河街道", "垛庄镇",
]
# Zones the news reports name, as the first zone of their town: (place, brand).
KNOWN_ZONES = {
    "官庄街道": [("闫满", "幸福闫满"), ("官庄", "七彩官庄")],
    "文祖街道": [("三德范", "古韵三德范"), ("胡山", "善治胡山")],
    "曹范街道": [("北曹范", "红映青山")],
    "黄河街道": [("北房", "大河北房")],
    "普集街道": [("普集", "产业普集")],
    "绣惠街道": [("锦川", "锦绣锦川")],
    "相公庄街道": [("相公庄", "和美相公庄")],
    "双山街道": [("三泉溪", "红心三泉溪")],
    "高官寨街道": [("高官寨", "甜美高官寨")],
    "枣园街道": [("朱各务", "同心朱各务")],
}
BRAND_WORDS = [
    "七彩", "幸福", "善治", "红映", "和美", "润泽", "红心", "聚力", "同心", "振兴", "锦绣", "康乐", "和谐", "齐心",
    "红耀", "兴旺", "乐享", "共富", "暖心", "大美", "颐养", "生态", "书香", "红色", "匠心", "活力", "清风", "悦居",
]
# Building blocks of village names: core + ending, sometimes a direction in front.
PLACE_CORES = [
    "王家", "李家", "张家", "刘家", "孙家", "赵家", "杨家", "徐家", "高家", "郭家", "于家", "韩家", "马家", "宋家",
    "胡家", "孟家", "董家", "曹家", "田家", "崔家", "袁家", "程家", "魏家", "姜家", "吕家", "邢家", "焦家", "毕家",
    "石门", "桃花", "柳树", "河北", "东岭", "西营", "南岭", "青山", "白云", "黄土", "龙泉", "凤凰", "牛山", "马鞍",
    "石佛", "双井", "三官", "七里", "十里", "枣林", "梨园", "杏林", "桑园", "柿子", "槐荫", "清泉", "泉水", "长岭",
    "官道", "大陈", "小陈", "闫满", "胡山", "苏码", "朱各务", "三德范", "北房", "锦川", "相公", "埠东", "普集",
    "明家", "辛庄", "鲍家", "常家", "侯家", "卢家", "鹅庄", "枣园", "圣井", "白泉", "龙山", "城角", "西沟", "北坡",
]
PLACE_PREFIXES = ["", "", "", "东", "西", "南", "北", "前", "后", "上", "下", "大", "小", "新"]
PLACE_ENDINGS = ["庄", "村", "峪", "屯", "店", "寨", "集", "营", "洼", "坡", "岭", "沟", "桥", "泉", "楼", "河"]
COMMUNITY_WORDS = ["阳光", "和平", "文化", "新城", "绣水", "明珠", "东城", "西城", "南苑", "北苑", "翠湖", "湖畔", "龙泉", "滨河"]
STREET_PARTS = ["东街", "西街", "南街", "北街", "前街", "后街", "中街", "大街", "一巷", "二巷", "三巷", "新村路", "河沿", "岭上"]

DEPARTMENTS = [
    "党政办公室", "组织办", "宣传统战办", "经济发展办", "社会事务办", "城乡建设办", "应急管理办", "综合执法中队",
    "农业农村服务中心", "财政所", "司法所", "派出所", "便民服务中心", "退役军人服务站", "文化站", "卫生院",
]
DISTRICT_UNITS = [
    "章丘区委组织部", "章丘区农业农村局", "章丘区民政局", "章丘区司法局", "章丘区自然资源局", "章丘区住建局",
    "章丘区应急管理局", "章丘区卫健局", "章丘区人社局", "章丘区信访局", "章丘区生态环境分局", "章丘区水务局",
]
ENTERPRISE_WORDS = ["鲍芹", "大葱", "铁锅", "服装", "机械", "食品", "建材", "物流", "农业科技", "生态农业", "纺织", "新能源"]
SOCIAL_ORG_WORDS = ["志愿者协会", "慈善协会", "老年协会", "乡贤理事会", "红白理事会", "巾帼志愿服务队"]
OFFICE_DUTIES = {
    "party_mass": "党员教育管理、组织生活指导、群团工作",
    "economy": "村企共富项目、集体经济、招商服务",
    "social": "民生保障、矛盾调解、公共服务",
    "construction": "村庄规划、人居环境、项目建设",
    "emergency": "安全生产、应急处置、生态环境保护",
}

# --- People ------------------------------------------------------------------------
# Common surnames in Shandong, most frequent first (weights fall with rank).
SURNAMES = list(
    "王张李刘陈杨赵孙徐马高郭吴于韩朱宋胡周孟董曹田崔袁程魏任姜吕许邢谢尹郝焦毕石贾宁杜解侯冯黄梁亓鲍"
    "房孔卢常彭苏牛颜郑乔路巩司耿秦范谭"
)
MALE_GIVEN = [
    "建国", "建华", "建军", "国强", "志强", "明", "军", "伟", "勇", "磊", "强", "涛", "斌", "海涛", "立新", "庆华",
    "玉林", "德胜", "传文", "兆海", "成刚", "洪波", "振华", "光明", "永刚", "延军", "长河", "春生", "秋生", "宝山",
    "金柱", "连友", "学军", "红军", "卫东", "文广", "家宝", "新民", "树林", "德明", "庆军", "宗义", "兆德", "秀峰",
    "继东", "茂林", "传海", "广才", "德顺", "保国", "守信", "志刚", "海波", "云龙", "鹏", "浩", "宇", "晨", "凯",
    "子涵", "俊杰", "文博", "思远", "佳豪", "天宇", "嘉诚", "兴旺", "福来", "永利", "春雷", "良", "华", "峰", "刚",
]
FEMALE_GIVEN = [
    "秀英", "桂英", "秀兰", "玉兰", "凤英", "淑珍", "桂兰", "丽", "芳", "静", "娟", "敏", "燕", "霞", "红梅",
    "春梅", "美玲", "晓燕", "丽华", "玉珍", "秀芳", "桂芝", "淑华", "玉梅", "秀云", "翠兰", "玉霞", "金凤", "爱华",
    "慧", "婷", "雪", "倩", "悦", "佳怡", "欣怡", "梦瑶", "雨萱", "思琪", "晓丽", "春燕", "海燕", "丽娟", "艳",
]
_SURNAME_WEIGHTS = [1.0 / (i + 3) for i in range(len(SURNAMES))]
# Mobile prefixes in service in mainland China (all accepted by phonenumbers).
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186",
    "187", "188", "189", "198", "199",
]


def chinese_name(rng: random.Random, gender: str = "M") -> str:
    surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    return surname + rng.choice(MALE_GIVEN if gender == "M" else FEMALE_GIVEN)


def mobile_number(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


# --- Demo accounts -------------------------------------------------------------------
DEMO_USERNAMES = ("admin", "town01", "zone01", "village01", "grid01", "api01")
_GENERIC_ROLE_LABELS = {
    "admin": "区级管理员",
    "town01": "街道(镇)工作人员",
    "zone01": "工作区党委书记",
    "village01": "村党组织书记",
    "grid01": "网格员/联户党员",
    "api01": "数据对接(只读)",
}


class DemoDataMissing(Exception):
    """No hierarchy to hang the demo accounts on."""


class DemoRefused(Exception):
    """The database has real users: demo accounts with a published password must not appear there."""


def real_users_exist() -> bool:
    from accounts.models import User

    return User.objects.exclude(username__in=DEMO_USERNAMES).exists()


def _demo_nodes() -> dict:
    """The first town, zone, village and grid the demo accounts hang on (by id)."""
    from members.models import PartyMember
    from villages.models import MicroGrid, Village
    from zones.models import Town, WorkZone

    town = Town.objects.order_by("id").first()
    zone = WorkZone.objects.filter(town=town).order_by("id").first() if town else None
    village = Village.objects.filter(zone=zone).order_by("id").first() if zone else None
    grid = MicroGrid.objects.filter(village=village).order_by("id").first() if village else None
    if grid is None:
        raise DemoDataMissing("数据库中没有完整的层级（街道→工作区→村→网格），请先运行 manage.py seed_demo。")
    member = (
        PartyMember.objects.filter(links__household__grid=grid, left_on__isnull=True).order_by("id").first()
    )
    return {"town": town, "zone": zone, "village": village, "grid": grid, "member": member}


@transaction.atomic
def demo_users_create() -> list[tuple[str, str, str]]:
    """Create the six demo accounts and (re)attach their role assignments; idempotent.

    Password ``demo12345`` for new accounts; an existing demo account keeps its password (it may have
    been changed). Refused (DemoRefused) on a database that has any other account: a published password
    must never open a system that holds real people's data. zone01 is the zone's secretary (书记),
    village01 the village's party secretary, grid01 the grid worker and a member linked to households
    in that grid.
    """
    from accounts.models import Role, RoleAssignment, User
    from villages.models import CadreRole, MicroGrid, VillageCadre
    from zones.models import CommitteeMember, CommitteeRole

    if real_users_exist():
        raise DemoRefused("数据库中已有非演示账号，拒绝创建或修改演示账号（演示密码是公开的，不能出现在有真实用户的系统中）。")

    nodes = _demo_nodes()
    town, zone, village, grid, member = nodes["town"], nodes["zone"], nodes["village"], nodes["grid"], nodes["member"]
    secretary = CommitteeMember.objects.filter(zone=zone, role=CommitteeRole.SECRETARY).first()
    village_secretary = (
        VillageCadre.objects.filter(village=village, role__in=[CadreRole.SECRETARY, CadreRole.SECRETARY_DIRECTOR])
        .order_by("id").first()
    )
    specs = [
        ("admin", "章丘区党建平台管理员", [dict(role=Role.DISTRICT_ADMIN)]),
        ("town01", f"{town.name}组织办", [dict(role=Role.TOWN_STAFF, town=town)]),
        ("zone01", secretary.name if secretary else f"{zone.name}书记", [dict(role=Role.ZONE_COMMITTEE, zone=zone)]),
        ("village01", village_secretary.name if village_secretary else f"{village.name}书记",
         [dict(role=Role.VILLAGE_CADRE, village=village)]),
        ("grid01", member.name if member else f"{grid.name}网格员", [dict(role=Role.GRID_MEMBER, grid=grid)]),
        ("api01", f"{town.name}数据对接", [dict(role=Role.API_CONSUMER, town=town)]),
    ]
    password = make_password(DEMO_PASSWORD)  # one PBKDF2 run for all six
    users = {}
    for username, display_name, assignments in specs:
        user, created = User.objects.get_or_create(username=username)
        user.display_name = display_name
        if created:
            user.password = password
        user.is_active = True
        user.is_staff = username == "admin"
        user.is_superuser = False
        user.save()
        RoleAssignment.objects.filter(user=user).delete()
        for assignment in assignments:
            RoleAssignment.objects.create(user=user, **assignment)
        users[username] = user
    # The people behind the accounts.
    if secretary:
        CommitteeMember.objects.filter(user=users["zone01"]).exclude(pk=secretary.pk).update(user=None)
        CommitteeMember.objects.filter(pk=secretary.pk).update(user=users["zone01"])
    if village_secretary:
        VillageCadre.objects.filter(user=users["village01"]).exclude(pk=village_secretary.pk).update(user=None)
        VillageCadre.objects.filter(pk=village_secretary.pk).update(user=users["village01"])
    MicroGrid.objects.filter(worker_user=users["grid01"]).exclude(pk=grid.pk).update(worker_user=None)
    MicroGrid.objects.filter(pk=grid.pk).update(worker_user=users["grid01"], **({"worker_name": member.name} if member else {}))
    if member:
        from members.models import PartyMember

        PartyMember.objects.filter(user=users["grid01"]).exclude(pk=member.pk).update(user=None)
        PartyMember.objects.filter(pk=member.pk).update(user=users["grid01"])
    return demo_logins()


def demo_logins_still_open() -> list[tuple[str, str, str]]:
    """The demo logins whose password is still the published one (printed at start; none once changed)."""
    from django.contrib.auth.hashers import check_password

    from accounts.models import User

    passwords = dict(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", "password"))
    return [row for row in demo_logins() if row[0] in passwords and check_password(DEMO_PASSWORD, passwords[row[0]])]


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, role in Chinese) for every demo account, for printing at start."""
    from accounts.models import RoleAssignment

    labels = dict(_GENERIC_ROLE_LABELS)
    try:
        rows = RoleAssignment.objects.filter(user__username__in=DEMO_USERNAMES).select_related(
            "user", "town", "zone", "village", "grid"
        )
        for a in rows:
            node = a.grid or a.village or a.zone or a.town
            role = _GENERIC_ROLE_LABELS[a.user.username]
            labels[a.user.username] = f"{role}（{a.user.display_name}）· {node}" if node else f"{role}（{a.user.display_name}）"
    except Exception:  # no database yet: generic labels
        pass
    return [(username, DEMO_PASSWORD, labels[username]) for username in DEMO_USERNAMES]
