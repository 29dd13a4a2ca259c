"""指标查询 in the browser: a zone secretary sees the figures of the zone in a table and a chart, at 1440 and
375 px, with no serious accessibility violation; the district administrator compares towns year over year."""
import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, axe_violations, close_page, open_page

from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_zone_secretary_reads_the_zone_figures(scenario, page, live_server, screenshot):
    sign_in(page, live_server, "yanman", "/reports/metrics/")
    table = page.get_by_test_id("metric-table")
    expect(table).to_contain_text(scenario.zone_a.name)
    # 2 of the zone's 3 households are linked: the link coverage the registry defines
    expect(table).to_contain_text("66.7%")
    expect(page.get_by_test_id("metric-chart").locator("canvas")).to_be_visible()
    screenshot(page, "1440")
    assert axe_violations(page) == []


def test_metrics_page_on_a_phone(scenario, browser, live_server, screenshot):
    page = open_page(browser, **PHONE)
    try:
        sign_in(page, live_server, "yanman", "/reports/metrics/")
        expect(page.get_by_test_id("metric-table")).to_contain_text(scenario.zone_a.name)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
        screenshot(page, "375")
    finally:
        close_page(page)


def test_district_compares_towns_year_over_year(scenario, page, live_server):
    sign_in(page, live_server, "quji", "/reports/metrics/")
    page.locator("#rp-level").click(force=True)
    page.locator(".el-select-dropdown__item:visible", has_text="街道(镇)").first.click()
    page.get_by_text("同比（上年同期）").click()
    page.get_by_test_id("query").click()
    table = page.get_by_test_id("metric-table")
    expect(table).to_contain_text(scenario.town_a.name)
    expect(table).to_contain_text(scenario.town_b.name)
    expect(table).to_contain_text("上年")
