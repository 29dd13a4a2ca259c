"""The four import kinds: columns, template example, and the plan of a file (every row checked, nothing written).

A kind's ``plan(user, rows)`` reads the rows (``sheets.read_rows``) against the database as the user sees
it and returns a ``Plan``: every bad row as {row, column, message} (Chinese), the counts to create /
update / leave unchanged, and the writes to make. ``apply(plan)`` makes them through the apps' services,
in the caller's transaction. Natural keys make a second import of the same file a no-op:
household = village + address + head name; member = ID number (its keyed hash); link = the household;
cadre = village + name + role.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Count

from accounts.scoping import VILLAGE_UP, ZONE_UP, spec_of, user_scope
from core import pii, records
from members import services as member_services
from members.models import LINK_MAX, Duty, Gender, HouseholdLink, MemberStatus, PartyBranch, PartyMember
from villages import services as village_services
from villages.models import (CadreRole, CircumstanceTag, Household, HouseholdColor, HouseholdPerson, MicroGrid,
                             PersonRelation, Village, VillageCadre)

from .sheets import EXAMPLE_MARK, NUMERIC_MARK, Column, split_multi


@dataclasses.dataclass
class Plan:
    errors: list = dataclasses.field(default_factory=list)
    creates: list = dataclasses.field(default_factory=list)
    updates: list = dataclasses.field(default_factory=list)
    unchanged: int = 0
    # rows that carry an error, for "the same row once" counting
    bad_rows: set = dataclasses.field(default_factory=set)

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})
        self.bad_rows.add(row)

    def sorted_errors(self) -> list:
        return sorted(self.errors, key=lambda e: (e["row"], e["column"]))


def _records(rows: dict):
    keys = rows["columns"]
    for line in rows["data"]:
        values = dict(zip(keys, line[1:]))
        yield line[0], values


def _column_values(rows: dict, key: str) -> set[str]:
    if key not in rows["columns"]:
        return set()
    index = rows["columns"].index(key) + 1
    return {line[index] for line in rows["data"] if line[index]}


def _labels(choices) -> list[str]:
    return [str(label) for _, label in choices.choices]


def _by_label(choices) -> dict[str, str]:
    """Label or value -> value (a clerk writes 红色; a system export may say red)."""
    result = {str(label): value for value, label in choices.choices}
    result.update({value: value for value in choices.values})
    return result


def _date(text: str) -> datetime.date:
    text = text.strip().split(" ")[0]
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not m:
        raise ValueError
    return datetime.date(int(m[1]), int(m[2]), int(m[3]))


_MOBILE_PREFIXES: dict[str, bool] = {}  # the first 7 digits of an 11-digit mobile number -> valid


def _phone(plan: Plan, row: int, column: str, text: str) -> str | None:
    """The phone's national digits ("" for none), None after an error.

    A plain 11-digit mobile number is valid exactly when its first digits are an allocated prefix
    (libphonenumber's CN mobile patterns fix the length and test at most the first 7 digits): one full check
    per prefix, the rest answered from it (a town's file has thousands of numbers, a few hundred prefixes).
    The commit checks every number in full again (set_phone)."""
    if NUMERIC_MARK in text:
        text = text.replace(NUMERIC_MARK, "")
    if len(text) == 11 and text.isdigit() and text[0] == "1":
        known = _MOBILE_PREFIXES.get(text[:7])
        if known:
            return text
        if known is None:
            try:
                digits = pii.normalize_phone(text)
            except ValidationError as exc:
                _MOBILE_PREFIXES[text[:7]] = False
                plan.error(row, column, exc.messages[0])
                return None
            _MOBILE_PREFIXES[text[:7]] = digits == text
            return digits
    try:
        return pii.normalize_phone(text)
    except ValidationError as exc:
        plan.error(row, column, exc.messages[0])
        return None


def _phone_same(stored_hash: str, digits: str) -> bool:
    return (stored_hash or "") in pii.lookup_hashes(digits) if digits else not stored_hash


def _place_message(kind: str, name: str, exists: bool) -> str:
    if exists:
        return f"{kind}“{name}”不在您的管辖范围内，不能导入。"
    return f"未找到{kind}“{name}”。"


def _writable_villages(user, roles) -> dict[str, list[Village]]:
    by_name = defaultdict(list)
    for village in user_scope(user).filter(Village.objects.select_related("zone"), write=True, roles=roles):
        by_name[village.name].append(village)
    return by_name


def _resolve_village(plan: Plan, row: int, column: str, name: str, villages: dict, known: set):
    found = villages.get(name, [])
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        zones = "、".join(v.zone.name for v in found)
        plan.error(row, column, f"村/社区名称“{name}”在您的范围内有多个（{zones}），请联系上级分别导入。")
    else:
        plan.error(row, column, _place_message("村/社区", name, name in known))
    return None


def _known_villages(names) -> set:
    return set(Village.objects.filter(name__in=list(names)).values_list("name", flat=True))


class Kind:
    key = ""
    title = ""  # the data sheet's name
    model = None
    columns: list[Column] = []
    notes: list[str] = []

    def header(self, key: str) -> str:
        return next(c.header for c in self.columns if c.key == key)

    def allowed(self, user) -> bool:
        return user_scope(user).can_write(self.model)

    def context(self, user) -> dict:
        return {"user": user}

    def example(self, context) -> dict:
        return {}

    def required(self, plan: Plan, row: int, values: dict) -> bool:
        ok = True
        for column in self.columns:
            if column.required and not values.get(column.key):
                plan.error(row, column.header, f"{column.header}不能为空。")
                ok = False
        return ok

    def plan(self, user, rows: dict) -> Plan:
        raise NotImplementedError

    def apply(self, plan: Plan, *, user) -> None:
        raise NotImplementedError


COMMON_NOTES = [
    "说明：",
    "1. 第1行是列名，请勿修改；红色列名为必填列。列的顺序可以调整，多余的列会被忽略。",
    f"2. 第2行是示例（带“{EXAMPLE_MARK}”字样的行导入时自动跳过），可以删除或直接改写。",
    "3. 身份证号、电话已设为文本格式，请勿改为数字格式（否则会丢失前导0或末几位）。",
    "4. 上传后平台先逐行校验并预览（不写入）；全部无误后点“确认导入”才一次性写入，有任何错误则一行也不写入。",
    "5. 同一文件重复导入不会重复登记：已有且内容相同的记录保持不变，内容不同的记录被更新。",
]


# --- households ----------------------------------------------------------------------------------------

def _village_names(ctx) -> list[str]:
    return sorted(ctx["villages"])


def _grid_names(ctx) -> list[str]:
    return ctx["grid_names"]


def _natural_village_names(ctx) -> list[str]:
    return ctx["natural_village_names"]


CREATE_CHUNK = 2000  # new households registered together (their model rows live only while their chunk is written)


class Households(Kind):
    key = "households"
    title = "户与户成员"
    model = Household
    columns = [
        Column("village", "村/社区", True, "所在行政村或社区的名称（只能是您管辖范围内的）。", _village_names, width=14),
        Column("natural_village", "自然村", False, "网格所在的自然村；同一村里有同名网格时必填。", _natural_village_names),
        Column("grid", "微网格", True, "户所在的微网格名称。", _grid_names),
        Column("address", "住址", True, "门牌地址，最多200字。与村/社区、户主姓名一起确定是哪一户。", width=24),
        Column("head_name", "户主姓名", True, "户主的姓名。同一户的每一行都填写相同的村/社区、住址和户主姓名。", width=12),
        Column("phone", "户联系电话", False, "中国大陆手机或固话（如 13812345678、0531-83212345）。已有户留空则不修改。",
               text=True, width=16),
        Column("color", "四色分类", False, "绿色、黄色、橙色或红色；新户留空为绿色，已有户留空则不修改。",
               lambda ctx: _labels(HouseholdColor), width=10),
        Column("tags", "户情况标签", False, "可填多个，用“、”分隔；已有户留空则不修改。", lambda ctx: _labels(CircumstanceTag),
               multi=True, width=16),
        Column("people_count", "人口数", False, "只在不逐人登记成员时填写（正整数）；登记了成员时人口数等于成员行数。", width=8),
        Column("name", "成员姓名", False, "每名家庭成员一行（户主本人也占一行）；不登记成员时留空。", width=12),
        Column("relation", "与户主关系", False, "登记成员时必填。", lambda ctx: _labels(PersonRelation), width=12),
        Column("birth_year", "出生年份", False, "四位年份，如 1956。", width=10),
        Column("person_tags", "成员情况标签", False, "该成员本人的情况，可填多个，用“、”分隔。",
               lambda ctx: _labels(CircumstanceTag), multi=True, width=16),
    ]
    notes = COMMON_NOTES + [
        "6. 一行是一名家庭成员（像户口簿一样）：同一户的成员各占一行，每行都写上同样的村/社区、住址和户主姓名；"
        "户联系电话、四色分类、户情况标签只需在其中一行填写（多行填写时必须一致）。",
        "7. 已有的户（村/社区、住址、户主姓名都相同）会被更新：登记了成员时，成员名单以文件为准整体替换。",
    ]

    def _grids(self, user):
        roles = spec_of(Household).writers
        return user_scope(user).filter(MicroGrid.objects.select_related("village__zone", "natural_village"),
                                       write=True, roles=roles)

    def context(self, user) -> dict:
        grids = list(self._grids(user))
        return {
            "user": user,
            "villages": _writable_villages(user, spec_of(Household).writers),
            "grids": grids,
            "grid_names": sorted({g.name for g in grids}),
            "natural_village_names": sorted({g.natural_village.name for g in grids}),
        }

    def example(self, ctx) -> dict:
        grid = ctx["grids"][0] if ctx["grids"] else None
        return {
            "village": grid.village.name if grid else "", "natural_village": grid.natural_village.name if grid else "",
            "grid": grid.name if grid else "", "address": f"幸福路1号{EXAMPLE_MARK}", "head_name": "张三",
            "phone": "13800000000", "color": "绿色", "tags": "低保", "name": "张三", "relation": "户主",
            "birth_year": "1960", "person_tags": "",
        }

    def plan(self, user, rows: dict) -> Plan:
        plan = Plan()
        H = self.header
        colors = _by_label(HouseholdColor)
        ctx_villages = _writable_villages(user, spec_of(Household).writers)
        grids_by_village = defaultdict(list)
        for grid in self._grids(user):
            grids_by_village[grid.village_id].append(grid)
        # the rows are read as dicts one at a time (a town's 60,000 dicts at once would be ~60 MB more)
        known = _known_villages(_column_values(rows, "village"))
        households: dict[tuple, dict] = {}
        for row, v in _records(rows):
            ok = self.required(plan, row, v)
            village = _resolve_village(plan, row, H("village"), v["village"], ctx_villages, known) if v.get("village") else None
            grid = None
            if village is not None and v.get("grid"):
                found = [g for g in grids_by_village[village.pk] if g.name == v["grid"]
                         and (not v.get("natural_village") or g.natural_village.name == v["natural_village"])]
                if len(found) == 1:
                    grid = found[0]
                elif len(found) > 1:
                    plan.error(row, H("natural_village"), f"村/社区“{village.name}”有多个名为“{v['grid']}”的网格，请填写自然村。")
                elif v.get("natural_village") and not any(g.natural_village.name == v["natural_village"]
                                                          for g in grids_by_village[village.pk]):
                    plan.error(row, H("natural_village"), f"村/社区“{village.name}”里没有自然村“{v['natural_village']}”。")
                else:
                    plan.error(row, H("grid"), f"村/社区“{village.name}”里没有网格“{v['grid']}”（或不在您的管辖范围内）。")
            if len(v.get("address", "")) > 200:
                plan.error(row, H("address"), "住址最多200字。")
                ok = False
            if len(v.get("head_name", "")) > 50:
                plan.error(row, H("head_name"), "户主姓名最多50字。")
                ok = False
            fields = {}
            if v.get("phone"):
                fields["phone"] = _phone(plan, row, H("phone"), v["phone"])
            if v.get("color"):
                if v["color"] in colors:
                    fields["color"] = colors[v["color"]]
                else:
                    plan.error(row, H("color"), f"四色分类“{v['color']}”无效，应为{'、'.join(_labels(HouseholdColor))}之一。")
            if v.get("tags"):
                tags = split_multi(v["tags"])
                bad = [t for t in tags if t not in CircumstanceTag.values]
                if bad:
                    plan.error(row, H("tags"), f"未知的情况标签：{'、'.join(bad)}（可选：{'、'.join(CircumstanceTag.values)}）。")
                else:
                    fields["tags"] = tags
            if v.get("people_count"):
                try:
                    count = int(v["people_count"])
                    if not 1 <= count <= 99:
                        raise ValueError
                    fields["people_count"] = count
                except ValueError:
                    plan.error(row, H("people_count"), "人口数应为1到99之间的整数。")
            person = None
            if any(v.get(k) for k in ("name", "relation", "birth_year", "person_tags")):
                person = {"name": v.get("name", ""), "relation": v.get("relation", ""),
                          "birth_year": v.get("birth_year") or None, "tags": split_multi(v.get("person_tags", "")),
                          "row": row}
                if not person["name"]:
                    plan.error(row, H("name"), "登记成员时成员姓名不能为空。")
                if not person["relation"]:
                    plan.error(row, H("relation"), "登记成员时与户主关系不能为空。")
                if person["birth_year"] and not re.fullmatch(r"\d{4}", person["birth_year"]):
                    plan.error(row, H("birth_year"), "出生年份应为四位数字，如 1956。")
                    person["birth_year"] = None
                if person["name"] and person["relation"] == PersonRelation.HEAD and person["name"] != v.get("head_name"):
                    plan.error(row, H("name"), f"与户主关系为户主的成员姓名“{person['name']}”与户主姓名“{v.get('head_name')}”不一致。")
            if not ok or not v.get("village") or not v.get("address") or not v.get("head_name"):
                continue
            key = (village.pk if village else v["village"], v["address"], v["head_name"])
            entry = households.setdefault(key, {"rows": [], "grid": None, "grid_row": None, "fields": {}, "field_rows": {},
                                                "people": [], "village": village, "head_name": v["head_name"],
                                                "address": v["address"]})
            entry["rows"].append(row)
            if grid is not None:
                if entry["grid"] is None:
                    entry["grid"], entry["grid_row"] = grid, row
                elif entry["grid"].pk != grid.pk:
                    plan.error(row, H("grid"), f"与同户第{entry['grid_row']}行的微网格不一致。")
            for name, value in fields.items():
                if value is None:
                    continue
                if name not in entry["fields"]:
                    entry["fields"][name], entry["field_rows"][name] = value, row
                elif entry["fields"][name] != value:
                    plan.error(row, H(name), f"与同户第{entry['field_rows'][name]}行的{H(name)}不一致。")
            if person is not None:
                same = next((p for p in entry["people"] if p["name"] and p["name"] == person["name"]), None)
                if same is not None:
                    plan.error(row, H("name"), f"文件中重复：同一户已在第{same['row']}行登记了成员“{person['name']}”。")
                else:
                    entry["people"].append(person)

        # the people of each household: the villages' own rules (clean_people), their messages put on the rows
        for key, entry in households.items():
            if entry["people"]:
                people = [{k: p[k] for k in ("name", "relation", "birth_year", "tags")} for p in entry["people"]]
                try:
                    village_services.clean_people(people)
                except ValidationError as exc:
                    for message in exc.message_dict.get("people", exc.messages):
                        self._people_error(plan, entry, message)
                if "people_count" in entry["fields"] and entry["fields"]["people_count"] != len(people):
                    plan.error(entry["field_rows"]["people_count"], H("people_count"),
                               f"人口数{entry['fields']['people_count']}与登记的成员行数{len(people)}不一致（可留空）。")

        valid = {key: e for key, e in households.items() if e["village"] is not None and e["grid"] is not None
                 and not (set(e["rows"]) & plan.bad_rows)}
        existing = defaultdict(list)
        village_ids = {key[0] for key in valid}
        for h in (Household.objects.filter(village_id__in=village_ids)
                  .values("id", "village_id", "address", "head_name", "grid_id", "phone_hash", "color", "tags",
                          "people_count").iterator(chunk_size=5000)):
            k = (h["village_id"], h["address"], h["head_name"])
            if k in valid:
                existing[k].append(h)
        matched_ids = [rows_[0]["id"] for rows_ in existing.values() if len(rows_) == 1]
        people_before = defaultdict(list)
        for i in range(0, len(matched_ids), 5000):
            for hid, name, relation, birth_year, tags in (
                    HouseholdPerson.objects.filter(household_id__in=matched_ids[i:i + 5000])
                    .order_by("household_id", "position", "id").values_list("household_id", "name", "relation",
                                                                             "birth_year", "tags")):
                people_before[hid].append((name, relation, birth_year, list(tags)))
        for key, entry in valid.items():
            first = entry["rows"][0]
            people = [{"name": p["name"], "relation": p["relation"],
                       "birth_year": int(p["birth_year"]) if p["birth_year"] else None, "tags": p["tags"]}
                      for p in entry["people"]]
            fields = entry["fields"]
            found = existing.get(key, [])
            if len(found) > 1:
                plan.error(first, H("address"), f"数据库中已有{len(found)}户住址为“{entry['address']}”、户主为"
                           f"“{entry['head_name']}”的户，无法确定更新哪一户，请先在平台上合并。")
                continue
            if not found:
                count = len(people) or fields.get("people_count")
                if not count:
                    plan.error(first, H("people_count"), "新户请登记成员或填写人口数。")
                    continue
                plan.creates.append({"grid": entry["grid"], "head_name": entry["head_name"], "address": entry["address"],
                                     "people_count": count, "phone": fields.get("phone", ""),
                                     "tags": fields.get("tags", []), "color": fields.get("color", HouseholdColor.GREEN),
                                     "people": people})
                continue
            before = found[0]
            changes = {}
            if before["grid_id"] != entry["grid"].pk:
                changes["grid"] = entry["grid"]
            if "phone" in fields and not _phone_same(before["phone_hash"], fields["phone"]):
                changes["phone"] = fields["phone"]
            for name in ("color", "tags"):
                if name in fields and fields[name] != before[name]:
                    changes[name] = fields[name]
            if not people and "people_count" in fields and fields["people_count"] != before["people_count"]:
                changes["people_count"] = fields["people_count"]
            new_people = None
            if people and [(p["name"], p["relation"], p["birth_year"], p["tags"]) for p in people] != people_before[before["id"]]:
                new_people = people
            if changes or new_people is not None:
                plan.updates.append({"id": before["id"], "changes": changes, "people": new_people})
            else:
                plan.unchanged += 1
        return plan

    def _people_error(self, plan: Plan, entry: dict, message: str) -> None:
        H = self.header
        m = re.match(r"第(\d+)人：(.*)", message)
        if m and int(m[1]) <= len(entry["people"]):
            row, text = entry["people"][int(m[1]) - 1]["row"], m[2]
        else:
            row, text = entry["rows"][0], message.removeprefix("户成员：")
        if "出生年份" in text:
            column = H("birth_year")
        elif "标签" in text:
            column = H("person_tags")
        elif "关系" in text or "户主" in text:
            column = H("relation")
        else:
            column = H("name")
        plan.error(row, column, text)

    def apply(self, plan: Plan, *, user) -> None:
        # new households set-based, a chunk at a time (the rules of household_create checked again; each chunk a
        # few INSERTs, its visits planned at once by the events of households_insert)
        for i in range(0, len(plan.creates), CREATE_CHUNK):
            village_services.households_create(households=plan.creates[i:i + CREATE_CHUNK])
        for item in plan.updates:
            household = Household.objects.select_for_update().get(pk=item["id"])
            if item["changes"]:
                household = village_services.household_update(household=household, **item["changes"])
            if item["people"] is not None:
                village_services.household_set_people(household=household, people=item["people"])


# --- party members -------------------------------------------------------------------------------------

def _member_branches(user):
    return user_scope(user).filter(PartyBranch.objects.all(), roles=spec_of(PartyMember).writers)


class Members(Kind):
    key = "members"
    title = "党员"
    model = PartyMember
    columns = [
        Column("name", "姓名", True, "党员姓名，最多50字。", width=10),
        Column("id_number", "身份证号", True, "18位居民身份证号（末位可为X），用来识别是否已登记。", text=True, width=22),
        Column("gender", "性别", False, "可不填；填写时须与身份证号一致（性别与出生日期都由身份证号得出）。",
               lambda ctx: _labels(Gender), width=8),
        Column("branch", "所在党组织", True, "党组织全称（只能是您管辖范围内的）。",
               lambda ctx: sorted({b.name for b in _member_branches(ctx["user"])}), width=24),
        Column("joined_on", "入党日期", True, "格式 2001-07-01；入党时应年满18周岁。", width=12, date=True),
        Column("status", "党员类别", False, "正式党员或预备党员；留空为正式党员。", lambda ctx: _labels(MemberStatus), width=12),
        Column("phone", "联系电话", False, "中国大陆手机或固话；已有党员留空则不修改。", text=True, width=16),
        Column("is_flowing", "流动党员", False, "是或否；留空为否（已有党员留空则不修改）。", lambda ctx: ["是", "否"], width=10),
        Column("duties", "六大员", False, "可填多个，用“、”分隔；已有党员留空则不修改。", lambda ctx: _labels(Duty),
               multi=True, width=20),
    ]
    notes = COMMON_NOTES + ["6. 身份证号已登记的党员会被更新（姓名、党组织、入党日期等以文件为准）。"]

    def example(self, ctx) -> dict:
        branch = _member_branches(ctx["user"]).first()
        return {"name": f"张三{EXAMPLE_MARK}", "id_number": "370181199001011238", "gender": "男",
                "branch": branch.name if branch else "", "joined_on": "2015-07-01", "status": "正式党员",
                "phone": "13800000000", "is_flowing": "否", "duties": "政策法规宣传员"}

    def plan(self, user, rows: dict) -> Plan:
        plan = Plan()
        H = self.header
        branches = defaultdict(list)
        for branch in _member_branches(user):
            branches[branch.name].append(branch)
        records_ = list(_records(rows))
        known_branches = set(PartyBranch.objects.filter(name__in={v.get("branch") for _, v in records_})
                             .values_list("name", flat=True))
        statuses, duties = _by_label(MemberStatus), _by_label(Duty)
        genders = _by_label(Gender)
        today = datetime.date.today()
        seen: dict[str, int] = {}
        parsed = []
        for row, v in records_:
            self.required(plan, row, v)
            item = {"row": row, "name": v.get("name", "")}
            if len(item["name"]) > 50:
                plan.error(row, H("name"), "姓名最多50字。")
            id_number = v.get("id_number", "")
            if id_number.startswith(NUMERIC_MARK):
                plan.error(row, H("id_number"), "身份证号单元格是数字格式，末几位已丢失；请把该列设为文本格式后重新填写。")
            elif id_number:
                try:
                    item["id_number"] = pii.normalize_id_number(id_number)
                except ValidationError as exc:
                    plan.error(row, H("id_number"), exc.messages[0])
            number = item.get("id_number")
            if number:
                if number in seen:
                    plan.error(row, H("id_number"), f"文件中重复：与第{seen[number]}行的身份证号相同。")
                else:
                    seen[number] = row
                if v.get("gender"):
                    if v["gender"] not in genders:
                        plan.error(row, H("gender"), "性别应为男或女。")
                    elif genders[v["gender"]] != pii.gender_from_id(number):
                        plan.error(row, H("gender"), "性别与身份证号不一致。")
            if v.get("branch"):
                found = branches.get(v["branch"], [])
                if len(found) == 1:
                    item["branch"] = found[0]
                elif found:
                    plan.error(row, H("branch"), f"党组织名称“{v['branch']}”在您的范围内有多个，无法确定。")
                else:
                    plan.error(row, H("branch"), _place_message("党组织", v["branch"], v["branch"] in known_branches))
            if v.get("joined_on"):
                try:
                    item["joined_on"] = _date(v["joined_on"])
                except ValueError:
                    plan.error(row, H("joined_on"), f"入党日期“{v['joined_on']}”格式无效，应如 2001-07-01。")
                else:
                    if item["joined_on"] > today:
                        plan.error(row, H("joined_on"), "入党日期不能晚于今天。")
                    elif number and item["joined_on"] < member_services._eighteenth_birthday(pii.birth_date_from_id(number)):
                        plan.error(row, H("joined_on"), "入党日期不合理：入党时应年满18周岁。")
            if v.get("status"):
                if v["status"] in statuses:
                    item["status"] = statuses[v["status"]]
                else:
                    plan.error(row, H("status"), "党员类别应为正式党员或预备党员。")
            if v.get("phone"):
                phone = _phone(plan, row, H("phone"), v["phone"])
                if phone is not None:
                    item["phone"] = phone
            if v.get("is_flowing"):
                if v["is_flowing"] in ("是", "否"):
                    item["is_flowing"] = v["is_flowing"] == "是"
                else:
                    plan.error(row, H("is_flowing"), "流动党员应填“是”或“否”。")
            if v.get("duties"):
                values = split_multi(v["duties"])
                bad = [d for d in values if d not in duties]
                if bad:
                    plan.error(row, H("duties"), f"未知的六大员职责：{'、'.join(bad)}。")
                else:
                    item["duties"] = [duties[d] for d in values]
            parsed.append(item)

        good = [item for item in parsed if item["row"] not in plan.bad_rows]
        by_hash = {}
        for item in good:
            for h in pii.lookup_hashes(item["id_number"]):
                by_hash[h] = item
        hashes = list(by_hash)
        found: dict[int, PartyMember] = {}
        for i in range(0, len(hashes), 5000):
            for member in PartyMember.objects.filter(id_number_hash__in=hashes[i:i + 5000]):
                found[member.pk] = member
        writable = set(user_scope(user).filter(PartyMember.objects.filter(pk__in=list(found)), write=True)
                       .values_list("pk", flat=True))
        existing = {id(by_hash[m.id_number_hash]): m for m in found.values()}
        for item in good:
            member = existing.get(id(item))
            if member is None:
                plan.creates.append({"branch": item["branch"], "name": item["name"], "id_number": item["id_number"],
                                     "joined_on": item["joined_on"], "phone": item.get("phone", ""),
                                     "status": item.get("status", MemberStatus.FULL),
                                     "is_flowing": item.get("is_flowing", False), "duties": item.get("duties", [])})
                continue
            if member.pk not in writable:
                plan.error(item["row"], H("id_number"), "该身份证号已登记为其他党员（不在您的管辖范围内），不能导入。")
                continue
            changes = {}
            if member.name != item["name"]:
                changes["name"] = item["name"]
            if member.branch_id != item["branch"].pk:
                changes["branch"] = item["branch"]
            if member.joined_on != item["joined_on"]:
                changes["joined_on"] = item["joined_on"]
            if member.status != item.get("status", MemberStatus.FULL):
                changes["status"] = item.get("status", MemberStatus.FULL)
            if "phone" in item and not _phone_same(member.phone_hash, item["phone"]):
                changes["phone"] = item["phone"]
            for name in ("is_flowing", "duties"):
                if name in item and getattr(member, name) != item[name]:
                    changes[name] = item[name]
            if changes:
                plan.updates.append({"id": member.pk, "changes": changes})
            else:
                plan.unchanged += 1
        return plan

    def apply(self, plan: Plan, *, user) -> None:
        for item in plan.creates:
            member_services.member_create(**item)
        for item in plan.updates:
            member = PartyMember.objects.select_for_update().get(pk=item["id"])
            member_services.member_update(member=member, **item["changes"])


# --- household links -----------------------------------------------------------------------------------

class Links(Kind):
    key = "links"
    title = "党员联户"
    model = HouseholdLink
    columns = [
        Column("id_number", "党员身份证号", True, "联户党员的18位身份证号（党员须已登记，且在您的管辖范围内）。", text=True, width=22),
        Column("member_name", "党员姓名", False, "可不填；填写时须与身份证号对应的党员姓名一致（便于核对）。", width=10),
        Column("village", "村/社区", True, "户所在的村/社区。", lambda ctx: sorted(ctx["villages"]), width=14),
        Column("address", "住址", True, "户的住址，与平台上登记的一致。", width=24),
        Column("head_name", "户主姓名", True, "户的户主姓名，与平台上登记的一致。", width=12),
    ]
    notes = COMMON_NOTES + [
        f"6. 一行是一户的联系党员：一户只能由一名党员联系，一名党员最多联系{LINK_MAX}户（已有的联户一并计算）。",
        "7. 户已由其他党员联系时，改由本行的党员联系。",
    ]

    def context(self, user) -> dict:
        return {"user": user, "villages": _writable_villages(user, spec_of(Household).writers)}

    def example(self, ctx) -> dict:
        village = next(iter(sorted(ctx["villages"])), "")
        return {"id_number": "370181199001011238", "member_name": "张三", "village": village,
                "address": "幸福路1号", "head_name": f"李四{EXAMPLE_MARK}"}

    def plan(self, user, rows: dict) -> Plan:
        plan = Plan()
        H = self.header
        villages = _writable_villages(user, spec_of(Household).writers)
        records_ = list(_records(rows))
        known = _known_villages({v["village"] for _, v in records_ if v.get("village")})
        parsed = []
        for row, v in records_:
            self.required(plan, row, v)
            item = {"row": row, "member_name": v.get("member_name", "")}
            id_number = v.get("id_number", "")
            if id_number.startswith(NUMERIC_MARK):
                plan.error(row, H("id_number"), "身份证号单元格是数字格式，末几位已丢失；请把该列设为文本格式后重新填写。")
            elif id_number:
                try:
                    item["id_number"] = pii.normalize_id_number(id_number)
                except ValidationError as exc:
                    plan.error(row, H("id_number"), exc.messages[0])
            if v.get("village"):
                item["village"] = _resolve_village(plan, row, H("village"), v["village"], villages, known)
            item["key"] = (item.get("village").pk if item.get("village") else None, v.get("address"), v.get("head_name"))
            parsed.append(item)
        # members by hash, in the user's read scope
        by_hash = {}
        for item in parsed:
            if item.get("id_number"):
                for h in pii.lookup_hashes(item["id_number"]):
                    by_hash[h] = item["id_number"]
        members: dict[str, PartyMember] = {}
        hashes = list(by_hash)
        scope = user_scope(user)
        for i in range(0, len(hashes), 5000):
            for member in scope.filter(PartyMember.objects.filter(id_number_hash__in=hashes[i:i + 5000])):
                members[by_hash[member.id_number_hash]] = member
        households = {}
        keys = {p["key"] for p in parsed if p["key"][0] is not None}
        hh_rows = defaultdict(list)
        for h in scope.filter(Household.objects.filter(village_id__in={k[0] for k in keys}), write=True).only(
                "id", "village_id", "address", "head_name"):
            if (h.village_id, h.address, h.head_name) in keys:
                hh_rows[(h.village_id, h.address, h.head_name)].append(h)
        links = {link.household_id: link for link in HouseholdLink.objects.filter(
            household_id__in=[h.pk for rows_ in hh_rows.values() for h in rows_])}
        loads = dict(HouseholdLink.objects.filter(member__in=list(members.values())).values_list("member")
                     .annotate(n=Count("id")))
        seen_household: dict[int, int] = {}
        for item in parsed:
            row = item["row"]
            member = members.get(item.get("id_number"))
            if item.get("id_number") and member is None:
                plan.error(row, H("id_number"), "未找到该身份证号的党员（或不在您的管辖范围内），请先导入党员。")
            elif member is not None:
                if member.left_on is not None:
                    plan.error(row, H("id_number"), f"党员{member.name}已离开，不能再联户。")
                if item["member_name"] and item["member_name"] != member.name:
                    plan.error(row, H("member_name"), f"党员姓名与身份证号不符（该身份证号登记的是{member.name}）。")
            household = None
            if item.get("village") is not None and item["key"][1] and item["key"][2]:
                found = hh_rows.get(item["key"], [])
                if not found:
                    plan.error(row, H("address"), f"未找到{item['village'].name}住址为“{item['key'][1]}”、户主为“{item['key'][2]}”的户。")
                elif len(found) > 1:
                    plan.error(row, H("address"), "平台上有多户住址与户主姓名都相同，无法确定是哪一户。")
                else:
                    household = found[0]
            if household is not None:
                if household.pk in seen_household:
                    plan.error(row, H("head_name"), f"文件中重复：该户已在第{seen_household[household.pk]}行联户。")
                    continue
                seen_household[household.pk] = row
            if row in plan.bad_rows or member is None or household is None:
                continue
            link = links.get(household.pk)
            if link is not None and link.member_id == member.pk:
                plan.unchanged += 1
                continue
            load = loads.get(member.pk, 0)
            if load >= LINK_MAX:
                plan.error(row, H("id_number"), f"党员{member.name}已联系{load}户（含本文件前面的行），"
                           f"每名党员最多联系{LINK_MAX}户：本行是第{load + 1}户。")
                continue
            loads[member.pk] = load + 1
            if link is not None:
                loads[link.member_id] = loads.get(link.member_id, 1) - 1
                plan.updates.append({"link": link, "member": member})
            else:
                plan.creates.append({"member": member, "household": household})
        return plan

    def apply(self, plan: Plan, *, user) -> None:
        # moves first: they free places for the new links of the members they leave
        for item in plan.updates:
            member_services.household_link_move(link=item["link"], member=item["member"])
        for item in plan.creates:
            member_services.household_link_create(member=item["member"], household=item["household"])


# --- village cadres ------------------------------------------------------------------------------------

class Cadres(Kind):
    key = "cadres"
    title = "村干部"
    model = VillageCadre
    columns = [
        Column("village", "村/社区", True, "任职的村/社区（只能是您管辖范围内的）。", lambda ctx: sorted(ctx["villages"]), width=14),
        Column("name", "姓名", True, "干部姓名，最多50字。", width=10),
        Column("role", "职务", True, "村“两委”职务或第一书记。", lambda ctx: _labels(CadreRole), width=14),
        Column("start_date", "任职日期", False, "格式 2021-01-15。", width=12, date=True),
    ]
    notes = COMMON_NOTES + ["6. 同一村/社区里姓名与职务都相同的干部视为已登记，只更新任职日期。"]

    def context(self, user) -> dict:
        return {"user": user, "villages": _writable_villages(user, ZONE_UP)}

    def example(self, ctx) -> dict:
        village = next(iter(sorted(ctx["villages"])), "")
        return {"village": village, "name": f"王五{EXAMPLE_MARK}", "role": "党组织书记", "start_date": "2021-01-15"}

    def plan(self, user, rows: dict) -> Plan:
        plan = Plan()
        H = self.header
        villages = _writable_villages(user, ZONE_UP)
        roles = _by_label(CadreRole)
        records_ = list(_records(rows))
        known = _known_villages({v["village"] for _, v in records_ if v.get("village")})
        items = []
        seen = {}
        for row, v in records_:
            self.required(plan, row, v)
            village = _resolve_village(plan, row, H("village"), v["village"], villages, known) if v.get("village") else None
            role = None
            if v.get("role"):
                role = roles.get(v["role"])
                if role is None:
                    plan.error(row, H("role"), f"职务“{v['role']}”无效，应为{'、'.join(_labels(CadreRole))}之一。")
            if len(v.get("name", "")) > 50:
                plan.error(row, H("name"), "姓名最多50字。")
            start = None
            if v.get("start_date"):
                try:
                    start = _date(v["start_date"])
                except ValueError:
                    plan.error(row, H("start_date"), f"任职日期“{v['start_date']}”格式无效，应如 2021-01-15。")
            if row in plan.bad_rows:
                continue
            key = (village.pk, v["name"], role)
            if key in seen:
                plan.error(row, H("name"), f"文件中重复：与第{seen[key]}行是同一村的同一干部与职务。")
                continue
            seen[key] = row
            items.append((row, key, village, start))
        existing = defaultdict(list)
        for cadre in VillageCadre.objects.filter(village_id__in={k[0] for _, k, _, _ in items}):
            existing[(cadre.village_id, cadre.name, cadre.role)].append(cadre)
        for row, key, village, start in items:
            found = existing.get(key, [])
            if len(found) > 1:
                plan.error(row, H("name"), "平台上已有多名同名同职务的干部，无法确定更新哪一位。")
            elif not found:
                plan.creates.append({"village": village, "name": key[1], "role": key[2], "start_date": start})
            elif start is not None and found[0].start_date != start:
                plan.updates.append({"cadre": found[0], "changes": {"start_date": start}})
            else:
                plan.unchanged += 1
        return plan

    def apply(self, plan: Plan, *, user) -> None:
        for item in plan.creates:
            records.record_create(VillageCadre, item)
        for item in plan.updates:
            records.record_update(item["cadre"], item["changes"])


KINDS: dict[str, Kind] = {kind.key: kind for kind in (Households(), Members(), Links(), Cadres())}
# the roles that may upload at all (the menu entry): the writers of some kind
UPLOAD_ROLES = VILLAGE_UP
