"""The shell on a phone (375 × 812): the sidebar is a drawer behind a labelled menu button, and every page of the
sidebar (with a household, a zone and a member page) fits the screen: only a table's own scroller may be wider;
each passes axe-core's WCAG 2 A/AA rules (GB/T 37668) there, and the main pages at 1440 px too."""
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, axe_violations, close_page, open_page

from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"
# what sticks out of the page on its right, for the failure message
WIDE = """() => Array.from(document.querySelectorAll('.pf-main *'))
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.el-table, .el-scrollbar'))
  .slice(0, 5).map((el) => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""
# body text smaller than 16 px on a phone (paragraphs, form labels, described values, menu links)
SMALL_TEXT = """() => Array.from(document.querySelectorAll(
    '.pf-main p, .pf-main .el-form-item__label, .pf-main .el-descriptions__content, .pf-aside .pf-menu-link'))
  .filter((el) => el.offsetParent && el.textContent.trim() && parseFloat(getComputedStyle(el).fontSize) < 16)
  .slice(0, 5).map((el) => el.className + ' ' + getComputedStyle(el).fontSize)"""


def sidebar_paths(page):
    menu = json.loads(page.locator("#platform-menu").text_content())
    paths = []
    for item in menu["items"]:
        for entry in item.get("children") or [item]:
            paths.append(entry["path"])
    return paths


def settle(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def test_every_sidebar_page_fits_a_phone_and_the_menu_is_a_drawer(scenario, browser, live_server, screenshot):
    s = scenario
    page = open_page(browser, **PHONE)
    try:
        sign_in(page, live_server, "quji", "/")
        settle(page)

        # the sidebar is folded away; the labelled menu button opens it
        nav = page.get_by_test_id("nav")
        button = page.get_by_role("button", name="打开导航菜单")
        expect(nav).to_be_hidden()
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_have_attribute("aria-controls", "pf-nav")
        screenshot(page, "home-375")

        # keyboard: Enter opens it with the focus on its first link, Escape closes it and the focus comes back
        button.focus()
        page.keyboard.press("Enter")
        close = page.get_by_role("button", name="关闭导航菜单")
        expect(close).to_have_attribute("aria-expanded", "true")
        expect(nav).to_be_visible()
        assert page.evaluate("() => !!document.activeElement.closest('#pf-nav')")
        page.wait_for_timeout(300)
        screenshot(page, "drawer-375")
        page.keyboard.press("Escape")
        expect(nav).to_be_hidden()
        expect(button).to_be_focused()

        # Tab stays in the open drawer; a link in it navigates
        button.click()
        expect(nav).to_be_visible()
        for _ in range(len(sidebar_paths(page)) + 4):
            page.keyboard.press("Tab")
            assert page.evaluate("() => !!document.activeElement.closest('#pf-nav, .pf-nav-button')")
        nav.get_by_role("link", name="户与四色分类").click()
        expect(page).to_have_url(f"{live_server.url}/households/")
        expect(page.get_by_test_id("nav")).to_be_hidden()

        # every page of the sidebar, and a household, a zone and a member: nothing wider than the phone
        paths = sidebar_paths(page)
        assert "/households/" in paths and "/visits/dashboard/" in paths
        paths += [f"/households/{s.households_a[0].pk}/", f"/zones/{s.zone_a.pk}/", f"/members/{s.member_a.pk}/"]
        problems = {}
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            settle(page)
            assert page.evaluate(FITS), (path, page.evaluate(WIDE))
            assert page.evaluate(SMALL_TEXT) == [], (path, page.evaluate(SMALL_TEXT))
            expect(page.get_by_role("button", name="打开导航菜单")).to_be_visible()
            problems[path] = axe_violations(page)
            screenshot(page, "375" + (re.sub(r"[^a-z0-9]+", "-", path).strip("-") or "home"))
        found = {path: each for path, each in problems.items() if each}
        assert found == {}, "\n".join(f"{path}: {line}" for path, each in found.items() for line in each)
        assert page.problems == []
    finally:
        close_page(page)


def test_desktop_keeps_the_sidebar_and_passes_axe(scenario, browser, live_server, screenshot):
    s = scenario
    page = open_page(browser, **DESKTOP)
    try:
        sign_in(page, live_server, "quji", "/")
        expect(page.get_by_test_id("nav")).to_be_visible()
        expect(page.locator(".pf-nav-button")).to_be_hidden()
        expect(page.get_by_test_id("user-name")).to_contain_text("区")
        for path in ["/", "/households/", f"/households/{s.households_a[0].pk}/", f"/zones/{s.zone_a.pk}/",
                     "/mediation/", "/visits/dashboard/"]:
            page.goto(f"{live_server.url}{path}")
            settle(page)
            assert page.evaluate(FITS), path
            assert axe_violations(page) == [], path
            screenshot(page, "1440" + (re.sub(r"[^a-z0-9]+", "-", path).strip("-") or "home"))
        assert page.problems == []
    finally:
        close_page(page)
