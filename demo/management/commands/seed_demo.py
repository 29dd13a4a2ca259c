"""Demo data at real scale: a Zhangqiu-sized district, loaded with PostgreSQL COPY.

Everything is generated in memory from a seeded random generator, then written
table by table with COPY (never row by row) inside one transaction, with ids
reserved from each table's sequence so that foreign keys can be written directly.
The pghistory audit triggers are ignored for the load (pgtrigger.ignore): the
audit trail starts after seeding.
"""
from __future__ import annotations

import dataclasses
import datetime
import io
import math
import random
import time
from contextlib import contextmanager

import pgtrigger
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone
from stdnum.cn import ric

from core import pii
from demo import accounts as demo
from core.text import pinyin_key

# --- Scales ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Scale:
    towns: int
    zones: int
    villages: int
    natural_villages: int
    households: int
    grid_avg: float  # households per micro-grid (15–25)
    members_per_household: float  # all party members / households (Zhangqiu: 41,000 / 300,000)
    description: str


SCALES = {
    "zone": Scale(1, 1, 9, 13, 4_468, 24.15, 41_000 / 300_000, "一个工作区（闫满：9个村、13个自然村、约185个网格、4,468户）"),
    "district": Scale(18, 75, 525, 1_300, 300_000, 20.0, 41_000 / 300_000, "章丘规模：18个街镇、75个工作区、525个村、约30万户"),
    "million": Scale(60, 250, 1_750, 4_330, 1_000_000, 20.0, 41_000 / 300_000, "百万户：约3.3倍章丘规模"),
}

COLOR_SHARES = (("green", 0.70), ("yellow", 0.20), ("orange", 0.07), ("red", 0.03))
VISIT_INTERVAL_DAYS = {"green": 90, "yellow": 30, "orange": 14, "red": 7}
GRID_MIN, GRID_MAX = 15, 25
LINK_MIN, LINK_MAX, LINK_AVG = 10, 20, 15
SUNK_CADRES_MIN = 15
SHORT_ZONE_EVERY = 15  # every 15th zone is left short of sunk cadres, so the flag shows
NO_INSTRUCTOR_EVERY = 60  # every 60th village (from the 6th) has no "1+1" instructor yet
COPY_BATCH_ROWS = 50_000


def split_total(rng: random.Random, total: int, n: int, lo: int, hi: int, spread: float = 0.5) -> list[int]:
    """`n` random integers in [lo, hi] that add up to `total`."""
    if n <= 0 or not lo * n <= total <= hi * n:
        raise ValueError(f"cannot split {total} into {n} parts of {lo}..{hi}")
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(n)]
    room, weight_sum = total - lo * n, sum(weights)
    parts = [min(hi, lo + int(room * w / weight_sum)) for w in weights]
    left = total - sum(parts)
    order = list(range(n))
    while left > 0:
        rng.shuffle(order)
        for i in order:
            if left and parts[i] < hi:
                parts[i] += 1
                left -= 1
    return parts


def parts_between(total: int, avg: float, lo: int, hi: int) -> int:
    """How many parts of size lo..hi, close to `avg` each, make up `total`."""
    low, high = math.ceil(total / hi), total // lo
    if low > high:
        raise ValueError(f"{total} cannot be split into parts of {lo}..{hi}")
    return min(high, max(low, round(total / avg)))


# --- COPY ------------------------------------------------------------------------------


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        value = "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value) + "}"
    elif isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    else:
        value = str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


class CopyWriter:
    """Rows into one table with COPY, in batches.

    Columns of the model that the seeder does not know (added later by other apps)
    get their Python default, so a new field with a default never breaks seeding.
    """

    def __init__(self, model, fields: list[str], now: datetime.datetime):
        opts = model._meta
        self.model = model
        self.table = opts.db_table
        given = [opts.get_field(name) for name in fields]
        self.columns = [f.column for f in given]
        extra_columns, extra_values = [], []
        for field in opts.concrete_fields:
            if field.column in self.columns or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now if isinstance(field, models.DateTimeField) else now.date()
            elif field.has_default():
                value = field.get_default()
            elif field.null:
                continue
            else:
                raise CommandError(f"seed_demo 不知道如何填写 {opts.label}.{field.name}（无默认值）；请更新 seed_demo。")
            extra_columns.append(field.column)
            extra_values.append(_copy_text(value))
        self.columns += extra_columns
        self.suffix = "".join("\t" + v for v in extra_values)
        self.lines: list[str] = []
        self.count = 0

    def add(self, *values) -> None:
        self.lines.append("\t".join(map(_copy_text, values)) + self.suffix)
        if len(self.lines) >= COPY_BATCH_ROWS:
            self.flush()

    def add_text(self, text: str) -> None:
        """A row already in COPY text format (the caller vouches for its escaping): the fast path of big tables."""
        self.lines.append(text + self.suffix)
        if len(self.lines) >= COPY_BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # runs through pgtrigger's wrapper: sets pgtrigger.ignore for this transaction
            columns = ", ".join(f'"{c}"' for c in self.columns)
            buffer = io.StringIO("\n".join(self.lines) + "\n")
            cursor.cursor.copy_expert(f'COPY "{self.table}" ({columns}) FROM STDIN', buffer)
        self.count += len(self.lines)
        self.lines = []


