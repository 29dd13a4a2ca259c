"""The zone pages' forms in the browser: a town's staff adds a zone committee member (a server refusal shown
beside its field first), the zone list's buttons, and the 区划调整 page's preview and move; axe on both pages."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, axe_violations, close_page, open_page

from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1440": DESKTOP, "375": PHONE}


@pytest.fixture
def town_staff(scenario):
    """明水街道's staff, and a second zone in their town to move a village into (built before the browser)."""
    from accounts.models import Role, RoleAssignment, User
    from zones.services import zone_create

    from .scenario import PASSWORD

    user = User.objects.create_user(username="mingshui", password=PASSWORD, display_name="明水街道组织委员")
    RoleAssignment.objects.create(user=user, role=Role.TOWN_STAFF, town=scenario.town_a)
    spare = zone_create(town=scenario.town_a, name="绣惠党建工作区", brand="")
    return {"user": user, "spare": spare}


def settle(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def choose(page, field_id, option):
    """Open the select `#field_id` and pick the option whose text is exactly `option`."""
    page.locator(".el-select", has=page.locator(f"#{field_id}")).click()
    page.locator(".el-select-dropdown__item:visible").filter(has_text=re.compile(f"^{re.escape(option)}$")).first.click()


def choose_remote(page, field_id, text, option):
    """Type `text` into the remote select `#field_id` and pick the option starting with `option`."""
    page.locator(".el-select", has=page.locator(f"#{field_id}")).click()
    page.locator(f"#{field_id}").fill(text)
    item = page.locator(".el-select-dropdown__item:visible").filter(has_text=re.compile(f"^{re.escape(option)}"))
    expect(item.first).to_be_visible()
    item.first.click()


@pytest.mark.parametrize("size", list(SIZES))
def test_town_staff_adds_a_committee_member_with_a_field_error_first(scenario, town_staff, browser, live_server,
                                                                       screenshot, size):
    from zones.models import CommitteeMember

    s = scenario
    page = open_page(browser, **SIZES[size])
    try:
        sign_in(page, live_server, "mingshui", f"/zones/{s.zone_a.pk}/")
        settle(page)
        committee = page.get_by_test_id("committee")
        expect(committee).to_contain_text("李文华")
        # town staff may write the zone's records: the buttons are there
        expect(page.get_by_test_id("zone-edit")).to_be_visible()
        add = page.get_by_test_id("committee-add")
        expect(add).to_be_visible()
        add.click()

        dialog = page.locator(".pf-record-form")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_text("新增党委成员")).to_be_visible()
        page.fill("#rf-name", "周明")
        choose(page, "rf-role", "书记")  # the zone has its secretary already: the server refuses
        page.fill("#rf-organisation", "明水街道办事处")
        dialog.get_by_role("button", name="保存").click()

        error = dialog.locator(".el-form-item.is-error")
        expect(error).to_have_count(1)
        expect(error).to_contain_text("职务")  # the field's label, and beside it the server's message
        expect(error.locator(".el-form-item__error")).to_contain_text("已有书记")
        assert CommitteeMember.objects.filter(name="周明").count() == 0
        screenshot(page, f"{size}-committee-error")
        assert [p for p in page.problems if "status of 400" not in p] == []  # the refused save's console line
        page.problems.clear()

        choose(page, "rf-role", "委员")
        dialog.get_by_role("button", name="保存").click()
        expect(dialog).to_be_hidden()
        expect(committee).to_contain_text("周明")
        expect(committee).to_contain_text("明水街道办事处")
        member = CommitteeMember.objects.get(name="周明")
        assert (member.zone_id, member.role) == (s.zone_a.pk, "member")
        settle(page)
        screenshot(page, f"{size}-committee-saved")

        # another town's zone is not theirs: no page
        assert page.problems == []
        response = page.goto(f"{live_server.url}/zones/{s.zone_b.pk}/")
        assert response.status == 404
    finally:
        close_page(page)


@pytest.mark.parametrize("size", list(SIZES))
def test_zone_list_and_reorganize_pages_pass_axe(scenario, town_staff, browser, live_server, screenshot, size):
    s = scenario
    page = open_page(browser, **SIZES[size])
    try:
        sign_in(page, live_server, "mingshui", "/zones/")
        settle(page)
        table = page.get_by_test_id("zone-table")
        expect(table).to_contain_text(s.zone_a.name)
        expect(table).not_to_contain_text(s.zone_b.name)
        expect(page.get_by_test_id("zone-add")).to_be_visible()
        assert axe_violations(page) == []
        screenshot(page, f"{size}-zone-list")

        # the form opens with the user's town; axe with the dialog open
        page.get_by_test_id("zone-add").click()
        dialog = page.locator(".pf-record-form")
        expect(dialog).to_be_visible()
        page.wait_for_timeout(300)
        assert axe_violations(page) == []
        screenshot(page, f"{size}-zone-form")
        dialog.get_by_role("button", name="取消").click()
        expect(dialog).to_be_hidden()

        page.goto(f"{live_server.url}/reorganize/")
        settle(page)
        expect(page.get_by_test_id("move-village")).to_be_visible()
        for label in ["要迁移的村/社区", "目标工作区", "要迁移的微网格", "目标村/社区", "目标自然村"]:
            expect(page.locator(".el-form-item__label", has_text=label)).to_have_count(1)
        assert axe_violations(page) == []
        screenshot(page, f"{size}-reorganize")
        assert page.problems == []
    finally:
        close_page(page)


