"""First sign-in of an account an administrator created: the password page, by keyboard and by label."""
import re

import pytest
from playwright.sync_api import expect


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INITIAL = "Chushi2026x"


@pytest.fixture
def newcomer(scenario):
    from accounts import services

    user = services.user_create(by=scenario.admin, username="xinren", password=INITIAL, display_name="新人")
    services.role_grant(by=scenario.admin, user=user, role="zone_committee", zone=scenario.zone_a)
    return user


def test_first_sign_in_asks_for_a_new_password(scenario, newcomer, live_server, page, screenshot):
    page.goto(f"{live_server.url}/tree/")
    page.fill("#id_username", "xinren")
    page.fill("#id_password", INITIAL)
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(re.compile(r"/account/password/\?next=/tree/$"))
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    expect(page.get_by_test_id("password-forced")).to_be_visible()

    # labelled fields, filled from the keyboard; a mismatch is shown beside its field
    expect(page.get_by_label("原密码")).to_be_focused()
    page.keyboard.type(INITIAL)
    page.keyboard.press("Tab")
    page.keyboard.type("Xinmima2026y")
    page.get_by_label("确认新密码").fill("Xinmima2026z")
    page.keyboard.press("Enter")
    confirm = page.get_by_label("确认新密码")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(confirm).to_be_focused()  # the cursor starts in the first field in error
    expect(page.locator("#id_new_password_confirm_error")).to_have_text("两次输入的新密码不一致。")
    screenshot(page, "password-change-error")

    page.get_by_label("原密码").fill(INITIAL)
    page.get_by_label("新密码", exact=True).fill("Xinmima2026y")
    confirm.fill("Xinmima2026y")
    confirm.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/tree/")
    expect(page.get_by_test_id("user-name")).to_contain_text("新人")
