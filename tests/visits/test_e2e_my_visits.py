"""我的走访 on a phone (375 px) in Debian's Chromium: a grid member logs a visit and the household leaves the overdue list."""
import datetime
import re

import pytest
from django.db import connections
from django.utils import timezone

from accounts.models import Role
from tests import factories as f
from tests.browser import PHONE, chromium, close_page, open_page, screenshot
from villages.models import Household
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def households(transactional_db):
    """Built before the browser starts (see tests/e2e/conftest.py on why)."""
    today = timezone.localdate()
    zone = f.WorkZoneFactory(name="闫满党建工作区")
    village = f.VillageFactory(zone=zone, name="闫满村")
    grid = f.MicroGridFactory(natural_village=f.NaturalVillageFactory(village=village, name="东闫满"), name="第一网格")
    member = f.PartyMemberFactory(branch=f.PartyBranchFactory(village=village), name="陈建国")
    f.make_user(Role.GRID_MEMBER, None, member=member, username="chenjianguo", display_name="陈建国")
    red = f.HouseholdFactory(grid=grid, head_name="王秀英", color="red", tags=["独居老人", "重病"], address="闫满村东街15号")
    yellow = f.HouseholdFactory(grid=grid, head_name="张德福", color="yellow", tags=["低保"], address="闫满村东街12号")
    green = f.HouseholdFactory(grid=grid, head_name="刘长青", color="green", address="闫满村西街3号")
    for household in (red, yellow, green):
        f.HouseholdLinkFactory(member=member, household=household)
    Household.objects.filter(pk=red.pk).update(next_visit_due=today - datetime.timedelta(days=3))
    Household.objects.filter(pk=yellow.pk).update(next_visit_due=today + datetime.timedelta(days=2))
    return {"red": red, "yellow": yellow, "green": green, "today": today}


@pytest.fixture
def phone(chromium_path):
    with chromium(chromium_path) as browser:
        page = open_page(browser, **PHONE)
        try:
            yield page
        finally:
            close_page(page)
            # ORM calls made while Playwright's loop ran opened connections in another context: close them
            connections.close_all()


def shot(page, name):
    return screenshot(page, f"visits-my-visits-{name}")


