"""In a real browser: a village cadre opens a case and escalates it, the zone's duty officer resolves it,
and after the follow-up job the follow-up visits appear on the case."""
import re
from pathlib import Path

import pytest
from django.db import connection

from mediation import services
from tests.browser import RESULTS, chromium, close_page, open_page, screenshot
from tests.factories import PASSWORD

from .conftest import agreement_args, new_case, on_duty_today


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def duty(world):
    """Built before the browser starts: the deputy secretary sits in zone A's room today."""
    on_duty_today(world, officer_index=1)
    return world


@pytest.fixture
def figures(duty):
    """A few cases with outcomes for the statistics page (built before the browser starts)."""
    w = duty
    for title, category, escalate in (("邻里噪音纠纷", "neighbour", False), ("赡养老人纠纷", "family", False),
                                      ("土地流转租金纠纷", "land", True)):
        case = services.case_classify(case=new_case(w, title=title, category=category), by=w.zone_a_user)
        if escalate:
            case = services.case_escalate(case=case, by=w.zone_a_user)
        case = services.case_start_mediation(case=case, by=w.zone_a_user)
        services.case_resolve(case=case, by=w.zone_a_user, **agreement_args(case))
    new_case(w, village=w.village_a2, by=w.cadre_a2, source="hotline", category="property", title="物业收费纠纷")
    return w


@pytest.fixture
def browser(chromium_path):
    with chromium(chromium_path) as browser:
        yield browser


@pytest.fixture
def new_page(browser):
    pages = []

    def make():
        pages.append(open_page(browser))
        return pages[-1]

    yield make
    for page in pages:
        close_page(page)


def shot(page, name: str) -> Path:
    return screenshot(page, f"mediation-{name}")


def sign_in(page, live_server, username, next_path):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}{next_path}")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(f"{live_server.url}{next_path}")


def act(page, action: str, fill=None):
    from playwright.sync_api import expect

    page.get_by_test_id(f"action-{action}").click()
    dialog = page.locator(".el-dialog").filter(has=page.get_by_test_id("action-submit"))
    expect(dialog).to_be_visible()
    if fill:
        fill(dialog)
    dialog.get_by_test_id("action-submit").click()
    expect(dialog).to_be_hidden()


