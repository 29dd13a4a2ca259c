"""A monthly report filed in the browser: the zone secretary opens it, writes a highlight, attaches a photo and
submits; the town returns it with a comment; the secretary fixes it and resubmits; the town approves; the district
sees the completeness table. Screenshots at 1440 and 375 px."""
import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, axe_violations, close_page, open_page

from .scenario import PASSWORD
from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def town_staff(scenario):
    from accounts.models import Role, RoleAssignment, User

    user = User.objects.create_user(username="mingshui", password=PASSWORD, display_name="街道组织委员")
    RoleAssignment.objects.create(user=user, role=Role.TOWN_STAFF, town=scenario.town_a)
    return user


def _last_month() -> str:
    day = datetime.date.today().replace(day=1) - datetime.timedelta(days=1)
    return f"{day.year}-{day.month:02d}"


def test_monthly_report_returned_fixed_and_approved(scenario, town_staff, browser, live_server, screenshot, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "主题党日.png"
    photo.write_bytes(PNG)

    page = open_page(browser)
    try:
        sign_in(page, live_server, "yanman", "/reports/")
        page.get_by_test_id("open-report").click()
        page.get_by_test_id("open-confirm").click()
        expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
        expect(page.get_by_test_id("report-state")).to_have_text("草稿")
        page.locator("#rp-highlights").fill("开展主题党日活动，走访群众。")
        page.get_by_test_id("save").click()
        page.get_by_test_id("upload").set_input_files(str(photo))
        expect(page.locator(".rp-attachment")).to_have_count(1)
        screenshot(page, "draft-1440")
        assert axe_violations(page) == []
        page.get_by_test_id("submit").click()
        expect(page.get_by_test_id("report-state")).to_have_text("已提交")
        report_url = page.url
    finally:
        close_page(page)

    page = open_page(browser)
    try:
        sign_in(page, live_server, "mingshui", "/reports/")
        page.goto(report_url)
        page.get_by_test_id("return").click()
        page.locator("#rp-comment").fill("请补充存在的问题。")
        page.get_by_test_id("review-confirm").click()
        expect(page.get_by_test_id("report-state")).to_have_text("已退回")
    finally:
        close_page(page)

    page = open_page(browser, **PHONE)
    try:
        sign_in(page, live_server, "yanman", report_url.replace(live_server.url, ""))
        expect(page.get_by_test_id("return-comment")).to_contain_text("请补充存在的问题")
        page.locator("#rp-problems").fill("个别网格走访滞后。")
        page.get_by_test_id("submit").click()
        expect(page.get_by_test_id("report-state")).to_have_text("已提交")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
        screenshot(page, "resubmitted-375")
    finally:
        close_page(page)

    page = open_page(browser)
    try:
        sign_in(page, live_server, "mingshui", report_url.replace(live_server.url, ""))
        page.get_by_test_id("approve").click()
        page.get_by_test_id("review-confirm").click()
        expect(page.get_by_test_id("report-state")).to_have_text("已审核")
        expect(page.get_by_test_id("timeline")).to_contain_text("退回")
    finally:
        close_page(page)

    page = open_page(browser)
    try:
        sign_in(page, live_server, "quji", "/reports/completeness/")
        table = page.get_by_test_id("completeness-table")
        expect(table).to_contain_text(scenario.town_a.name)
        expect(table).to_contain_text("合计")
        expect(table).to_contain_text("50.0%")  # town A: one of its one zone… the district: 1 of 2 zones filed
        screenshot(page, "completeness-1440")
        assert axe_violations(page) == []
    finally:
        close_page(page)