def test_grid_member_logs_a_visit_on_a_phone_and_the_household_leaves_the_overdue_list(households, live_server, phone):
    from playwright.sync_api import expect

    page, red, yellow, today = phone, households["red"], households["yellow"], households["today"]
    page.goto(f"{live_server.url}/visits/my/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.fill("#id_username", "chenjianguo")
    page.fill("#id_password", f.PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(f"{live_server.url}/visits/my/")

    expect(page.get_by_role("heading", name="我的走访")).to_be_visible()
    expect(page.get_by_test_id("count-overdue")).to_have_text("1")
    expect(page.get_by_test_id("count-due")).to_have_text("1")
    cards = page.get_by_test_id("due-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("王秀英")
    expect(cards.first.get_by_test_id("due-text")).to_have_text("逾期 3 天")
    # the page fits the phone: nothing wider than the screen, the sidebar is out of the way
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    expect(page.locator(".pf-aside")).to_be_hidden()
    shot(page, "1-overdue")

    # one tap: logged today, in person
    cards.first.get_by_test_id("quick-log").tap()
    expect(page.get_by_text("已登记 王秀英 户的走访")).to_be_visible()
    expect(page.get_by_test_id("count-overdue")).to_have_text("0")
    expect(page.get_by_test_id("due-card")).to_have_count(0)
    expect(page.get_by_text("没有逾期的户")).to_be_visible()
    shot(page, "2-logged")
    visit = Visit.objects.get(household=red)
    assert (visit.visited_on, visit.method, visit.visitor_member.name) == (today, "in_person", "陈建国")
    red.refresh_from_db()
    assert red.next_visit_due == today + datetime.timedelta(days=7)

    # the detailed form, for the household due in two days
    page.get_by_test_id("tabs").get_by_text("到期").tap()
    card = page.get_by_test_id("due-card").filter(has_text="张德福")
    expect(card.get_by_test_id("due-text")).to_have_text("2 天后到期")
    card.get_by_test_id("detail-log").tap()
    sheet = page.get_by_test_id("visit-sheet")
    expect(sheet.get_by_text("了解困难诉求")).to_be_visible()  # the yellow policy's content
    sheet.get_by_text("了解困难诉求").tap()
    sheet.get_by_text("民情信息收集员").tap()
    sheet.get_by_text("电话", exact=True).tap()
    page.get_by_test_id("visit-concerns").fill("低保年审材料需要帮忙准备")
    shot(page, "3-sheet")
    page.get_by_test_id("visit-submit").tap()
    expect(page.get_by_text("走访已保存")).to_be_visible()
    expect(page.get_by_test_id("due-card").filter(has_text="张德福")).to_have_count(0)
    visit = Visit.objects.get(household=yellow)
    assert (visit.method, visit.content, visit.duties, visit.concerns) == (
        "phone", ["了解困难诉求"], ["concerns"], "低保年审材料需要帮忙准备")

    # the household's visit file shows both the visit and its color
    page.goto(f"{live_server.url}/visits/households/{red.pk}/")
    expect(page.get_by_test_id("household-title")).to_have_text("王秀英户")
    expect(page.get_by_test_id("visits")).to_contain_text("陈建国")
    shot(page, "4-household")
    assert page.problems == []


@pytest.fixture
def zone_world(transactional_db):
    """A zone whose red household is two weeks overdue, after the daily job has escalated it."""
    from visits import reminders, services

    today = timezone.localdate()
    zone = f.WorkZoneFactory(name="闫满党建工作区")
    secretary = f.make_user(Role.ZONE_COMMITTEE, zone, username="yanman", display_name="李文华")
    for v, name in enumerate(("闫满村", "石匣村")):
        village = f.VillageFactory(zone=zone, name=name)
        grid = f.MicroGridFactory(natural_village=f.NaturalVillageFactory(village=village))
        for i, color in enumerate(("green", "yellow", "orange", "red", "green")):
            household = f.HouseholdFactory(grid=grid, color=color)
            if i % 2 == 0:  # some visited today: coverage is not nil
                services.visit_log(household=household, author=secretary, visited_on=today)
            Household.objects.filter(pk=household.pk).update(
                next_visit_due=today - datetime.timedelta(days=14 if color == "red" and v == 0 else -3 * i))
    reminders.reminder_job_run(on=today)
    reminders.coverage_snapshot_take(on=today - datetime.timedelta(days=1))
    return zone


@pytest.fixture
def desktop(chromium_path):
    with chromium(chromium_path) as browser:
        page = open_page(browser, viewport={"width": 1366, "height": 900})
        try:
            yield page
        finally:
            close_page(page)
            connections.close_all()


def test_zone_dashboard_and_the_escalation_in_the_inbox(zone_world, live_server, desktop):
    from playwright.sync_api import expect

    page = desktop
    page.goto(f"{live_server.url}/login/?next=/notifications/")
    page.fill("#id_username", "yanman")
    page.fill("#id_password", f.PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(f"{live_server.url}/notifications/")
    note = page.get_by_test_id("note").first
    expect(note).to_contain_text("走访逾期上报（工作区）")
    expect(note).to_contain_text("红色户 1 户")
    expect(page.get_by_test_id("unread-badge")).to_be_visible()
    shot(page, "5-inbox")
    note.click()
    expect(page).to_have_url(re.compile(r"/visits/dashboard/"))
    expect(page.get_by_role("heading", name=re.compile("走访看板 · 闫满党建工作区"))).to_be_visible()
    expect(page.get_by_test_id("kpi-overdue")).to_have_text("1")
    for chart in ("chart-mix", "chart-villages", "chart-trend"):
        expect(page.get_by_test_id(chart).locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("village-table")).to_contain_text("石匣村")
    shot(page, "6-dashboard")
    assert page.problems == []
