"""A village cadre registers a household with its people (户成员) in the browser, at 1440 and 375 px: the API's
refusals appear beside the field, and beside the person, before the household is saved; the village page
(村/社区) and the open form pass axe-core's WCAG 2 A/AA rules."""
import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, axe_violations, close_page, open_page

from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIOUS = ("serious", "critical")
REFUSED = "status of 400"  # the refusals this test provokes on purpose show in the console


def unexpected(problems):
    return [p for p in problems if REFUSED not in p]


@pytest.fixture
def cadre(scenario):
    """A village cadre (村干部) of 闫满村, made before the browser starts."""
    from accounts.models import Role, RoleAssignment, User

    from .scenario import PASSWORD

    user = User.objects.create_user(username="cunganbu", password=PASSWORD, display_name="闫满村干部")
    RoleAssignment.objects.create(user=user, role=Role.VILLAGE_CADRE, village=scenario.households_a[0].village)
    return user


def serious(violations):
    return [v for v in violations if any(level in v for level in SERIOUS)]


def form_item(dialog, name):
    """The form item of the field ``name`` (RecordForm gives its input the id rf-<name>)."""
    return dialog.locator(".el-form-item").filter(has=dialog.page.locator(f"#rf-{name}"))


def pick(page, select, option):
    select.click()
    page.locator(".el-select-dropdown__item:visible").filter(has_text=option).first.click()


@pytest.mark.parametrize("size", ["1440", "375"])
def test_village_cadre_adds_a_household_with_two_people(scenario, cadre, browser, live_server, screenshot, size):
    from villages.models import Household

    page = open_page(browser, **(DESKTOP if size == "1440" else PHONE))
    head = "赵大勇" if size == "1440" else "钱小川"
    try:
        sign_in(page, live_server, "cunganbu", "/households/")
        page.get_by_test_id("add-household").click()
        dialog = page.get_by_role("dialog", name="新增户")
        expect(dialog).to_be_visible()

        # saved empty: the API's refusals appear beside their fields, the focus on the first
        dialog.get_by_role("button", name="保存").click()
        expect(form_item(dialog, "head_name").locator(".el-form-item__error")).to_be_visible()
        expect(form_item(dialog, "grid").locator(".el-form-item__error")).to_be_visible()
        expect(form_item(dialog, "address").locator(".el-form-item__error")).to_be_visible()
        screenshot(page, f"{size}-field-errors")

        pick(page, dialog.locator("#rf-grid"), "第一网格")
        dialog.locator("#rf-head_name").fill(head)
        dialog.locator("#rf-address").fill("闫满村南街7号")
        dialog.locator("#rf-phone").fill("13805317777")
        expect(dialog.locator("#rf-people_count")).to_be_visible()

        # two people: the count is no longer typed in, it follows the list
        dialog.get_by_test_id("add-person").click()
        dialog.get_by_test_id("add-person").click()
        expect(dialog.get_by_test_id("person-row")).to_have_count(2)
        expect(dialog.locator("#rf-people_count")).to_have_count(0)
        expect(dialog.get_by_test_id("people-count")).to_contain_text("2 人")
        dialog.get_by_label("第1人 姓名").fill(head)
        dialog.get_by_label("第1人 出生年份").fill("1971")
        dialog.get_by_label("第2人 姓名").fill("孙桂芝")
        pick(page, dialog.get_by_test_id("person-row").nth(1).locator(".pf-person-relation"), "配偶")
        dialog.get_by_label("第2人 出生年份").fill("1873")  # a slip: refused beside that person
        dialog.get_by_role("button", name="保存").click()
        error = dialog.get_by_test_id("person-error")
        expect(error).to_have_count(1)
        expect(error).to_contain_text("出生年份")
        expect(dialog.get_by_test_id("person-row").nth(1).get_by_test_id("person-error")).to_be_visible()
        screenshot(page, f"{size}-person-error")
        assert not Household.objects.filter(head_name=head).exists()

        violations = axe_violations(page)
        assert serious(violations) == [], violations

        dialog.get_by_label("第2人 出生年份").fill("1973")
        dialog.get_by_role("button", name="保存").click()
        expect(dialog).to_be_hidden()
        row = page.get_by_test_id("household-table").locator("tr").filter(has_text=head)
        expect(row).to_be_visible()
        household = Household.objects.get(head_name=head)
        assert household.people_count == 2
        assert list(household.people.values_list("name", "relation", "birth_year")) == [
            (head, "户主", 1971), ("孙桂芝", "配偶", 1973)]

        page.goto(f"{live_server.url}/households/{household.pk}/")
        people = page.get_by_test_id("people")
        expect(people).to_contain_text("孙桂芝")
        expect(people).to_contain_text("配偶")
        screenshot(page, f"{size}-detail")
        assert unexpected(page.problems) == []
    finally:
        close_page(page)


@pytest.mark.parametrize("size", ["1440", "375"])
def test_village_page_lists_cadres_natural_villages_and_grids(scenario, cadre, browser, live_server, screenshot, size):
    page = open_page(browser, **(DESKTOP if size == "1440" else PHONE))
    try:
        sign_in(page, live_server, "cunganbu", "/villages/")
        table = page.get_by_test_id("village-table")
        expect(table).to_contain_text("闫满村")
        expect(table).not_to_contain_text("胡山村")  # another zone's village
        # a village cadre writes natural villages and grids, not villages of the zone nor its cadres
        expect(page.get_by_test_id("add-village")).to_have_count(0)
        page.get_by_role("button", name="查看 闫满村").click()
        panel = page.get_by_test_id("village-panel")
        expect(panel.get_by_test_id("grid-table")).to_contain_text("第一网格")
        expect(panel.get_by_test_id("natural-village-table")).to_contain_text("东闫满")
        expect(panel.get_by_test_id("add-cadre")).to_have_count(0)

        panel.get_by_test_id("add-grid").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("button", name="保存").click()  # no name: refused beside the field
        expect(form_item(dialog, "name").locator(".el-form-item__error")).to_be_visible()
        dialog.locator("#rf-name").fill("第二网格")
        dialog.locator("#rf-worker_name").fill("周网格")
        dialog.get_by_role("button", name="保存").click()
        expect(dialog).to_be_hidden()
        expect(panel.get_by_test_id("grid-table")).to_contain_text("第二网格")
        screenshot(page, f"{size}-villages")
        violations = axe_violations(page)
        assert serious(violations) == [], violations
        assert unexpected(page.problems) == []
    finally:
        close_page(page)