def reserve_ids(model, n: int) -> int:
    """Reserve `n` consecutive ids from the table's sequence; returns the first."""
    if n <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'"{model._meta.db_table}"'])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
    return first


# --- People ------------------------------------------------------------------------------

# Jinan county codes with the years stdnum (GB/T 2260 history) accepts for a birth year.
LOCAL_AREA_CODES = (("370122", None, 1991), ("370181", 1992, 2015), ("370114", 2016, None))  # 章丘县/市/区
OTHER_JINAN_CODES = (
    ("370102", 1983, None), ("370103", 1983, None), ("370104", 1983, None), ("370105", 1983, None),
    ("370112", 1987, None), ("370121", None, 1987), ("370123", None, 2001), ("370124", 1985, None),
    ("370126", 1989, None), ("370125", 1989, 2018),
)


def _eighteenth_birthday(birth: datetime.date) -> datetime.date:
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:
        return birth.replace(year=birth.year + 18, day=28)


class PersonMaker:
    """Valid, unique ID-card numbers, names and phones (protected as core.pii does)."""

    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        self.seen: set[str] = set()

    def area_code(self, year: int) -> str:
        pool = OTHER_JINAN_CODES if self.rng.random() < 0.12 else LOCAL_AREA_CODES
        fits = [c for c, lo, hi in pool if (lo is None or year >= lo) and (hi is None or year <= hi)]
        if not fits:
            fits = [c for c, lo, hi in LOCAL_AREA_CODES if (lo is None or year >= lo) and (hi is None or year <= hi)]
        return self.rng.choice(fits)

    def id_number(self, birth: datetime.date, gender: str) -> str:
        while True:
            sequence = self.rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            body = f"{self.area_code(birth.year)}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.seen:
                self.seen.add(number)
                return number

    def birth_date(self, min_age: int, max_age: int) -> datetime.date:
        start = self.today.replace(year=self.today.year - max_age - 1) + datetime.timedelta(days=1)
        end = self.today.replace(year=self.today.year - min_age)
        return start + datetime.timedelta(days=self.rng.randrange((end - start).days + 1))

    def joined_on(self, birth: datetime.date, probationary: bool) -> datetime.date:
        earliest = _eighteenth_birthday(birth) + datetime.timedelta(days=1)
        if probationary:
            start = max(earliest, self.today - datetime.timedelta(days=360))
            return start + datetime.timedelta(days=self.rng.randrange(max(1, (self.today - start).days)))
        latest = self.today - datetime.timedelta(days=400)
        age_at_joining = self.rng.triangular(18.1, 55, 24)
        joined = birth + datetime.timedelta(days=int(age_at_joining * 365.25))
        return min(max(joined, earliest), latest)

    def phone(self) -> tuple[str, str, str]:
        number = demo.mobile_number(self.rng)
        return pii.encrypt(number), pii.keyed_hash(number), pii.mask_phone(number)


# --- The seeder ------------------------------------------------------------------------


