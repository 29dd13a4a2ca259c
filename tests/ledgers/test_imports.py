"""Excel import (台账导入): templates, preview with every bad row, all-or-nothing commit, idempotence, scope."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from ledgers.models import ImportBatch
from members.models import HouseholdLink, PartyMember
from tests import factories as f
from tests.clients import api_client
from villages.models import Household, HouseholdPerson, VillageCadre

pytestmark = pytest.mark.django_db

HOUSEHOLD_HEADERS = ["村/社区", "自然村", "微网格", "住址", "户主姓名", "户联系电话", "四色分类", "户情况标签", "人口数",
                     "成员姓名", "与户主关系", "出生年份", "成员情况标签"]


def xlsx(headers, rows, title="Sheet") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, kind, content, name="台账.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/api/imports/", {"kind": kind, "file": file}, format="multipart")


@pytest.fixture
def place():
    grid = f.MicroGridFactory(name="一网格")
    grid2 = f.MicroGridFactory(name="二网格", natural_village=grid.natural_village)
    return {"grid": grid, "grid2": grid2, "village": grid.village, "nv": grid.natural_village}


@pytest.fixture
def cadre(place):
    return f.make_user("village_cadre", place["village"])


@pytest.fixture
def client(cadre):
    return api_client(cadre)


def household_rows(place, *, phone="13812345678"):
    v, nv = place["village"].name, place["nv"].name
    return [
        [v, nv, "一网格", "幸福路1号", "王大山", phone, "黄色", "低保", None, "王大山", "户主", 1956, None],
        [v, nv, "一网格", "幸福路1号", "王大山", None, None, None, None, "李秀兰", "配偶", 1958, "残疾"],
        [v, nv, "二网格", "幸福路2号", "赵小河", "053183212345", "绿色", None, None, "赵小河", "户主", 1970, None],
        [v, None, "二网格", "幸福路3号", "钱三", None, None, None, 4, None, None, None, None],
    ]


# --- templates -----------------------------------------------------------------------------------------

def _validations(ws):
    """{header: the drop-down's options} of a template's data sheet."""
    import re

    options = ws.parent["选项"]
    headers = {cell.column_letter: cell.value for cell in ws[1]}
    result = {}
    for dv in ws.data_validations.dataValidation:
        letter = re.match(r"[A-Z]+", str(dv.sqref)).group()
        col, first, _, last = re.search(r"\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", dv.formula1).groups()
        result[headers[letter]] = [options[f"{col}{r}"].value for r in range(int(first), int(last) + 1)]
    return result


def test_households_template_has_chinese_headers_dropdowns_help_and_text_cells(client, place):
    other = f.VillageFactory(name="别的村")
    response = client.get("/api/imports/templates/households/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["户与户成员", "说明", "选项"]
    ws = wb["户与户成员"]
    assert [c.value for c in ws[1]] == HOUSEHOLD_HEADERS
    lists = _validations(ws)
    assert lists["村/社区"] == [place["village"].name]  # only the cadre's own village, not 别的村
    assert other.name not in lists["村/社区"]
    assert lists["四色分类"] == ["绿色", "黄色", "橙色", "红色"]
    assert "低保" in lists["户情况标签"] and "户主" in lists["与户主关系"]
    assert lists["微网格"] == ["一网格", "二网格"]
    # the example row: a valid place, and marked so an import skips it
    assert ws["A2"].value == place["village"].name and "（示例）" in ws["D2"].value
    assert ws["F2"].number_format == "@" and ws["F500"].number_format == "@"  # phones as text
    help_rows = {row[0]: row for row in wb["说明"].iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert help_rows["村/社区"][1] == "是" and help_rows["成员姓名"][1] == "否"
    assert "绿色、黄色、橙色、红色" == help_rows["四色分类"][3]


@pytest.mark.parametrize("kind, headers, lists", [
    ("members", ["姓名", "身份证号", "性别", "所在党组织", "入党日期", "党员类别", "联系电话", "流动党员", "六大员"],
     {"性别": ["男", "女"], "党员类别": ["正式党员", "预备党员"], "流动党员": ["是", "否"]}),
    ("links", ["党员身份证号", "党员姓名", "村/社区", "住址", "户主姓名"], {}),
])
def test_other_templates(client, place, kind, headers, lists):
    f.PartyBranchFactory(village=place["village"], name="本村党支部")
    wb = load_workbook(io.BytesIO(client.get(f"/api/imports/templates/{kind}/").content))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == headers
    found = _validations(ws)
    for header, values in lists.items():
        assert found[header] == values
    if kind == "members":
        assert found["所在党组织"] == ["本村党支部"]
        assert ws["B2"].number_format == "@"


def test_cadre_template_and_import_need_a_zone_role(client, place):
    assert client.get("/api/imports/templates/cadres/").status_code == 403
    response = upload(client, "cadres", xlsx(["村/社区", "姓名", "职务"], [[place["village"].name, "王五", "党组织书记"]]))
    assert response.status_code == 403
    zone = api_client(f.make_user("zone_committee", place["village"].zone))
    wb = load_workbook(io.BytesIO(zone.get("/api/imports/templates/cadres/").content))
    assert "党组织书记" in _validations(wb.worksheets[0])["职务"]


# --- preview -------------------------------------------------------------------------------------------

def test_preview_counts_and_writes_nothing(client, place):
    response = upload(client, "households", xlsx(HOUSEHOLD_HEADERS, household_rows(place)))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["error_count"] == 0 and body["errors"] == []
    assert (body["create_count"], body["update_count"], body["unchanged_count"]) == (3, 0, 0)
    assert body["status"] == "ready" and body["row_count"] == 4
    assert Household.objects.count() == 0


def test_preview_lists_every_bad_row_with_row_column_and_message(client, place):
    v, nv = place["village"].name, place["nv"].name
    other = f.MicroGridFactory(name="外村网格")
    rows = household_rows(place) + [
        [v, nv, "一网格", "幸福路5号", "孙五", "12345", "紫色", "低保、富裕", None, "孙五", "户主", 1960, None],  # row 6
        [other.village.name, None, "外村网格", "外村路1号", "周六", None, None, None, 2, None, None, None, None],  # row 7
        ["没有这个村", None, "一网格", "某路1号", "吴七", None, None, None, 2, None, None, None, None],  # row 8
        [v, nv, "三网格", "幸福路6号", "郑八", None, None, None, 2, None, None, None, None],  # row 9
        [v, nv, "一网格", "幸福路1号", "王大山", None, None, None, None, "李秀兰", "配偶", 1958, None],  # row 10: dup
        [v, nv, "一网格", "幸福路7号", "冯九", None, None, None, None, "冯九", "户主", 1890, None],  # row 11
        [v, nv, "一网格", "", "陈十", None, None, None, 2, None, None, None, None],  # row 12: no address
        [v, nv, "一网格", "幸福路1号", "王大山", "13912345678", None, None, None, "王小山", "子女", 1985, None],  # row 13
    ]
    body = upload(client, "households", xlsx(HOUSEHOLD_HEADERS, rows)).json()
    errors = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert "电话号码" in errors[(6, "户联系电话")]
    assert "紫色" in errors[(6, "四色分类")]
    assert "富裕" in errors[(6, "户情况标签")]
    assert "不在您的管辖范围内" in errors[(7, "村/社区")]
    assert "未找到村/社区“没有这个村”" in errors[(8, "村/社区")]
    assert "没有网格“三网格”" in errors[(9, "微网格")]
    assert "文件中重复" in errors[(10, "成员姓名")] and "第3行" in errors[(10, "成员姓名")]
    assert "出生年份" in errors[(11, "出生年份")]
    assert errors[(12, "住址")] == "住址不能为空。"
    assert "与同户第2行的户联系电话不一致" in errors[(13, "户联系电话")]
    assert {row for row, _ in errors} == {6, 7, 8, 9, 10, 11, 12, 13}
    assert body["error_count"] == len(body["errors"]) and body["status"] == "invalid"
    assert body["create_count"] == 2  # rows 4 and 5 are fine; 幸福路1号 has a bad row
    # the rows are sorted by row number
    assert [e["row"] for e in body["errors"]] == sorted(e["row"] for e in body["errors"])


def test_unreadable_file_and_missing_columns_are_400(client):
    response = upload(client, "households", b"not an excel file")
    assert response.status_code == 400 and "无法读取文件" in response.json()["file"][0]
    response = upload(client, "households", xlsx(["村/社区", "住址"], [["甲", "乙"]]))
    assert response.status_code == 400 and "缺少必填列" in response.json()["file"][0]


# --- commit --------------------------------------------------------------------------------------------

def test_all_or_nothing_then_fixed_file_writes_all_and_reimport_changes_nothing(client, place):
    rows = household_rows(place)
    bad = [row[:] for row in rows]
    bad[2][6] = "紫色"
    batch = upload(client, "households", xlsx(HOUSEHOLD_HEADERS, bad)).json()
    assert batch["error_count"] == 1 and batch["errors"][0]["row"] == 4
    response = client.post(f"/api/imports/{batch['id']}/commit/")
    assert response.status_code == 400
    assert Household.objects.count() == 0 and HouseholdPerson.objects.count() == 0

    fixed = upload(client, "households", xlsx(HOUSEHOLD_HEADERS, rows)).json()
    response = client.post(f"/api/imports/{fixed['id']}/commit/", {"file_sha256": fixed["file_sha256"]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "committed"
    assert Household.objects.count() == 3
    wang = Household.objects.get(head_name="王大山")
    assert (wang.color, wang.tags, wang.people_count, wang.grid_id) == ("yellow", ["低保"], 2, place["grid"].pk)
    assert wang.reveal_phone() == "13812345678"
    assert wang.next_visit_due is not None  # visits heard of it (household_registering)
    assert [(p.name, p.relation, p.birth_year, p.tags) for p in wang.people.all()] == [
        ("王大山", "户主", 1956, []), ("李秀兰", "配偶", 1958, ["残疾"])]
    assert Household.objects.get(head_name="钱三").people_count == 4
    assert client.post(f"/api/imports/{fixed['id']}/commit/").status_code == 409  # not twice

    again = upload(client, "households", xlsx(HOUSEHOLD_HEADERS, rows)).json()
    assert (again["create_count"], again["update_count"], again["unchanged_count"]) == (0, 0, 3)
    assert client.post(f"/api/imports/{again['id']}/commit/").status_code == 200
    assert Household.objects.count() == 3 and HouseholdPerson.objects.count() == 3

    changed = household_rows(place, phone="13900001111")
    changed[1][10] = "子女"
    update = upload(client, "households", xlsx(HOUSEHOLD_HEADERS, changed)).json()
    assert (update["create_count"], update["update_count"], update["unchanged_count"]) == (0, 1, 2)
    assert client.post(f"/api/imports/{update['id']}/commit/").status_code == 200
    wang.refresh_from_db()
    assert wang.reveal_phone() == "13900001111"
    assert list(wang.people.values_list("relation", flat=True)) == ["户主", "子女"]


def test_commit_refused_when_the_file_or_the_data_changed(client, place):
    content = xlsx(HOUSEHOLD_HEADERS, household_rows(place))
    batch = upload(client, "households", content).json()
    response = client.post(f"/api/imports/{batch['id']}/commit/", {"file_sha256": "0" * 64}, format="json")
    assert response.status_code == 409 and "文件已变化" in response.json()["detail"]
    # someone registers one of the households meanwhile: the plan differs from the preview
    other = upload(client, "households", content).json()
    assert client.post(f"/api/imports/{other['id']}/commit/").status_code == 200
    response = client.post(f"/api/imports/{batch['id']}/commit/")
    assert response.status_code == 409 and "数据已有变化" in response.json()["detail"]
    assert response.json()["batch"]["unchanged_count"] == 3
    assert Household.objects.count() == 3


def test_only_the_uploader_commits(client, place):
    batch = upload(client, "households", xlsx(HOUSEHOLD_HEADERS, household_rows(place))).json()
    zone = api_client(f.make_user("zone_committee", place["village"].zone))
    assert zone.post(f"/api/imports/{batch['id']}/commit/").status_code == 403
    assert Household.objects.count() == 0


# --- scope ---------------------------------------------------------------------------------------------

def test_a_village_cadre_cannot_import_into_another_village(place):
    other = f.MicroGridFactory(name="一网格")
    cadre = api_client(f.make_user("village_cadre", other.village))
    rows = household_rows(place)
    body = upload(cadre, "households", xlsx(HOUSEHOLD_HEADERS, rows)).json()
    assert body["error_count"] == 4
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(r, "村/社区") for r in (2, 3, 4, 5)}
    assert all("不在您的管辖范围内" in e["message"] for e in body["errors"])


def test_history_is_scoped_to_the_uploaders_hierarchy(client, place):
    mine = upload(client, "households", xlsx(HOUSEHOLD_HEADERS, household_rows(place))).json()
    other = f.make_user("village_cadre", f.VillageFactory())
    api_client(other)
    zone = api_client(f.make_user("zone_committee", place["village"].zone))
    far_zone = api_client(f.make_user("zone_committee", f.WorkZoneFactory()))
    assert [b["id"] for b in client.get("/api/imports/").json()["results"]] == [mine["id"]]
    assert [b["id"] for b in zone.get("/api/imports/").json()["results"]] == [mine["id"]]
    assert far_zone.get("/api/imports/").json()["results"] == []
    assert far_zone.get(f"/api/imports/{mine['id']}/").status_code == 404
    assert "rows" not in client.get(f"/api/imports/{mine['id']}/").json()
    assert ImportBatch.objects.get(pk=mine["id"]).village_id == place["village"].pk


def test_a_grid_member_may_not_import(place):
    member = f.PartyMemberFactory(branch__village=place["village"])
    user = f.make_user("grid_member", place["grid"], member=member)
    client = api_client(user)
    assert upload(client, "households", xlsx(HOUSEHOLD_HEADERS, household_rows(place))).status_code == 403
    assert client.get("/api/imports/templates/households/").status_code == 403


# --- members, links, cadres ----------------------------------------------------------------------------

MEMBER_HEADERS = ["姓名", "身份证号", "性别", "所在党组织", "入党日期", "党员类别", "联系电话", "流动党员", "六大员"]


def test_members_import_checks_id_numbers_and_is_idempotent(client, place):
    branch = f.PartyBranchFactory(village=place["village"], name="本村党支部")
    elsewhere = f.PartyMemberFactory()
    good1, good2 = f.make_id_number(male=True), f.make_id_number(male=False)
    rows = [
        ["张一", good1, "男", "本村党支部", "2010-07-01", "正式党员", "13812340001", "否", "政策法规宣传员、民情信息收集员"],
        ["张二", good2, None, "本村党支部", "2012-07-01", "预备党员", None, None, None],
    ]
    bad_rows = rows + [
        ["张三", f.wrong_check_digit(f.make_id_number()), None, "本村党支部", "2010-07-01", None, None, None, None],  # 4
        ["张四", good1, None, "本村党支部", "2010-07-01", None, None, None, None],  # 5: duplicate in the file
        ["张五", elsewhere.reveal()["id_number"], None, "本村党支部", "2010-07-01", None, None, None, None],  # 6: in db
        ["张六", f.make_id_number(male=True), "女", "外地党支部", "2030-01-01", None, None, None, None],  # 7
    ]
    body = upload(client, "members", xlsx(MEMBER_HEADERS, bad_rows)).json()
    errors = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert errors[(4, "身份证号")] == "身份证号校验位错误。"
    assert "文件中重复" in errors[(5, "身份证号")]
    assert "已登记为其他党员" in errors[(6, "身份证号")]
    assert "性别与身份证号不一致" in errors[(7, "性别")]
    assert "未找到党组织“外地党支部”" in errors[(7, "所在党组织")]
    assert "不能晚于今天" in errors[(7, "入党日期")]

    batch = upload(client, "members", xlsx(MEMBER_HEADERS, rows)).json()
    assert batch["create_count"] == 2 and batch["error_count"] == 0
    assert client.post(f"/api/imports/{batch['id']}/commit/").status_code == 200
    one = PartyMember.objects.get(name="张一")
    assert one.branch == branch and one.duties == ["policy", "concerns"] and one.reveal_phone() == "13812340001"
    again = upload(client, "members", xlsx(MEMBER_HEADERS, rows)).json()
    assert (again["create_count"], again["update_count"], again["unchanged_count"]) == (0, 0, 2)


def test_links_import_refuses_a_21st_household(client, place):
    member = f.PartyMemberFactory(branch__village=place["village"])
    id_number = member.reveal()["id_number"]
    for _ in range(19):
        f.HouseholdLinkFactory(member=member, household=f.HouseholdFactory(grid=place["grid"]))
    h1 = f.HouseholdFactory(grid=place["grid"], address="甲路1号", head_name="孙一")
    h2 = f.HouseholdFactory(grid=place["grid"], address="甲路2号", head_name="孙二")
    v = place["village"].name
    headers = ["党员身份证号", "党员姓名", "村/社区", "住址", "户主姓名"]
    rows = [[id_number, member.name, v, "甲路1号", "孙一"], [id_number, member.name, v, "甲路2号", "孙二"],
            [id_number, "别人", v, "乙路9号", "没有"]]
    body = upload(client, "links", xlsx(headers, rows)).json()
    errors = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert "本行是第21户" in errors[(3, "党员身份证号")]
    assert "党员姓名与身份证号不符" in errors[(4, "党员姓名")]
    assert "未找到" in errors[(4, "住址")]
    assert body["create_count"] == 1
    batch = upload(client, "links", xlsx(headers, rows[:1])).json()
    assert client.post(f"/api/imports/{batch['id']}/commit/").status_code == 200
    assert HouseholdLink.objects.get(household=h1).member == member
    assert not HouseholdLink.objects.filter(household=h2).exists()
    again = upload(client, "links", xlsx(headers, rows[:1])).json()
    assert again["unchanged_count"] == 1 and again["create_count"] == 0


def test_cadres_import_by_a_zone_committee(place):
    zone = api_client(f.make_user("zone_committee", place["village"].zone))
    v = place["village"].name
    rows = [[v, "王五", "党组织书记", "2021-01-15"], [v, "赵六", "村委会主任", None], [v, "王五", "党组织书记", None],
            [v, "孙七", "村长", None]]
    body = upload(zone, "cadres", xlsx(["村/社区", "姓名", "职务", "任职日期"], rows)).json()
    errors = {(e["row"], e["column"]) for e in body["errors"]}
    assert errors == {(4, "姓名"), (5, "职务")}
    batch = upload(zone, "cadres", xlsx(["村/社区", "姓名", "职务", "任职日期"], rows[:2])).json()
    assert zone.post(f"/api/imports/{batch['id']}/commit/").status_code == 200
    assert set(VillageCadre.objects.values_list("name", "role")) == {("王五", "secretary"), ("赵六", "director")}
    again = upload(zone, "cadres", xlsx(["村/社区", "姓名", "职务", "任职日期"], rows[:2])).json()
    assert again["unchanged_count"] == 2


def test_numeric_id_cells_are_reported(client, place):
    f.PartyBranchFactory(village=place["village"], name="本村党支部")
    number = int(f.make_id_number()[:17] + "1")
    body = upload(client, "members", xlsx(MEMBER_HEADERS, [["张一", number, None, "本村党支部", "2010-07-01"]])).json()
    assert "数字格式" in body["errors"][0]["message"]


def test_the_template_example_row_is_skipped(client, place):
    content = client.get("/api/imports/templates/households/").content
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    ws.append([place["village"].name, None, "一网格", "幸福路9号", "孙九", None, None, None, 2])
    out = io.BytesIO()
    wb.save(out)
    body = upload(client, "households", out.getvalue()).json()
    assert body["row_count"] == 1 and body["create_count"] == 1, body


def test_the_streaming_reader_reads_what_openpyxl_reads():
    """The lxml reader (shared strings, numbers, dates as Excel serials, booleans, gaps) against openpyxl's own."""
    import datetime

    from ledgers import sheets
    from ledgers.kinds import KINDS

    columns = KINDS["members"].columns
    rows = [["张一", "370181199001011238", "男", "支部", datetime.date(2010, 7, 1), "正式党员", 13812345678, True, None],
            [None, None, None, None, None, None, None, None, None],
            ["李二", 370181199001011238, None, "支部", "2011-07-01", None, "0531-83212345", False, "政策法规宣传员"]]
    content = xlsx(MEMBER_HEADERS, rows, title="党员")
    fast = sheets.read_rows(content, columns, sheet_title="党员")
    slow = sheets._read_rows_openpyxl(content, columns, sheet_title="党员")
    assert fast == slow
    assert fast["data"][0] == [2, "张一", "370181199001011238", "男", "支部", "2010-07-01", "正式党员", "13812345678", "是", ""]
    assert fast["data"][1][0] == 4 and fast["data"][1][2].startswith(sheets.NUMERIC_MARK)


# --- new households set-based --------------------------------------------------------------------------

def _many_rows(place, n, start=0):
    v, nv = place["village"].name, place["nv"].name
    rows = []
    for i in range(start, start + n):
        head = f"孙{i}"
        rows.append([v, nv, "一网格", f"和平路{i}号", head, "13812345678", "红色" if i % 4 == 0 else None, None, None,
                     head, "户主", 1950, None])
        rows.append([v, nv, "一网格", f"和平路{i}号", head, None, None, None, None, f"孙{i}妻", "配偶", 1951, None])
    return rows


def _commit_statements(client, content):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    batch = upload(client, "households", content).json()
    assert batch["error_count"] == 0, batch["errors"]
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/imports/{batch['id']}/commit/")
    assert response.status_code == 200, response.json()
    return len(queries.captured_queries)


def test_new_households_are_written_set_based_whatever_their_number(client, place):
    from visits.models import Reminder

    few = _commit_statements(client, xlsx(HOUSEHOLD_HEADERS, _many_rows(place, 3)))
    many = _commit_statements(client, xlsx(HOUSEHOLD_HEADERS, _many_rows(place, 40, start=100)))
    assert many == few  # one INSERT of households, one of people, one reminder sync: not a statement per household
    assert Household.objects.count() == 43 and HouseholdPerson.objects.count() == 86
    assert not Household.objects.filter(next_visit_due__isnull=True).exists()
    assert set(Household.objects.values_list("people_count", flat=True)) == {2}
    # the red households are due within the week: reminded at once, as one registered by hand would be
    assert Reminder.objects.count() == Household.objects.filter(color="red").count() == 1 + 10


def test_a_household_refused_at_commit_rolls_back_the_chunks_written_before(client, place, monkeypatch):
    from django.core.exceptions import ValidationError

    from ledgers import kinds
    from villages import services as village_services
    from visits.models import Reminder

    monkeypatch.setattr(kinds, "CREATE_CHUNK", 2)
    clean = village_services._clean_household

    def refuse_one(household):  # a rule the preview does not know of refuses the 5th household
        if household.head_name == "孙4":
            raise ValidationError({"people_count": "人口数不对。"})
        clean(household)

    monkeypatch.setattr(village_services, "_clean_household", refuse_one)
    batch = upload(client, "households", xlsx(HOUSEHOLD_HEADERS, _many_rows(place, 6))).json()
    assert batch["create_count"] == 6 and batch["error_count"] == 0
    response = client.post(f"/api/imports/{batch['id']}/commit/")
    assert response.status_code == 400
    assert "第1户：人口数不对。" in str(response.json())
    assert not Household.objects.exists() and not HouseholdPerson.objects.exists() and not Reminder.objects.exists()
    assert ImportBatch.objects.get(pk=batch["id"]).status != "committed"
