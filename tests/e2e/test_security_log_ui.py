"""The security log page in a real browser: search by username and export the result as xlsx."""
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from .test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def events(scenario):
    from accounts.models import SecurityAction, SecurityEvent, SecurityResult

    SecurityEvent.objects.create(user=scenario.secretary, username="yanman", action=SecurityAction.PII_REVEAL,
                                 object_type="members.partymember", object_id=str(scenario.member_a.pk),
                                 ip_address="10.20.1.7", detail={"fields": ["id_number"]})
    SecurityEvent.objects.create(username="root", action=SecurityAction.LOGIN_FAILED, result=SecurityResult.FAILED,
                                 ip_address="203.0.113.9")
    return scenario


def test_district_admin_searches_and_exports_the_security_log(events, live_server, page, screenshot):
    from accounts.models import SecurityAction, SecurityEvent

    sign_in(page, live_server, "quji", "/security/")
    table = page.get_by_test_id("security-table")
    expect(table.get_by_text("查看完整个人信息")).to_be_visible()
    expect(table.get_by_text("字段：身份证号")).to_be_visible()
    expect(table.get_by_text("登录失败")).to_be_visible()
    screenshot(page, "security-log")

    page.get_by_label("用户名").fill("root")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("共 1 条")).to_be_visible()
    expect(table.get_by_text("203.0.113.9")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    download = download_info.value
    assert download.suggested_filename.startswith("安全日志-") and download.suggested_filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(open(download.path(), "rb").read())).active.iter_rows(values_only=True))
    assert rows[0][2] == "用户名" and [row[2] for row in rows[1:]] == ["root"]
    expect(page.locator(".el-message--success")).to_contain_text("已导出")
    export = SecurityEvent.objects.get(action=SecurityAction.EXPORT)
    assert export.username == "quji" and export.detail["filters"] == {"username": "root"} and export.detail["rows"] == 1
    assert page.problems == []
