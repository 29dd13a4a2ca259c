"""The members page opens grid-member accounts for a village's linked members and shows a printable list."""
import pytest
from playwright.sync_api import expect

from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_admin_opens_accounts_and_gets_the_printable_list(scenario, live_server, page, screenshot):
    village = scenario.member_a.branch.village_id
    sign_in(page, live_server, "quji", f"/members/?village={village}")
    page.get_by_test_id("open-accounts").click()
    dialog = page.get_by_test_id("accounts-dialog")
    expect(dialog.get_by_test_id("accounts-preview")).to_contain_text("陈建国")
    expect(dialog.get_by_label("村/社区")).to_be_visible()
    dialog.get_by_test_id("accounts-apply").click()
    sheet = page.get_by_test_id("accounts-sheet")
    expect(sheet).to_contain_text("陈建国")
    expect(sheet).to_contain_text("chenjianguo")
    expect(page.get_by_test_id("accounts-print")).to_be_visible()
    screenshot(page, "accounts-sheet")
    assert page.problems == []
