"""Two administrators' tasks end to end, at 1440 and 375 px (issue 10 §6):

(a) town staff of 明水街道 create a village cadre's account on 用户与角色 with its village role — the roles
    offered stop below their own level and the villages offered are their town's only;
(b) the zone secretary filters the households by colour and exports them: the file opens with openpyxl, holds
    the filtered rows only, phones masked; above the background threshold the page says the export started and
    the inbox's message downloads the same file.
"""
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, close_page, open_page

from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1440": DESKTOP, "375": PHONE}


@pytest.fixture
def town_staff(scenario):
    from accounts.models import Role, RoleAssignment, User
    from tests.e2e.scenario import PASSWORD

    user = User.objects.create_user(username="mingshui", password=PASSWORD, display_name="明水组织办")
    RoleAssignment.objects.create(user=user, role=Role.TOWN_STAFF, town=scenario.town_a)
    return scenario


@pytest.fixture
def background_exports(settings, tmp_path):
    """The export of more than one row goes to the worker, which runs inside the request (eager)."""
    from config.celery import app

    settings.LIST_EXPORT_ASYNC_ROWS = 1
    settings.EXPORT_DIR = tmp_path / "exports"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def _sheet(download):
    with open(download.path(), "rb") as handle:
        rows = list(load_workbook(io.BytesIO(handle.read())).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


def _options(page):
    return [text.strip() for text in page.locator(".el-select-dropdown__item:visible").all_inner_texts()]


@pytest.mark.parametrize("size", list(SIZES))
def test_town_staff_create_a_village_cadre_with_a_village_role(town_staff, browser, live_server, screenshot, size):
    from accounts.models import SecurityAction, SecurityEvent, User

    page = open_page(browser, **SIZES[size])
    try:
        sign_in(page, live_server, "mingshui", "/users/")
        page.get_by_test_id("create-user").click()
        dialog = page.get_by_test_id("create-dialog")
        dialog.get_by_label("用户名").fill("yanman_cun")
        dialog.get_by_label("姓名").fill("闫满村文书")

        dialog.get_by_label("角色", exact=True).click(force=True)  # the placeholder lies over the input
        expect(page.locator(".el-select-dropdown__item:visible", has_text="村两委干部")).to_be_visible()
        offered = _options(page)
        assert "村两委干部" in offered and "工作区党委" in offered
        assert "区级管理员" not in offered and "街道工作人员" not in offered  # their own level and above: never
        page.locator(".el-select-dropdown__item:visible", has_text="村两委干部").first.click()

        dialog.get_by_label("村/社区", exact=True).click()
        dialog.get_by_label("村/社区", exact=True).fill("村")
        expect(page.locator(".el-select-dropdown__item:visible", has_text="闫满村")).to_be_visible()
        assert not any("胡山村" in text for text in _options(page))  # another town's village is not offered
        page.locator(".el-select-dropdown__item:visible", has_text="闫满村").first.click()
        screenshot(page, f"create-dialog-{size}")
        dialog.get_by_role("button", name="创建").click()

        password_dialog = page.get_by_test_id("password-dialog")
        expect(password_dialog).to_contain_text("yanman_cun")
        password = page.get_by_test_id("one-time-password").inner_text().strip()
        password_dialog.get_by_role("button", name="我已记下").click()
        row = page.get_by_test_id("user-table").locator("tr", has_text="yanman_cun")
        expect(row).to_contain_text("村两委干部 · 闫满村")
        screenshot(page, f"users-{size}")

        user = User.objects.get(username="yanman_cun")
        assert user.check_password(password) and user.must_change_password
        assert [(a.role, a.village.name) for a in user.assignments.select_related("village")] == [
            ("village_cadre", "闫满村")]
        assert list(SecurityEvent.objects.filter(username="mingshui").exclude(action=SecurityAction.LOGIN)
                    .order_by("id").values_list("action", flat=True)) == [
            SecurityAction.USER_CREATED, SecurityAction.ROLE_GRANTED]
        assert page.problems == []
    finally:
        close_page(page)


def _filter_red(page):
    page.get_by_text("全部颜色").click()
    page.locator(".el-select-dropdown__item:visible", has_text="红色").first.click()
    page.keyboard.press("Escape")
    expect(page.get_by_text("共 1 条")).to_be_visible()


@pytest.mark.parametrize("size", list(SIZES))
def test_zone_secretary_filters_households_by_colour_and_exports(scenario, browser, live_server, screenshot, size):
    from accounts.models import SecurityAction, SecurityEvent

    page = open_page(browser, **SIZES[size])
    try:
        sign_in(page, live_server, "yanman", "/households/")
        _filter_red(page)
        screenshot(page, f"households-red-{size}")
        with page.expect_download() as info:
            page.get_by_test_id("export-xlsx").click()
        download = info.value
        assert download.suggested_filename.startswith("户-") and download.suggested_filename.endswith(".xlsx")
        header, rows = _sheet(download)
        assert [row[header.index("户主姓名")] for row in rows] == ["王秀英"]  # the filtered row only
        assert rows[0][header.index("电话")] == "139****2345" and "13905312345" not in str(rows)
        assert "phone" not in header and not any("encrypted" in str(h) for h in header)
        expect(page.locator(".el-message--success")).to_contain_text("已导出")
        event = SecurityEvent.objects.get(action=SecurityAction.EXPORT)
        assert event.username == "yanman" and event.detail["rows"] == 1 and event.detail["filters"]["color"] == "red"
        assert page.problems == []
    finally:
        close_page(page)


def test_a_large_export_arrives_in_the_inbox(scenario, background_exports, browser, live_server, screenshot):
    page = open_page(browser, **DESKTOP)
    try:
        sign_in(page, live_server, "yanman", "/households/")
        page.get_by_test_id("export-xlsx").click()  # 3 households > the threshold of 1: the worker writes it
        expect(page.locator(".pf-export-queued")).to_contain_text("导出已开始，完成后在消息中心提供下载链接")
        screenshot(page, "export-queued")

        page.goto(f"{live_server.url}/notifications/")
        message = page.get_by_text("导出完成：户")
        expect(message).to_be_visible()
        screenshot(page, "export-inbox")
        with page.expect_download() as info:
            message.click()
        header, rows = _sheet(info.value)
        assert sorted(row[header.index("户主姓名")] for row in rows) == ["刘长青", "张德福", "王秀英"]
        assert all("****" in (row[header.index("电话")] or "****") for row in rows)
        assert page.problems == []
    finally:
        close_page(page)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_home_overview_exports_its_table(scenario, browser, live_server, screenshot, size):
    page = open_page(browser, **SIZES[size])
    try:
        sign_in(page, live_server, "yanman", "/")
        expect(page.get_by_test_id("stat-households")).to_contain_text("3")
        screenshot(page, f"home-{size}")
        with page.expect_download() as info:
            page.get_by_test_id("export-overview").click()
        download = info.value
        assert download.suggested_filename.startswith("首页统计-")
        with open(download.path(), "rb") as handle:
            book = load_workbook(io.BytesIO(handle.read()))
        assert book.sheetnames == ["概况", "四色分类", "下级统计"]
        figures = {row[0]: row[1] for row in list(book["概况"].iter_rows(values_only=True))[1:]}
        assert figures["户"] == 3  # their zone's, not the district's 5
        expect(page.locator(".el-message--success")).to_contain_text("已导出")
        assert page.problems == []
    finally:
        close_page(page)