def test_village_opens_zone_duty_officer_resolves_follow_up_appears(duty, live_server, new_page):
    from playwright.sync_api import expect

    w = duty
    # --- the village cadre receives the dispute --------------------------------------------------
    page = new_page()
    sign_in(page, live_server, "cadre_a1", "/mediation/cases/new/")
    page.get_by_test_id("intake-source").get_by_text("12345热线").click()
    page.get_by_test_id("intake-category").click()
    page.locator(".el-select-dropdown__item", has_text="土地/宅基地").click()
    page.get_by_test_id("intake-title").fill("宅基地边界纠纷")
    page.get_by_test_id("intake-description").fill("两户因新建院墙占用宅基地边界发生争执。")
    page.get_by_test_id("party-name-0").fill("张德福")
    page.get_by_test_id("party-phone-0").fill("13805311234")
    page.get_by_test_id("party-name-1").fill("王长贵")
    page.get_by_test_id("intake-submit").click()
    expect(page).to_have_url(re.compile(r"/mediation/cases/\d+/$"))
    case_url = page.url
    expect(page.get_by_test_id("case-state")).to_have_text("受理")
    expect(page.get_by_test_id("parties")).to_contain_text("138****1234")

    act(page, "classify")
    expect(page.get_by_test_id("case-state")).to_have_text("分类处置")
    act(page, "escalate", lambda d: d.get_by_test_id("action-note").fill("涉及两村边界，需工作区协调"))
    expect(page.get_by_test_id("case-state")).to_have_text("上交")
    expect(page.get_by_test_id("case-level")).to_have_text("工作区")
    expect(page.get_by_test_id("case-assignee")).to_contain_text("高副书记")  # the duty officer of the day
    expect(page.get_by_test_id("next-actions")).to_contain_text("案件目前不由您办理")
    expect(page.get_by_test_id("timeline")).to_contain_text("涉及两村边界")
    shot(page, "1-escalated-village-view")
    assert page.problems == []

    # --- the zone's duty officer takes it up and resolves it ------------------------------------------
    zone = new_page()
    sign_in(zone, live_server, "zone_a_deputy", "/mediation/")
    column = zone.get_by_test_id("column-escalated")
    expect(column).to_contain_text("宅基地边界纠纷")
    shot(zone, "2-board")
    column.get_by_text("宅基地边界纠纷").click()
    expect(zone).to_have_url(case_url)
    act(zone, "start-mediation")
    expect(zone.get_by_test_id("case-state")).to_have_text("调处中")

    def agreement(dialog):
        dialog.get_by_test_id("resolve-terms").fill("张德福拆除越界院墙0.3米，王长贵承担一半费用。")
        dialog.get_by_test_id("resolve-mediators").fill("高志强、王律师")

    act(zone, "resolve", agreement)
    expect(zone.get_by_test_id("case-state")).to_have_text("化解")
    expect(zone.get_by_test_id("agreement")).to_contain_text("拆除越界院墙")
    shot(zone, "3-resolved")

    # the printable agreement
    with zone.expect_popup() as popup:
        zone.get_by_test_id("print-agreement").click()
    sheet = popup.value
    expect(sheet.get_by_test_id("agreement-sheet")).to_contain_text("人民调解协议书")
    expect(sheet.get_by_test_id("agreement-sheet")).to_contain_text("王长贵承担一半费用")
    sheet.wait_for_load_state("networkidle")
    RESULTS.mkdir(exist_ok=True)
    sheet.screenshot(path=str(RESULTS / "mediation-4-agreement.png"), full_page=True)
    sheet.close()

    # --- the beat job schedules the follow-ups; they appear on the case --------------------------------
    result = services.follow_ups_schedule()
    connection.close()  # this call ran in Playwright's context: leave no connection behind
    assert result["scheduled"] == 1
    zone.reload()
    expect(zone.get_by_test_id("case-state")).to_have_text("回访")
    follow_ups = zone.get_by_test_id("follow-ups")
    expect(follow_ups).to_contain_text("第1次")
    expect(follow_ups).to_contain_text("第2次")
    expect(follow_ups.get_by_text("待回访")).to_have_count(2)
    zone.get_by_test_id("record-follow-up-1").click()
    dialog = zone.locator(".el-dialog").filter(has=zone.get_by_test_id("action-submit"))
    dialog.get_by_test_id("action-submit").click()
    expect(follow_ups.get_by_text("满意")).to_be_visible()
    expect(follow_ups.get_by_text("待回访")).to_have_count(1)
    expect(zone.get_by_test_id("timeline")).to_contain_text("第1次回访")
    shot(zone, "5-follow-up")
    assert zone.problems == []
    assert w.cadre_a1.username == "cadre_a1"


def test_zone_generates_its_rota_and_reads_the_figures(figures, live_server, new_page):
    from playwright.sync_api import expect

    page = new_page()
    sign_in(page, live_server, "zone_a", "/mediation/rota/")
    expect(page.get_by_test_id("on-duty-today")).to_contain_text("高志强")
    page.get_by_test_id("generate-rota").click()
    page.get_by_test_id("generate-submit").click()
    expect(page.locator(".el-message--error")).to_contain_text("已有排班")  # today has a shift already
    assert page.problems == ["控制台错误：Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.problems.clear()
    page.locator(".el-dialog .el-switch").click()  # 覆盖原排班
    page.get_by_test_id("generate-submit").click()
    expect(page.locator(".el-message--success, .el-message--warning")).to_contain_text("已生成")
    calendar = page.get_by_test_id("rota-calendar")
    expect(calendar.locator(".md-shift").first).to_be_visible()
    for name in ("李文华", "高志强", "石建军"):
        expect(calendar.get_by_text(name).first).to_be_visible()
    shot(page, "6-rota")
    assert page.problems == []

    page.goto(f"{live_server.url}/mediation/statistics/")
    expect(page.get_by_test_id("kpi-received")).to_have_text("4")
    expect(page.get_by_test_id("stats-table")).to_contain_text("闫满党建工作区")
    page.get_by_test_id("group-by").get_by_text("按村").click()
    expect(page.get_by_test_id("stats-table")).to_contain_text("石匣村")
    expect(page.get_by_test_id("chart-source").locator("canvas")).to_have_count(1)
    shot(page, "7-statistics")
    assert page.problems == []