def test_town_staff_archives_and_restores_a_zone_and_moves_a_village(scenario, town_staff, browser, live_server,
                                                                       screenshot):
    from villages.models import Household, Village
    from zones.models import WorkZone

    s = scenario
    spare = town_staff["spare"]
    page = open_page(browser, **DESKTOP)
    try:
        sign_in(page, live_server, "mingshui", "/zones/")
        settle(page)
        table = page.get_by_test_id("zone-table")
        row = table.locator("tr", has_text=spare.name)
        row.get_by_role("button", name="归档").click()
        page.locator(".el-message-box").get_by_role("button", name="归档").click()
        expect(table).not_to_contain_text(spare.name)
        assert WorkZone.objects.get(pk=spare.pk).archived_at is not None

        page.get_by_test_id("zone-archived-toggle").click()
        expect(page).to_have_url(re.compile(r"archived=true"))
        expect(table).to_contain_text(spare.name)
        expect(table).not_to_contain_text(s.zone_a.name)
        table.locator("tr", has_text=spare.name).get_by_role("button", name="恢复").click()
        expect(table).not_to_contain_text(spare.name)
        assert WorkZone.objects.get(pk=spare.pk).archived_at is None

        # a zone with villages refuses: the API's message is shown
        page.get_by_test_id("zone-archived-toggle").click()
        table.locator("tr", has_text=s.zone_a.name).get_by_role("button", name="归档").click()
        page.locator(".el-message-box").get_by_role("button", name="归档").click()
        expect(page.locator(".el-message--error")).to_contain_text("不能归档")
        assert WorkZone.objects.get(pk=s.zone_a.pk).archived_at is None

        # 区划调整: 闫满村 to the spare zone, previewed then applied
        page.goto(f"{live_server.url}/reorganize/")
        settle(page)
        move = page.get_by_test_id("move-village")
        choose_remote(page, "mv-village-village", "闫满", "闫满村")
        choose_remote(page, "mv-village-zone", "绣惠", spare.name)
        move.get_by_test_id("move-village-preview").click()
        answer = move.get_by_test_id("move-village-answer")
        expect(answer).to_contain_text("预览")
        expect(answer).to_contain_text("涉及户数")
        expect(answer.locator("tr", has_text="涉及户数")).to_contain_text("3")
        village = Village.objects.get(name="闫满村")
        assert village.zone_id == s.zone_a.pk  # a preview moves nothing
        screenshot(page, "1440-move-preview")
        move.get_by_test_id("move-village-apply").click()
        expect(answer).to_contain_text("已调整")
        village.refresh_from_db()
        assert village.zone_id == spare.pk
        assert set(Household.objects.filter(village=village).values_list("zone_id", flat=True)) == {spare.pk}
        screenshot(page, "1440-move-applied")

        assert [p for p in page.problems if "status of 409" not in p] == []  # the refused archive's console line
        page.problems.clear()

        # moving it onto the zone it is in now: the API's refusal beside the target field
        move.get_by_test_id("move-village-preview").click()
        expect(move.locator(".el-form-item.is-error .el-form-item__error")).to_have_text("目标工作区与当前工作区相同。")

        # a grid: the target's village first, then its natural village; the same one is refused beside it
        grid_move = page.get_by_test_id("move-grid")
        choose_remote(page, "mv-grid-grid", "第一", "第一网格·李网格")
        choose_remote(page, "mv-grid-village", "闫满", "闫满村")
        choose_remote(page, "mv-grid-natural_village", "东", "东闫满")
        grid_move.get_by_test_id("move-grid-preview").click()
        error = grid_move.locator(".el-form-item.is-error")
        expect(error).to_contain_text("目标自然村")
        expect(error.locator(".el-form-item__error")).to_have_text("目标自然村与当前自然村相同。")
        expect(grid_move.get_by_test_id("move-grid-apply")).to_be_disabled()
        # town staff do not move zones between towns: no such form
        expect(page.get_by_test_id("move-zone")).to_have_count(0)
        screenshot(page, "1440-move-refused")
    finally:
        close_page(page)


def test_district_admin_manages_towns(scenario, browser, live_server, screenshot):
    from zones.models import Town

    page = open_page(browser, **DESKTOP)
    try:
        sign_in(page, live_server, "quji", "/zones/towns/")
        settle(page)
        table = page.get_by_test_id("town-table")
        expect(table).to_contain_text("明水街道")
        assert axe_violations(page) == []
        page.get_by_test_id("town-add").click()
        dialog = page.locator(".pf-record-form")
        page.fill("#rf-name", "明水街道")  # taken: the server says so beside 名称
        dialog.get_by_role("button", name="保存").click()
        expect(dialog.locator(".el-form-item.is-error")).to_contain_text("名称")
        assert Town.objects.count() == 2
        screenshot(page, "1440-town-error")
        page.fill("#rf-name", "圣井街道")
        page.fill("#rf-code", "370181003")
        dialog.get_by_role("button", name="保存").click()
        expect(dialog).to_be_hidden()
        expect(table).to_contain_text("圣井街道")

        table.locator("tr", has_text="圣井街道").get_by_role("button", name="归档").click()
        page.locator(".el-message-box").get_by_role("button", name="归档").click()
        expect(table).not_to_contain_text("圣井街道")
        assert Town.objects.get(name="圣井街道").archived_at is not None
        screenshot(page, "1440-towns")

        # the district moves zones between towns on the 区划调整 page
        page.goto(f"{live_server.url}/reorganize/")
        settle(page)
        expect(page.get_by_test_id("move-zone")).to_be_visible()
        assert axe_violations(page) == []
        assert [p for p in page.problems if "status of 400" not in p] == []
    finally:
        close_page(page)
