"""The Excel 导入 page: a village cadre uploads a households file with one bad row, sees the error on that row,
uploads the fixed file and commits; at 1440 and 375 px, with no serious or critical axe violation."""
import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser import PHONE, axe_violations, close_page, open_page

from .scenario import PASSWORD
from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["村/社区", "自然村", "微网格", "住址", "户主姓名", "户联系电话", "四色分类", "户情况标签", "人口数",
           "成员姓名", "与户主关系", "出生年份", "成员情况标签"]


def households_file(tmp_path, name, *, color):
    wb = Workbook()
    ws = wb.active
    ws.title = "户与户成员"
    ws.append(HEADERS)
    ws.append(["闫满村", "东闫满", "第一网格", "闫满村南街1号", "高永福", "13805319999", "黄色", "低保", None,
               "高永福", "户主", 1958, None])
    ws.append(["闫满村", "东闫满", "第一网格", "闫满村南街2号", "孔春花", None, color, None, None,
               "孔春花", "户主", 1949, "独居老人"])
    ws.append(["闫满村", "东闫满", "第一网格", "闫满村南街1号", "高永福", None, None, None, None,
               "刘桂兰", "配偶", 1960, None])
    path = tmp_path / name
    out = io.BytesIO()
    wb.save(out)
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture
def cadre(scenario):
    from accounts.models import Role, RoleAssignment, User
    from villages.models import Village

    user = User.objects.create_user(username="cunganbu", password=PASSWORD, display_name="闫满村干部")
    RoleAssignment.objects.create(user=user, role=Role.VILLAGE_CADRE, village=Village.objects.get(name="闫满村"))
    return user


def serious(page) -> list[str]:
    return [line for line in axe_violations(page) if "(serious)" in line or "(critical)" in line]


def test_a_village_cadre_previews_fixes_and_commits(scenario, cadre, page, live_server, screenshot, tmp_path):
    sign_in(page, live_server, "cunganbu", "/imports/")
    expect(page.get_by_role("heading", name="Excel 导入")).to_be_visible()
    expect(page.locator(".el-menu").get_by_text("Excel 导入")).to_be_visible()
    # a village cadre may import households, members and links, not village cadres (a zone's write)
    expect(page.get_by_test_id("kind-households")).to_be_visible()
    expect(page.get_by_test_id("kind-cadres")).to_have_count(0)
    expect(page.get_by_test_id("download-template")).to_contain_text("户与户成员")

    page.get_by_test_id("file-input").set_input_files(str(households_file(tmp_path, "台账-有错.xlsx", color="紫色")))
    page.get_by_test_id("upload").click()
    table = page.get_by_test_id("error-table")
    expect(table).to_be_visible()
    row = table.locator("tbody tr").first
    expect(row.locator("td").nth(0)).to_have_text("3")
    expect(row.locator("td").nth(1)).to_have_text("四色分类")
    expect(row.locator("td").nth(2)).to_contain_text("紫色")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("count-error")).to_have_text("1")
    expect(page.get_by_test_id("commit")).to_be_disabled()
    assert serious(page) == []
    screenshot(page, "1440-errors")

    page.get_by_test_id("file-input").set_input_files(str(households_file(tmp_path, "台账.xlsx", color="红色")))
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("count-create")).to_have_text("2")
    expect(page.get_by_test_id("count-error")).to_have_text("0")
    expect(page.get_by_test_id("error-table")).to_have_count(0)
    page.get_by_test_id("commit").click()
    expect(page.get_by_test_id("committed")).to_be_visible()
    history = page.get_by_test_id("history")
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history.locator("tbody tr").first).to_contain_text("已导入")
    expect(history.locator("tbody tr").nth(1)).to_contain_text("有错误")
    screenshot(page, "1440-committed")
    assert page.problems == []

    from villages.models import Household

    gao = Household.objects.get(head_name="高永福")
    assert gao.people_count == 2 and gao.color == "yellow"
    assert Household.objects.get(head_name="孔春花").color == "red"


def test_the_page_at_375_px(scenario, cadre, browser, live_server, tmp_path, screenshot):
    page = open_page(browser, **PHONE)
    try:
        sign_in(page, live_server, "cunganbu", "/imports/")
        # the page's app is mounted (its change handler bound) before the file is chosen: under load it may not be yet
        expect(page.get_by_test_id("kind-households")).to_be_visible()
        expect(page.locator("body.pf-ready")).to_have_count(1)
        page.get_by_test_id("file-input").set_input_files(str(households_file(tmp_path, "台账.xlsx", color="紫色")))
        page.get_by_test_id("upload").click()
        expect(page.get_by_test_id("error-table")).to_be_visible()
        expect(page.get_by_test_id("commit")).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert serious(page) == []
        screenshot(page, "375-errors")
        assert page.problems == []
    finally:
        close_page(page)
