"""On a phone (375 px): a grid member logs a visit that found a dispute and opens a case from it in the same form;
the new work pages (需跟进, 四色调整审核, 走访策略, 调解室与轮值人员) pass axe there and at 1440 px."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, axe_violations, close_page, open_page

from .scenario import PASSWORD
from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIOUS = ("(serious)", "(critical)")
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"


def serious(lines):
    return [line for line in lines if any(level in line for level in SERIOUS)]


def settle(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


@pytest.fixture
def gridder(scenario):
    """The grid worker of 闫满村第一网格, with an account (built before the browser starts)."""
    from accounts.models import Role
    from tests.factories import make_user
    from villages.services import grid_update

    grid = scenario.households_a[0].grid
    user = make_user(Role.GRID_MEMBER, grid, username="wangge", display_name="李网格")
    user.set_password(PASSWORD)
    user.save()
    grid_update(grid=grid, worker_user=user)
    return user


def test_grid_member_logs_a_visit_and_opens_a_case_on_a_phone(scenario, gridder, browser, live_server, screenshot):
    from mediation.models import DisputeCase
    from visits.models import Visit

    red = scenario.households_a[1]  # 王秀英, red: due within the week
    page = open_page(browser, **PHONE)
    try:
        sign_in(page, live_server, "wangge", "/visits/my/")
        settle(page)
        page.get_by_test_id("tabs").get_by_text("到期").click()
        card = page.get_by_test_id("due-card").filter(has_text=red.head_name)
        expect(card).to_be_visible()
        card.get_by_test_id("detail-log").click()
        sheet = page.get_by_test_id("visit-sheet")
        expect(sheet).to_be_visible()
        expect(page.get_by_test_id("visit-to-case")).to_have_count(0)  # offered only when a concern is recorded
        page.get_by_test_id("visit-concerns").fill("与邻居因宅前排水沟堵塞多次争吵，需要调解。")
        page.get_by_test_id("to-case-toggle").click()
        title = page.get_by_test_id("case-title")
        expect(title).to_have_value(re.compile("排水沟"))
        # the category is required: submitting without it names the field and writes nothing
        page.get_by_test_id("visit-submit").click()
        expect(sheet.get_by_text("请选择纠纷类别。")).to_be_visible()
        assert not Visit.objects.filter(household=red).exists()
        title.fill("宅前排水沟堵塞引发邻里纠纷")
        page.get_by_test_id("case-category").get_by_text("邻里纠纷").click()
        page.get_by_test_id("follow-up-switch").click()
        page.get_by_test_id("follow-up-note").fill("协调后回访两户")
        assert page.evaluate(FITS)
        screenshot(page, "sheet-375")
        assert serious(axe_violations(page)) == []
        expect(page.get_by_test_id("visit-submit")).to_contain_text("并转为案件")
        page.get_by_test_id("visit-submit").click()
        expect(page.get_by_text(re.compile("已登记纠纷案件：宅前排水沟堵塞引发邻里纠纷"))).to_be_visible()
        expect(sheet).to_be_hidden()
        settle(page)
        screenshot(page, "after-375")

        visit = Visit.objects.get(household=red)
        assert visit.created_by_id == gridder.pk and "排水沟" in visit.concerns and visit.follow_up_needed
        case = DisputeCase.objects.get(visit=visit)
        assert case.title == "宅前排水沟堵塞引发邻里纠纷" and case.category == "neighbour"
        assert case.received_by_id == gridder.pk and case.village_id == red.village_id
        assert case.parties.filter(name=red.head_name).exists()  # the household head is the applicant

        # the visit's page offers the same later (e.g. when a case was not opened while logging)
        page.goto(f"{live_server.url}/visits/households/{red.pk}/")
        settle(page)
        page.get_by_test_id("visit-raise-case").first.click()
        dialog = page.get_by_test_id("case-dialog")
        expect(dialog.locator("#cd-title")).to_have_value(re.compile("排水沟"))
        dialog.get_by_role("button", name="登记案件").click()
        expect(dialog.get_by_text("请选择纠纷类别。")).to_be_visible()
        assert page.evaluate(FITS)
        assert serious(axe_violations(page)) == []
        screenshot(page, "case-dialog-375")
        dialog.get_by_role("button", name="取消").click()
        assert DisputeCase.objects.filter(visit=visit).count() == 1

        # the follow-up is on the grid's work list; handled there with its result
        page.goto(f"{live_server.url}/visits/follow-ups/")
        settle(page)
        card = page.get_by_test_id("follow-up-card").filter(has_text=red.head_name)
        expect(card).to_contain_text("协调后回访两户")
        card.get_by_test_id("follow-up-done").click()
        done = page.get_by_test_id("done-dialog")
        done.get_by_test_id("done-submit").click()
        expect(done.get_by_text("请填写跟进结果。")).to_be_visible()  # beside the field
        screenshot(page, "follow-up-done-375")
        page.get_by_test_id("done-result").fill("已回访，两户同意调解")
        done.get_by_test_id("done-submit").click()
        expect(page.get_by_text(re.compile("已办结："))).to_be_visible()
        visit.refresh_from_db()
        assert visit.follow_up_result == "已回访，两户同意调解" and visit.follow_up_done_by_id == gridder.pk

        # the grid member's work pages on the phone: they fit and pass axe (no serious or critical violation)
        for path in ["/visits/follow-ups/", "/visits/color-review/"]:
            page.goto(f"{live_server.url}{path}")
            settle(page)
            assert page.evaluate(FITS), path
            assert serious(axe_violations(page)) == [], path
            screenshot(page, "375" + re.sub(r"[^a-z0-9]+", "-", path).rstrip("-"))
        assert page.problems == []
    finally:
        close_page(page)


def test_new_pages_at_1440_pass_axe(scenario, browser, live_server, screenshot):
    from mediation.services import room_save

    room_save(zone=scenario.zone_a, place="闫满村党群服务中心二楼", phone="0531-83210000")
    page = open_page(browser, **DESKTOP)
    try:
        sign_in(page, live_server, "yanman", "/mediation/rooms/")
        settle(page)
        expect(page.get_by_test_id("room-table")).to_contain_text("闫满村党群服务中心二楼")
        # add an officer through the form
        page.get_by_test_id("new-officer").click()
        dialog = page.locator(".pf-record-form")
        dialog.locator("#rf-name").fill("李文华")
        dialog.get_by_role("button", name="保存").click()
        expect(page.get_by_test_id("officer-table")).to_contain_text("李文华")
        screenshot(page, "rooms-1440")
        for path in ["/mediation/rooms/", "/visits/policies/", "/visits/color-review/", "/visits/follow-ups/",
                     "/mediation/rota/"]:
            page.goto(f"{live_server.url}{path}")
            settle(page)
            assert serious(axe_violations(page)) == [], path
            screenshot(page, "1440" + re.sub(r"[^a-z0-9]+", "-", path).rstrip("-"))
        # the policy page: preview, then save
        page.goto(f"{live_server.url}/visits/policies/")
        settle(page)
        page.locator("#vp-red-days").fill("5")
        page.get_by_test_id("policy-preview-button").click()
        expect(page.get_by_test_id("policy-preview")).to_contain_text("1 户")
        screenshot(page, "policy-preview-1440")
        page.get_by_test_id("policy-save").click()
        page.get_by_role("button", name="保存", exact=True).last.click()
        expect(page.get_by_text(re.compile("走访策略已保存"))).to_be_visible()
        assert page.problems == []
    finally:
        close_page(page)
