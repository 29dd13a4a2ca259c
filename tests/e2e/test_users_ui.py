"""The users-and-roles page in a real browser: a zone committee creates an account with its first role, sees the
one-time password once, gets a refusal beside the field, and grants a second role."""
import pytest
from playwright.sync_api import expect

from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _choose(page, dialog, label, option, search=None):
    dialog.get_by_label(label, exact=True).click()
    if search:
        dialog.get_by_label(label, exact=True).fill(search)
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


def test_zone_committee_creates_an_account_and_grants_a_role(scenario, live_server, page, screenshot):
    from accounts.models import SecurityAction, SecurityEvent, User

    sign_in(page, live_server, "yanman", "/users/")
    expect(page.get_by_test_id("user-table")).to_contain_text("yanman")

    page.get_by_test_id("create-user").click()
    dialog = page.get_by_test_id("create-dialog")
    dialog.get_by_label("用户名").fill("quji")  # taken: the refusal shows beside the field
    _choose(page, dialog, "村/社区", "闫满村", "闫满")
    dialog.get_by_role("button", name="创建").click()
    expect(dialog.locator(".el-form-item__error")).to_contain_text("已存在")

    dialog.get_by_label("用户名").fill("xiaowang")
    dialog.get_by_label("姓名").fill("小王")
    dialog.get_by_role("button", name="创建").click()
    password_dialog = page.get_by_test_id("password-dialog")
    expect(password_dialog).to_contain_text("xiaowang")
    password = page.get_by_test_id("one-time-password").inner_text().strip()
    assert User.objects.get(username="xiaowang").check_password(password)
    screenshot(page, "users-one-time-password")
    password_dialog.get_by_role("button", name="我已记下").click()

    row = page.get_by_test_id("user-table").locator("tr", has_text="xiaowang")
    expect(row).to_contain_text("村两委干部 · 闫满村")
    row.get_by_role("button", name="授予角色").click()
    grant = page.get_by_test_id("grant-dialog")
    _choose(page, grant, "微网格", "第一网格")
    grant.get_by_role("button", name="授予").click()
    expect(row).to_contain_text("网格员/联户党员 · 第一网格")
    screenshot(page, "users")
    assert SecurityEvent.objects.filter(action=SecurityAction.ROLE_GRANTED, username="yanman").count() == 2
    # the one expected refusal (the taken username) is the only failed request
    assert [p for p in page.problems if "status of 400" not in p] == []
    assert len(page.problems) == 1


def test_my_account_shows_my_roles_and_a_password_link(scenario, live_server, page):
    sign_in(page, live_server, "yanman", "/account/")
    expect(page.get_by_test_id("my-roles")).to_contain_text("工作区党委")
    expect(page.get_by_test_id("my-tokens")).to_contain_text("没有有效的 API 令牌")
    expect(page.get_by_role("link", name="修改密码")).to_have_attribute("href", "/account/password/?next=/account/")
    assert page.problems == []
