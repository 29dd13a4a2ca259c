"""Every list's xlsx export (accounts.api_export): the list's filters and scope, masked data, reveal by role, logged."""
import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from accounts.models import SecurityAction, SecurityEvent
from tests import factories as f
from tests.clients import api_client

pytestmark = pytest.mark.django_db


def _sheet(response):
    assert response.status_code == 200, getattr(response, "data", None)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    body = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


@pytest.fixture
def zone_world():
    grid = f.MicroGridFactory()
    zone = grid.village.zone
    red = f.HouseholdFactory(grid=grid, color="red", phone="13812345678", address="=1+2")
    f.HouseholdFactory(grid=grid, color="green", phone="13900001111")
    other = f.HouseholdFactory(color="red", phone="13700002222")  # another zone
    return zone, grid, red, other


def test_zone_user_exports_households_filtered_by_colour(zone_world):
    zone, _grid, red, _other = zone_world
    user = f.make_user("zone_committee", zone)
    response = api_client(user).get("/api/households/export/", {"color": "red"})
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]).endswith(".xlsx") and "户" in unquote(disposition)
    header, rows = _sheet(response)
    assert "户主姓名" in header and "电话" in header and "四色分类" in header and "phone" not in header
    assert [row[header.index("ID")] for row in rows] == [red.pk]  # only their zone's red household
    assert rows[0][header.index("电话")] == "138****5678"
    assert "13812345678" not in str(rows)
    # a formula-looking value is stored as text, never as a formula
    assert rows[0][header.index("住址")] == "=1+2"
    event = SecurityEvent.objects.get(action=SecurityAction.EXPORT)
    assert event.user_id == user.pk and event.detail["rows"] == 1 and event.detail["filters"] == {"color": "red"}
    assert not SecurityEvent.objects.filter(action=SecurityAction.PII_REVEAL).exists()


def test_formula_cell_is_a_string_cell(zone_world):
    zone, *_ = zone_world
    response = api_client(f.make_user("zone_committee", zone)).get("/api/households/export/", {"color": "red"})
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body)).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("住址") + 1)
    assert cell.data_type == "s" and cell.value == "=1+2"


def test_reveal_by_grid_member_is_refused(zone_world):
    _zone, grid, *_ = zone_world
    user = f.make_user("grid_member", grid)
    response = api_client(user).get("/api/households/export/", {"reveal": "true"})
    assert response.status_code == 403
    assert not SecurityEvent.objects.filter(action__in=[SecurityAction.EXPORT, SecurityAction.PII_REVEAL]).exists()


def test_reveal_by_zone_committee_gives_full_values_and_is_logged_with_the_count(zone_world):
    zone, *_ = zone_world
    user = f.make_user("zone_committee", zone)
    header, rows = _sheet(api_client(user).get("/api/households/export/", {"reveal": "true", "ordering": "id"}))
    assert sorted(row[header.index("电话")] for row in rows) == ["13812345678", "13900001111"]
    reveal = SecurityEvent.objects.get(action=SecurityAction.PII_REVEAL)
    assert reveal.user_id == user.pk and reveal.detail["rows"] == 2 and reveal.detail["fields"] == ["phone"]
    assert reveal.object_type == "villages.household"


def test_members_export_masks_id_numbers_and_never_has_raw_columns():
    member = f.PartyMemberFactory()
    user = f.make_user("district_admin")
    header, rows = _sheet(api_client(user).get("/api/members/export/"))
    assert "身份证号" in header and "出生日期" not in header
    full = member.reveal()["id_number"]
    assert rows and full not in str(rows)
    header, rows = _sheet(api_client(user).get("/api/members/export/", {"reveal": "true"}))
    assert full in [row[header.index("身份证号")] for row in rows]


@pytest.mark.parametrize("path", ["/api/household-links/export/", "/api/visits/export/", "/api/color-changes/export/",
                                  "/api/dispute-cases/export/", "/api/villages/export/", "/api/sunk-cadres/export/"])
def test_other_lists_export(path):
    f.HouseholdLinkFactory()
    header, _rows = _sheet(api_client(f.make_user("district_admin")).get(path))
    assert header and all(isinstance(h, str) for h in header)


def test_export_above_the_limit_is_refused(zone_world, settings):
    zone, *_ = zone_world
    settings.LIST_EXPORT_MAX_ROWS = 1
    response = api_client(f.make_user("zone_committee", zone)).get("/api/households/export/")
    assert response.status_code == 400 and "上限" in str(response.data)
