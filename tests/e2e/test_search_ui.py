"""The header's global search box: typed pinyin initials list the user's own households, the keyboard opens one;
on a phone it is an icon button that opens the box over the header."""
import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, close_page, open_page

from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_by_initials_and_open_with_the_keyboard(scenario, page, live_server):
    s = scenario
    sign_in(page, live_server, "yanman", "/")
    box = page.get_by_role("textbox", name="全局搜索")
    box.click()
    box.fill("zdf")
    option = page.get_by_role("option").filter(has_text="张德福")
    expect(option).to_be_visible()
    # another zone's household never shows
    box.fill("slb")
    page.wait_for_timeout(800)
    expect(page.get_by_role("option").filter(has_text="孙立本")).to_have_count(0)
    box.fill("张德福")
    expect(page.get_by_role("option").filter(has_text="张德福")).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/households/{s.households_a[0].pk}/")
    assert page.problems == []


def test_phone_search_is_an_icon_button_and_enter_opens_the_first_hit(scenario, browser, live_server):
    s = scenario
    page = open_page(browser, **PHONE)
    try:
        sign_in(page, live_server, "yanman", "/")
        box = page.get_by_role("textbox", name="全局搜索")
        expect(box).to_be_hidden()
        button = page.get_by_role("button", name="打开搜索")
        expect(button).to_have_attribute("aria-expanded", "false")
        button.click()
        expect(box).to_be_visible()
        expect(box).to_be_focused()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
        box.fill("zdf")
        expect(page.get_by_role("option").filter(has_text="张德福")).to_be_visible()
        box.press("Enter")
        expect(page).to_have_url(f"{live_server.url}/households/{s.households_a[0].pk}/")
        assert page.problems == []
    finally:
        close_page(page)


@pytest.fixture
def overdue(scenario):
    """The first household's visit is overdue (set before the browser starts)."""
    import datetime

    from villages.models import Household

    Household.objects.filter(pk=scenario.households_a[0].pk).update(next_visit_due=datetime.date(2024, 1, 2))
    return scenario


def test_the_households_list_marks_an_overdue_visit_date_in_red(overdue, page, live_server):
    sign_in(page, live_server, "yanman", "/households/")
    late = page.get_by_test_id("due").filter(has_text="2024-01-02")
    expect(late).to_contain_text("逾期")
    expect(late).to_have_class("pf-overdue")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.pf-overdue')).color") == "rgb(179, 32, 42)"
    expect(page.locator(".pf-overdue")).to_have_count(1)
    assert page.problems == []
