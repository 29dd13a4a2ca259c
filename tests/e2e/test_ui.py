"""The admin UI in a real browser: a zone secretary sees only their zone, and opens a household."""
import re

import pytest
from playwright.sync_api import expect

from .scenario import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username, next_path):
    page.goto(f"{live_server.url}{next_path}")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    expect(page.get_by_role("heading", name="账号登录")).to_be_visible()
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(f"{live_server.url}{next_path}")


def test_zone_secretary_sees_only_their_zone_and_opens_a_household(scenario, live_server, page, screenshot):
    s = scenario
    sign_in(page, live_server, "yanman", "/households/")

    # header: the user's name and role from /api/me/
    expect(page.get_by_test_id("user-name")).to_contain_text("李文华")
    expect(page.locator(".pf-role-tag")).to_contain_text("工作区党委 · 闫满党建工作区")

    # households: zone A only
    table = page.get_by_test_id("household-table")
    for household in s.households_a:
        expect(table.get_by_text(household.head_name, exact=True)).to_be_visible()
    expect(page.get_by_text("共 3 条")).to_be_visible()
    for household in s.households_b:
        expect(table.get_by_text(household.head_name)).to_have_count(0)
    expect(table.locator(".pf-color-tag").first).to_be_visible()
    screenshot(page, "households")

    # the text filter also matches pinyin initials: "wxy" finds 王秀英
    page.get_by_test_id("filter-q").fill("wxy")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("共 1 条")).to_be_visible()
    expect(table.get_by_text("王秀英")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=wxy"))

    # the tree: only their town, and in it only their zone
    page.goto(f"{live_server.url}/tree/")
    tree = page.get_by_test_id("tree")
    expect(tree.get_by_text("明水街道")).to_be_visible()
    expect(tree.get_by_text("埠村街道")).to_have_count(0)
    tree.get_by_text("明水街道").click()
    expect(tree.get_by_text("闫满党建工作区")).to_be_visible()
    expect(tree.get_by_text("胡山党建工作区")).to_have_count(0)
    tree.get_by_text("闫满党建工作区").click()
    expect(tree.get_by_text("闫满村", exact=True)).to_be_visible()
    expect(tree.get_by_test_id("tree-node-village")).to_contain_text("户 3")
    tree.get_by_text("闫满村", exact=True).click()
    tree.get_by_text("东闫满").click()
    expect(tree.get_by_test_id("tree-node-grid")).to_contain_text("第一网格")
    screenshot(page, "tree")

    # open a household from the list: its head name, linked member and change history
    page.goto(f"{live_server.url}/households/")
    page.get_by_test_id("household-table").get_by_text("张德福").click()
    expect(page).to_have_url(f"{live_server.url}/households/{s.households_a[0].pk}/")
    expect(page.get_by_test_id("household-title")).to_have_text("张德福户")
    expect(page.get_by_test_id("linked-member")).to_contain_text("陈建国")
    history = page.get_by_test_id("history")
    expect(history.get_by_text("修改")).to_be_visible()
    expect(history).to_contain_text("人口数")
    expect(history).to_contain_text("残疾")
    expect(history.get_by_text("创建")).to_be_visible()

    # the full phone only through the logged reveal action
    expect(page.get_by_test_id("phone")).to_have_text("138****1234")
    page.get_by_role("button", name="查看完整号码").click()
    expect(page.get_by_test_id("phone")).to_have_text("13805311234")
    screenshot(page, "household-detail")

    assert page.problems == []

    # a household of the other zone is not there at all
    response = page.goto(f"{live_server.url}/households/{s.households_b[0].pk}/")
    assert response.status == 404
    expect(page.get_by_text("不在您的管辖范围内")).to_be_visible()


def test_home_zone_page_and_chinese_api_errors(scenario, live_server, page, screenshot):
    s = scenario
    sign_in(page, live_server, "quji", "/")

    # home: live counts over the whole district and the four-color chart
    expect(page.get_by_test_id("scope")).to_contain_text("区级管理员")
    expect(page.get_by_test_id("stat-zones")).to_contain_text("2")
    expect(page.get_by_test_id("stat-households")).to_contain_text("5")
    expect(page.get_by_test_id("stat-unlinked_households")).to_contain_text("2")
    expect(page.get_by_test_id("color-chart").locator("canvas")).to_have_count(1)
    screenshot(page, "home")

    # the work-zone page: committee, offices, cadres and the flags as warnings
    page.goto(f"{live_server.url}/zones/{s.zone_a.pk}/")
    expect(page.get_by_test_id("zone-title")).to_have_text("闫满党建工作区")
    expect(page.get_by_test_id("committee")).to_contain_text("李文华")
    expect(page.get_by_test_id("offices")).to_contain_text("党群工作办公室")
    expect(page.get_by_test_id("cadres")).to_contain_text("郑晓明")
    expect(page.get_by_test_id("zone-flags")).to_contain_text("下沉干部不足15人")
    expect(page.get_by_test_id("zone-villages")).to_contain_text("郑晓明")
    screenshot(page, "zone")

    page.goto(f"{live_server.url}/zones/{s.zone_b.pk}/")
    expect(page.get_by_test_id("zone-flags")).to_contain_text("没有在岗党建指导员")
    expect(page.get_by_test_id("zone-flags")).to_contain_text("胡山村")

    # members list and detail
    page.goto(f"{live_server.url}/members/?q=cjg")
    expect(page.get_by_test_id("member-table").get_by_text("陈建国")).to_be_visible()
    expect(page.get_by_text("共 1 条")).to_be_visible()
    page.get_by_test_id("member-table").get_by_text("陈建国").click()
    expect(page.get_by_test_id("member-title")).to_have_text("陈建国")
    expect(page.get_by_test_id("member-links")).to_contain_text("张德福")
    expect(page.get_by_test_id("id-number")).to_contain_text("********")
    screenshot(page, "member")
    assert page.problems == []

    # a bad filter: the API's 400 message is shown, in Chinese, naming the field
    page.goto(f"{live_server.url}/households/?color=purple")
    expect(page.locator(".el-message--error")).to_contain_text("四色分类：")
    expect(page.get_by_test_id("household-table")).to_contain_text("暂无数据")
    screenshot(page, "api-error")