class Seeder:
    def __init__(self, scale: Scale, seed: int, write, activity: bool = True):
        from members import models as member_models
        from villages import models as village_models
        from zones import models as zone_models

        self.z, self.v, self.m = zone_models, village_models, member_models
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.write = write
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.people = PersonMaker(self.rng, self.today)
        self.counts: dict[str, int] = {}
        self.timings: list[tuple[str, float]] = []
        self.activity = None
        if activity:
            from demo.activity import YearOfActivity

            self.activity = YearOfActivity(seed=seed, write=write, phase=self.phase, writer=self.writer,
                                           reserve_ids=reserve_ids, now=self.now, today=self.today)

    @contextmanager
    def phase(self, label: str):
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.timings.append((label, elapsed))
        width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)
        self.write(f"  {label}{' ' * max(1, 34 - width)}{elapsed:7.1f} 秒")

    def writer(self, model, fields):
        return CopyWriter(model, fields, self.now)

    # -- names --
    def place_name(self, used: set[str], ending: str = "", community: bool = False) -> str:
        rng = self.rng
        for attempt in range(1000):
            if community:
                base = rng.choice(demo.COMMUNITY_WORDS) + ("" if attempt < 20 else rng.choice(demo.PLACE_CORES))
            else:
                base = rng.choice(demo.PLACE_PREFIXES) + rng.choice(demo.PLACE_CORES)
                if len(base) < 3 or rng.random() < 0.5:
                    base += rng.choice(demo.PLACE_ENDINGS)
                if attempt > 50:
                    base = rng.choice(demo.PLACE_PREFIXES[3:]) + base
            if base + ending not in used:
                used.add(base + ending)
                return base + ending
        raise CommandError("演示地名用尽")

    def natural_village_name(self, place: str, used: set[str], count: int, community: bool) -> str:
        if community:
            return self.place_name(used, ending="小区", community=True)
        if count == 1:
            used.add(place)
            return place
        return self.place_name(used)

    def town_names(self) -> list[str]:
        if self.scale.towns == 1:
            return ["官庄街道"]
        names = list(demo.ZHANGQIU_TOWNS[: self.scale.towns])
        used = set(names)
        while len(names) < self.scale.towns:
            base = self.rng.choice(demo.PLACE_CORES)
            name = base + ("镇" if self.rng.random() < 0.3 else "街道")
            if name not in used and base + "街道" not in used and base + "镇" not in used:
                used.add(name)
                names.append(name)
        return names

    # -- the tree --
    def build_tree(self) -> None:
        rng, sc = self.rng, self.scale
        towns = self.town_names()
        zones_per_town = split_total(rng, sc.zones, sc.towns, max(1, sc.zones // sc.towns - 1), sc.zones // sc.towns + 2) \
            if sc.towns > 1 else [sc.zones]
        villages_per_zone = split_total(rng, sc.villages, sc.zones, max(1, sc.villages // sc.zones - 3),
                                        sc.villages // sc.zones + 4) if sc.zones > 1 else [sc.villages]
        avg_households = sc.households / sc.villages
        households_per_village = split_total(rng, sc.households, sc.villages, int(avg_households * 0.4),
                                             int(avg_households * 2.2), spread=0.9)
        nv_per_village = split_total(rng, sc.natural_villages, sc.villages, 1, 5, spread=0.9)

        self.towns, self.zones, self.villages = [], [], []
        used_places: set[str] = set()
        village_index = 0
        zone_index = 0
        for t, (town_name, n_zones) in enumerate(zip(towns, zones_per_town)):
            town = {"name": town_name, "code": f"370114{t + 1:03d}", "zones": []}
            self.towns.append(town)
            known = list(demo.KNOWN_ZONES.get(town_name, []))
            zone_names: set[str] = set()
            for _ in range(n_zones):
                n_villages = villages_per_zone[zone_index]
                zone = {"town": town, "index": zone_index, "villages": []}
                for k in range(n_villages):
                    households = households_per_village[village_index]
                    n_nv = min(nv_per_village[village_index], households // 30)
                    community = k > 0 and rng.random() < 0.08
                    if k == 0 and known:
                        place, brand = known.pop(0)
                        used_places.add(place)
                    else:
                        place = self.place_name(used_places, community=community)
                        brand = None
                    village = {
                        "zone": zone, "index": village_index, "households": households,
                        "kind": "community" if community else "village",
                        "name": place + ("社区" if community else ("" if place.endswith("村") else "村")),
                    }
                    if k == 0:
                        zone["place"] = place
                        zone["brand"] = brand or (rng.choice(demo.BRAND_WORDS) + place)
                    nv_names = {village["name"]}
                    sizes = split_total(rng, households, n_nv, 30, households, spread=0.9) if n_nv > 1 else [households]
                    village["natural_villages"] = [
                        {"village": village, "name": self.natural_village_name(place, nv_names, n_nv, community), "households": h}
                        for h in sizes
                    ]
                    zone["villages"].append(village)
                    self.villages.append(village)
                    village_index += 1
                zone["name"] = zone["place"] + "党建工作区"
                if zone["name"] in zone_names:
                    zone["name"] = zone["place"] + f"第{zone_index + 1}党建工作区"
                zone_names.add(zone["name"])
                town["zones"].append(zone)
                self.zones.append(zone)
                zone_index += 1
        self.natural_villages = [nv for v in self.villages for nv in v["natural_villages"]]
        self.grids = []
        for nv in self.natural_villages:
            n_grids = parts_between(nv["households"], sc.grid_avg, GRID_MIN, GRID_MAX)
            nv["grids"] = [
                {"natural_village": nv, "name": f"第{i + 1}网格", "households": h}
                for i, h in enumerate(split_total(rng, nv["households"], n_grids, GRID_MIN, GRID_MAX, spread=0.4))
            ]
            self.grids.extend(nv["grids"])

    def write_level(self, model, fields: list[str], rows: list[dict], values) -> None:
        """COPY one level of the tree: each row gets its id (reserved from the sequence) and ``values(row)``."""
        first = reserve_ids(model, len(rows))
        w = self.writer(model, ["id", *fields])
        for i, row in enumerate(rows):
            row["id"] = first + i
            w.add(row["id"], *values(row))
        w.flush()

    def write_tree(self) -> None:
        z, v = self.z, self.v
        self.write_level(z.Town, ["name", "code", "name_pinyin"], self.towns,
                         lambda t: (t["name"], t["code"], pinyin_key(t["name"])))
        self.write_level(z.WorkZone, ["town", "name", "brand", "name_pinyin"], self.zones,
                         lambda zn: (zn["town"]["id"], zn["name"], zn["brand"], pinyin_key(zn["name"])))
        self.write_level(v.Village, ["zone", "name", "kind", "name_pinyin"], self.villages,
                         lambda vl: (vl["zone"]["id"], vl["name"], vl["kind"], pinyin_key(vl["name"])))
        self.write_level(v.NaturalVillage, ["village", "name", "name_pinyin"], self.natural_villages,
                         lambda nv: (nv["village"]["id"], nv["name"], pinyin_key(nv["name"])))
        ids = reserve_ids(v.MicroGrid, len(self.grids))
        for i, grid in enumerate(self.grids):
            grid["id"] = ids + i
        self.counts.update(towns=len(self.towns), zones=len(self.zones), villages=len(self.villages),
                           natural_villages=len(self.natural_villages), grids=len(self.grids))

    # -- zone organisation: offices, committee, sunk cadres, instructors --
    def write_zone_organisation(self) -> None:
        z, rng = self.z, self.rng
        kinds = list(z.OfficeKind.values)
        start_base = datetime.date(2023, 3, 1)
        offices_w = self.writer(z.ZoneOffice, ["id", "zone", "kind", "head_name", "duties"])
        cadres_w = self.writer(z.SunkCadrePosting, ["id", "zone", "office", "name", "home_unit", "start_date", "end_date"])
        office_ids = reserve_ids(z.ZoneOffice, len(self.zones) * len(kinds))
        plans = []
        total_cadres = 0
        for zone in self.zones:
            short = self.scale.zones > 1 and zone["index"] % SHORT_ZONE_EVERY == SHORT_ZONE_EVERY // 2
            current = rng.randint(10, SUNK_CADRES_MIN - 1) if short else rng.randint(SUNK_CADRES_MIN, 20)
            ended = rng.randint(0, 2)
            plans.append((zone, current, ended))
            total_cadres += current + ended
        cadre_ids = reserve_ids(z.SunkCadrePosting, total_cadres)
        next_cadre = cadre_ids
        for z_i, (zone, current, ended) in enumerate(plans):
            town = zone["town"]["name"]
            zone["office_ids"] = {kind: office_ids + z_i * len(kinds) + k for k, kind in enumerate(kinds)}
            zone["cadres"] = []
            heads = {}
            for c in range(current + ended):
                gender = "M" if rng.random() < 0.65 else "F"
                name = demo.chinese_name(rng, gender)
                kind = kinds[c % len(kinds)]
                unit = (town + rng.choice(demo.DEPARTMENTS)) if rng.random() < 0.7 else rng.choice(demo.DISTRICT_UNITS)
                start = start_base + datetime.timedelta(days=rng.randrange(420))
                end = None
                if c >= current:  # postings that already ended (rotated back)
                    end = min(self.today - datetime.timedelta(days=1), start + datetime.timedelta(days=rng.randint(90, 360)))
                    start = min(start, end)
                cadres_w.add(next_cadre, zone["id"], zone["office_ids"][kind], name, unit, start, end)
                if end is None:
                    zone["cadres"].append({"id": next_cadre, "name": name, "start": start})
                    heads.setdefault(kind, name)
                next_cadre += 1
            for kind in kinds:
                offices_w.add(zone["office_ids"][kind], zone["id"], kind, heads.get(kind, ""), demo.OFFICE_DUTIES.get(kind, ""))
        offices_w.flush()
        cadres_w.flush()

        instructors_w = self.writer(z.PartyInstructor, ["id", "village", "cadre", "start_date", "end_date", "days_per_week"])
        with_instructor = [vl for vl in self.villages if vl["index"] % NO_INSTRUCTOR_EVERY != 5]
        ids = reserve_ids(z.PartyInstructor, len(with_instructor))
        for i, village in enumerate(with_instructor):
            cadres = village["zone"]["cadres"]
            cadre = cadres[village["index"] % len(cadres)]
            start = max(cadre["start"], datetime.date(2023, 4, 1)) + datetime.timedelta(days=rng.randrange(30))
            instructors_w.add(ids + i, village["id"], cadre["id"], min(start, self.today), None, rng.choice((3, 3, 3, 4, 5)))
        instructors_w.flush()
        self.counts.update(zone_offices=offices_w.count, sunk_cadres=cadres_w.count, instructors=instructors_w.count)

    # -- branches and members --
    def plan_members(self) -> None:
        """Decide every branch and member; linking members keep 10–20 households of their village."""
        rng, sc = self.rng, self.scale
        self.branches = []
        for town in self.towns:
            self.branches.append({"name": f"{town['name']}机关党委", "kind": "organ", "town": town, "zone": None,
                                  "village": None, "size": self.organ_size(town), "linkers": 0})
            for zone in town["zones"]:
                zone["enterprises"] = []
                for _ in range(2):
                    company = f"章丘{rng.choice(demo.PLACE_CORES)}{rng.choice(demo.ENTERPRISE_WORDS)}有限公司"
                    branch = {"name": f"{company}党支部", "kind": "enterprise", "town": town, "zone": zone, "village": None,
                              "size": rng.randint(12, 45), "linkers": 0, "organisation": company}
                    zone["enterprises"].append(branch)
                    self.branches.append(branch)
                if zone["index"] % 3 == 0:
                    org = f"{zone['place']}{rng.choice(demo.SOCIAL_ORG_WORDS)}"
                    branch = {"name": f"{org}党支部", "kind": "social_org", "town": town, "zone": zone, "village": None,
                              "size": rng.randint(8, 25), "linkers": 0, "organisation": org}
                    zone["social_org"] = branch
                    self.branches.append(branch)
        village_branches = []
        for village in self.villages:
            community = village["kind"] == "community"
            linkers = parts_between(village["households"], LINK_AVG, LINK_MIN, LINK_MAX)
            branch = {"name": f"{village['name']}{'党委' if community else '党支部'}", "kind": village["kind"],
                      "town": village["zone"]["town"], "zone": village["zone"], "village": village,
                      "size": linkers, "linkers": linkers}
            village["branch"] = branch
            village_branches.append(branch)
            self.branches.append(branch)
        target = round(sc.households * sc.members_per_household)
        extra = max(0, target - sum(b["size"] for b in self.branches))
        linker_total = sum(b["linkers"] for b in village_branches)
        for branch in village_branches:  # members who link no household: elderly, flowing, newly joined
            branch["size"] += round(extra * branch["linkers"] / linker_total)

    def organ_size(self, town) -> int:
        """Members of the town's own organs (机关党委): roughly one per 120 households of the town."""
        households = sum(v["households"] for zone in town["zones"] for v in zone["villages"])
        return max(30, min(250, round(households / 120 * self.rng.uniform(0.8, 1.2))))

    def write_members(self) -> None:
        m, rng, people = self.m, self.rng, self.people
        ids = reserve_ids(m.PartyBranch, len(self.branches))
        w = self.writer(m.PartyBranch, ["id", "name", "kind", "town", "zone", "village"])
        for i, branch in enumerate(self.branches):
            branch["id"] = ids + i
            w.add(branch["id"], branch["name"], branch["kind"], branch["town"]["id"],
                  branch["zone"]["id"] if branch["zone"] else None, branch["village"]["id"] if branch["village"] else None)
        w.flush()
        total = sum(b["size"] for b in self.branches)
        first = reserve_ids(m.PartyMember, total)
        duties = list(m.Duty.values)
        w = self.writer(m.PartyMember, [
            "id", "branch", "name", "name_pinyin", "gender", "id_number_encrypted", "id_number_hash", "id_number_masked",
            "birth_date", "phone_encrypted", "phone_hash", "phone_masked", "joined_on", "status", "is_flowing", "duties",
            "left_on", "created_at",
        ])
        ages = {"village": (28, 72), "community": (26, 70), "organ": (23, 59), "enterprise": (22, 58), "social_org": (25, 68)}
        next_id = first
        for branch in self.branches:
            branch["members"] = []
            for k in range(branch["size"]):
                linker = k < branch["linkers"]
                gender = "M" if rng.random() < (0.72 if branch["kind"] in ("village", "community") else 0.6) else "F"
                if linker or branch["kind"] not in ("village", "community"):
                    lo, hi = ages[branch["kind"]]
                else:
                    lo, hi = (20, 88)
                birth = people.birth_date(lo, hi)
                number = people.id_number(birth, gender)
                probationary = rng.random() < 0.02
                joined = people.joined_on(birth, probationary)
                name = demo.chinese_name(rng, gender)
                phone = people.phone() if rng.random() < 0.95 else ("", "", "")
                if linker:
                    carried = ["concerns"] + rng.sample([d for d in duties if d != "concerns"], rng.randint(0, 2))
                else:
                    carried = rng.sample(duties, rng.randint(0, 2))
                flowing = not linker and rng.random() < 0.08
                w.add(next_id, branch["id"], name, pinyin_key(name), gender, pii.encrypt(number), pii.keyed_hash(number),
                      pii.mask_id_number(number), birth, *phone, joined, "probationary" if probationary else "full",
                      flowing, sorted(carried, key=duties.index), None, self.now)
                branch["members"].append({"id": next_id, "name": name})
                next_id += 1
        w.flush()
        self.counts.update(branches=len(self.branches), members=w.count)

    # -- cadres and committees (names taken from the members just made) --
    def write_people_in_office(self) -> None:
        z, v, rng = self.z, self.v, self.rng
        cadres_w = self.writer(v.VillageCadre, ["id", "village", "name", "role", "start_date"])
        rows = []
        for village in self.villages:
            # Cadres are the last linking members, so that the first grid's member is an ordinary member.
            members = village["branch"]["members"][: village["branch"]["linkers"]][::-1]
            start = datetime.date(2021, 1, 1) + datetime.timedelta(days=rng.randrange(60))
            if rng.random() < 0.6:  # "一肩挑": the secretary is also the director
                rows.append((village, members[0]["name"], "secretary_director", start))
            else:
                rows.append((village, members[0]["name"], "secretary", start))
                rows.append((village, members[1]["name"], "director", start))
            for member in members[2:4]:
                rows.append((village, member["name"], "branch_member", start))
            for _ in range(2):
                rows.append((village, demo.chinese_name(rng, rng.choice("MF")), "committee_member", start))
            if rng.random() < 0.15:
                rows.append((village, demo.chinese_name(rng, "M"), "first_secretary",
                             datetime.date(2024, 3, 1) + datetime.timedelta(days=rng.randrange(200))))
            village["secretary"] = members[0]["name"]
        ids = reserve_ids(v.VillageCadre, len(rows))
        for i, (village, name, role, start) in enumerate(rows):
            cadres_w.add(ids + i, village["id"], name, role, start)
        cadres_w.flush()

        committee = []
        for zone in self.zones:
            town = zone["town"]["name"]
            committee.append((zone, demo.chinese_name(rng, "M"), "secretary", "town_cadre", f"{town}党工委"))
            committee.append((zone, demo.chinese_name(rng, rng.choice("MF")), "deputy", "town_cadre", f"{town}{rng.choice(demo.DEPARTMENTS)}"))
            for _ in range(rng.randint(3, 4)):
                if rng.random() < 0.7:
                    committee.append((zone, demo.chinese_name(rng, rng.choice("MF")), "member", "town_cadre",
                                      f"{town}{rng.choice(demo.DEPARTMENTS)}"))
                else:
                    committee.append((zone, demo.chinese_name(rng, rng.choice("MF")), "member", "district_cadre",
                                      rng.choice(demo.DISTRICT_UNITS)))
            for village in zone["villages"][:2]:
                committee.append((zone, village["secretary"], "part_time", "village_secretary", village["branch"]["name"]))
            enterprise = zone["enterprises"][0]
            committee.append((zone, enterprise["members"][0]["name"], "part_time", "enterprise", enterprise["organisation"]))
            if zone.get("social_org"):
                org = zone["social_org"]
                committee.append((zone, org["members"][0]["name"], "part_time", "social_org", org["organisation"]))
        ids = reserve_ids(z.CommitteeMember, len(committee))
        w = self.writer(z.CommitteeMember, ["id", "zone", "name", "role", "origin", "organisation"])
        for i, (zone, name, role, origin, organisation) in enumerate(committee):
            w.add(ids + i, zone["id"], name, role, origin, organisation)
        w.flush()
        self.counts.update(village_cadres=cadres_w.count, committee_members=w.count)

    # -- households, grids and links --
    def household_row(self, grid, village, number: int):
        rng = self.rng
        roll = rng.random()
        color = "green"
        for name, share in COLOR_SHARES:
            if roll < share:
                color = name
                break
            roll -= share
        tags: set[str] = set()
        if color == "green":
            if rng.random() < 0.05:
                tags.add(rng.choice(("优抚对象", "留守儿童")))
        elif color == "yellow":
            tags.add(rng.choice(("低保", "残疾", "留守儿童", "独居老人", "低保")))
            if rng.random() < 0.15:
                tags.add(rng.choice(("优抚对象", "残疾")))
        elif color == "orange":
            tags.add(rng.choice(("独居老人", "重病", "残疾", "重病")))
            if rng.random() < 0.5:
                tags.add(rng.choice(("低保", "独居老人", "残疾")))
            if rng.random() < 0.25:
                tags.add("矛盾纠纷")
        else:
            tags.add(rng.choice(("重病", "矛盾纠纷", "信访", "重病", "矛盾纠纷")))
            for extra in rng.sample(("重病", "独居老人", "矛盾纠纷", "信访", "低保"), rng.randint(0, 2)):
                tags.add(extra)
        people = 1 if "独居老人" in tags else rng.choices((1, 2, 3, 4, 5, 6), weights=(6, 22, 26, 25, 13, 8))[0]
        gender = "M" if rng.random() < 0.8 else "F"
        head = demo.chinese_name(rng, gender)
        phone = self.people.phone() if rng.random() < 0.92 else ("", "", "")
        interval = VISIT_INTERVAL_DAYS[color]
        due = self.today - datetime.timedelta(days=rng.randint(0, int(interval * 1.15))) + datetime.timedelta(days=interval)
        nv = grid["natural_village"]
        address = f"{village['zone']['town']['name']}{village['name']}{nv['name'] if nv['name'] != village['name'] else ''}" \
                  f"{rng.choice(demo.STREET_PARTS)}{number}号"
        ordered_tags = [t for t in self.tag_order if t in tags]
        return head, address, people, phone, ordered_tags, color, due

    def household_people(self, head: str, size: int, tags: list[str]) -> list[tuple]:
        """The household's people (户成员), head first, as COPY text rows (name, relation, birth_year, tags,
        position), as many as the household's people count. A generator of their own, so the rest of the data
        does not move."""
        rng, year = self.people_rng, self.today.year
        surname = head[0]
        alone = "独居老人" in tags
        head_age = rng.randint(66, 88) if alone else rng.randint(28, 78)
        rows = [[head, "户主", year - head_age, []]]
        if size >= 2:
            wife = demo.FEMALE_GIVEN if rng.random() < 0.85 else demo.MALE_GIVEN
            rows.append([rng.choice(demo.SURNAMES[:40]) + rng.choice(wife), "配偶",
                         year - max(20, head_age + rng.randint(-5, 3)), []])
        left = size - len(rows)
        if left and head_age < 50 and rng.random() < 0.5:  # a young couple living with a parent
            rows.append([rng.choice(demo.SURNAMES[:40]) + rng.choice(demo.FEMALE_GIVEN), "父母",
                         year - min(95, head_age + rng.randint(24, 32)), []])
            left -= 1
        child_age = max(1, head_age - rng.randint(23, 32))
        while left:
            if head_age >= 58 and left >= 2 and not any(r[1] == "儿媳/女婿" for r in rows):
                rows.append([rng.choice(demo.SURNAMES[:40]) + rng.choice(demo.FEMALE_GIVEN), "儿媳/女婿",
                             year - max(18, child_age + rng.randint(-3, 3)), []])
            elif head_age >= 58 and any(r[1] == "子女" for r in rows):
                rows.append([surname + rng.choice(self.given_names), "孙辈", year - max(1, child_age - rng.randint(22, 30)), []])
            else:
                rows.append([surname + rng.choice(self.given_names), "子女", year - child_age, []])
                child_age = max(1, child_age - rng.randint(2, 6))
            left -= 1
        for tag in tags:  # the household's circumstances, on the person they concern
            if tag in ("独居老人", "低保", "优抚对象", "矛盾纠纷", "信访"):
                rows[0][3].append(tag)
            elif tag == "留守儿童":
                young = [r for r in rows if year - r[2] < 16]
                if young:
                    young[-1][3].append(tag)
            else:  # 残疾、重病
                rng.choice(rows)[3].append(tag)
        # COPY text (name, relation, birth_year, tags, position) after the household id: generated names and the
        # tags' fixed words need no escaping, and a million rows formatted here cost a third of _copy_text's
        return [f"{name}\t{relation}\t{born}\t{{{','.join(person_tags)}}}\t{i}"
                for i, (name, relation, born, person_tags) in enumerate(rows, start=1)]

    def write_grids_households_links(self) -> None:
        v, m, rng = self.v, self.m, self.rng
        self.tag_order = list(v.CircumstanceTag.values)
        grids_w = self.writer(v.MicroGrid, ["id", "natural_village", "village", "name", "worker_name"])
        households_w = self.writer(v.Household, [
            "id", "grid", "natural_village", "village", "zone", "town", "head_name", "name_pinyin", "address",
            "people_count", "phone_encrypted", "phone_hash", "phone_masked", "tags", "color", "next_visit_due",
            "created_at", "updated_at",
        ])
        links_w = self.writer(m.HouseholdLink, ["id", "member", "household", "linked_on"])
        people_w = self.writer(v.HouseholdPerson, ["household", "name", "relation", "birth_year", "tags", "position"])
        self.people_rng = random.Random(self.seed * 7919 + 1)
        self.given_names = demo.MALE_GIVEN + demo.FEMALE_GIVEN
        household_id = reserve_ids(v.Household, self.scale.households)
        link_id = reserve_ids(m.HouseholdLink, self.scale.households)
        linked_on = datetime.date(2023, 4, 15)
        for village in self.villages:
            linkers = village["branch"]["members"][: village["branch"]["linkers"]]
            quotas = split_total(rng, village["households"], len(linkers), LINK_MIN, LINK_MAX, spread=0.7)
            owner = [member for member, quota in zip(linkers, quotas) for _ in range(quota)]
            position = 0
            zone, town = village["zone"], village["zone"]["town"]
            for nv in village["natural_villages"]:
                for grid in nv["grids"]:
                    grids_w.add(grid["id"], nv["id"], village["id"], grid["name"], owner[position]["name"])
                    for _ in range(grid["households"]):
                        head, address, people, phone, tags, color, due = self.household_row(grid, village, position + 1)
                        households_w.add(household_id, grid["id"], nv["id"], village["id"], zone["id"], town["id"], head,
                                         pinyin_key(head), address, people, *phone, tags, color, due, self.now, self.now)
                        links_w.add(link_id, owner[position]["id"], household_id, linked_on)
                        for person in self.household_people(head, people, tags):
                            people_w.add_text(f"{household_id}\t{person}")
                        household_id += 1
                        link_id += 1
                        position += 1
            grids_w.flush()  # grids before the households that point at them (FKs are deferred anyway)
        households_w.flush()
        links_w.flush()
        people_w.flush()
        self.counts.update(households=households_w.count, household_links=links_w.count, household_people=people_w.count)

    # -- run --
    def run(self) -> None:
        uris = [f"{model._meta.label}:{trigger.name}" for model, trigger in pgtrigger.registry.registered()
                if model._meta.app_label in SEEDED_APPS]
        with transaction.atomic(), pgtrigger.ignore(*uris):
            with self.phase("层级（街镇→工作区→村→自然村）"):
                self.build_tree()
                self.write_tree()
            with self.phase("办公室、下沉干部、指导员"):
                self.write_zone_organisation()
            with self.phase("党组织与党员"):
                self.plan_members()
                self.write_members()
            with self.phase("村两委、工作区党委"):
                self.write_people_in_office()
            with self.phase("网格、户、党员联户"):
                self.write_grids_households_links()
            if self.activity is not None:
                self.activity.run()
                self.counts.update(self.activity.counts)
            with self.phase("外键检查与提交"):
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


SEEDED_APPS = ("zones", "villages", "members", "visits", "mediation", "notifications", "reports", "ledgers")


def seeded_tables() -> list[str]:
    """Our tables and their audit (event) tables, for --reset."""
    from django.apps import apps

    ours = [m for m in apps.get_models() if m._meta.app_label in SEEDED_APPS]
    return sorted({m._meta.db_table for m in ours})


class Command(BaseCommand):
    help = "生成演示数据（默认章丘规模：18个街镇、75个工作区、525个村、约30万户、约4.1万名党员）及演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="district",
                            help="规模：district（默认，章丘规模）、zone（一个工作区，用于测试与快速演示）、million（约100万户）")
        parser.add_argument("--reset", action="store_true", help="先清空全部层级、党员与联户数据（TRUNCATE … CASCADE）再生成")
        parser.add_argument("--users-only", action="store_true", help="只（重新）创建演示账号，不动数据")
        parser.add_argument("--seed", type=int, default=2023, help="随机种子（相同种子生成相同数据）")
        parser.add_argument("--no-activity", action="store_true",
                            help="只生成层级、党员与联户，不生成一年的走访、四色变更、提醒、调解室与纠纷案件（更快）")

    def handle(self, *args, scale, reset, users_only, seed, no_activity=False, **options):
        from members.models import PartyMember
        from villages.models import Household
        from zones.models import Town

        write = self.stdout.write
        if users_only:
            try:
                logins = demo.demo_users_create()
            except (demo.DemoDataMissing, demo.DemoRefused) as exc:
                raise CommandError(str(exc)) from exc
            self.print_logins(logins)
            return
        if demo.real_users_exist():
            raise CommandError("数据库中已有非演示账号，拒绝生成演示数据和演示账号。")
        started = time.perf_counter()
        if reset:
            tables = seeded_tables()
            quoted = ", ".join(f'"{table}"' for table in tables)
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
            write(f"已清空 {len(tables)} 张表（层级、党员、联户及其审计记录）。")
        elif Town.objects.exists() or Household.objects.exists() or PartyMember.objects.exists():
            raise CommandError(
                f"数据库中已有数据（{Town.objects.count()}个街道(镇)、{Household.objects.count()}户、"
                f"{PartyMember.objects.count()}名党员），拒绝重复生成演示数据。如需清空后重建，请加 --reset；"
                "只需演示账号请用 --users-only。"
            )
        spec = SCALES[scale]
        write(f"生成演示数据：{spec.description}（随机种子 {seed}）。审计记录从生成完成后开始。")
        seeder = Seeder(spec, seed, write, activity=not no_activity)
        seeder.run()
        # VACUUM sets the visibility map, so counts per zone/town are index-only scans from the start;
        # inside a transaction (e.g. a test) only ANALYZE is possible.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with seeder.phase(command):
            with connection.cursor() as cursor:
                for table in seeded_tables():
                    cursor.execute(f'{command} "{table}"')
        with seeder.phase("演示账号"):
            logins = demo.demo_users_create()
        if seeder.activity is not None:  # after the accounts: the job's messages go to them
            seeder.activity.reminders_run()
            seeder.counts.update(seeder.activity.counts)
            from demo.reports import file_report_history

            with seeder.phase("工作报告（近12个月的月报、上年的年度报告）"):
                seeder.counts["reports"] = file_report_history(today=seeder.activity.today, seed=seed)
        total = time.perf_counter() - started
        c = seeder.counts
        write(
            f"完成：{c['towns']}个街道(镇)、{c['zones']}个工作区、{c['villages']}个村/社区、{c['natural_villages']}个自然村、"
            f"{c['grids']}个网格、{c['households']:,}户（{c['household_people']:,}名户成员）、{c['branches']}个党组织、{c['members']:,}名党员、"
            f"{c['household_links']:,}条联户、{c['sunk_cadres']}名下沉干部、{c['instructors']}名党建指导员。"
        )
        if seeder.activity is not None:
            states = "、".join(f"{k} {v}" for k, v in sorted(seeder.activity.cases_by_state.items()))
            write(
                f"一年活动：{c['visits']:,}条走访、{c['color_changes']:,}条四色变更、{c['coverage_snapshots']:,}条覆盖率快照、"
                f"{c['reminders']:,}条提醒、{c['notifications']:,}条消息、{c['rooms']}个调解室（{c['duty_officers']}名轮值人员、"
                f"{c['duty_shifts']:,}个班次）、{c['cases']:,}件纠纷案件（{states}）、{c['agreements']:,}份调解协议、"
                f"{c['follow_ups']:,}次回访、{c.get('reports', 0):,}份工作报告。"
            )
        write(self.style.SUCCESS(f"总耗时 {total:.1f} 秒。"))
        self.print_logins(logins)
        self.counts, self.timings, self.total_seconds = c, seeder.timings, total

    def print_logins(self, logins) -> None:
        self.stdout.write("演示账号：")
        for username, password, role in logins:
            self.stdout.write(f"  {username:<10} {password:<10} {role}")
