"""Dashboards and statistics tables as xlsx: the home overview (GET /api/overview/export/), and the shared
one-line helper (accounts.api_export.stats_export) on the visits dashboard and the mediation statistics."""
import io

import pytest
from openpyxl import load_workbook
from rest_framework.routers import SimpleRouter
from rest_framework.test import APIRequestFactory, force_authenticate

from accounts.api_export import stats_export
from accounts.models import SecurityAction, SecurityEvent
from core import metrics
from mediation import serializers as mediation_serializers
from mediation.api import DisputeCaseViewSet
from tests import factories as f
from tests.clients import api_client
from visits import serializers as visits_serializers
from visits.api import VisitViewSet

pytestmark = pytest.mark.django_db


def _book(response):
    assert response.status_code == 200, getattr(response, "data", None)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_the_overview_export_is_the_users_part_of_the_tree():
    grid = f.MicroGridFactory()
    zone = grid.village.zone
    f.HouseholdFactory(grid=grid, color="red")
    f.HouseholdFactory(grid=grid, color="green")
    f.HouseholdFactory(grid=f.MicroGridFactory(natural_village=f.NaturalVillageFactory(
        village=f.VillageFactory(zone=zone))), color="orange")
    f.HouseholdFactory(color="red")  # another zone
    user = f.make_user("zone_committee", zone)
    sheets = _book(api_client(user).get("/api/overview/export/"))
    assert list(sheets) == ["概况", "四色分类", "下级统计"]
    summary = {row[0]: row[1] for row in sheets["概况"][1:]}
    households = metrics.get("members.households")
    assert {row[0]: row[2] for row in sheets["概况"][1:]}["户"] == f"{households.name}：{households.definition}"
    assert summary["户"] == 3 and summary["党建工作区"] == 1 and summary["村/社区"] == 2
    colors = {row[0]: row[1:] for row in sheets["四色分类"][1:]}
    assert colors["红色"][0] == 1 and colors["绿色"][0] == 1 and colors["橙色"] == (1, 0.3333)
    assert sheets["下级统计"][0] == ("层级", "名称", "户数", "红色户", "橙色户")
    below = sheets["下级统计"][1:]
    assert {row[0] for row in below} == {"村/社区"} and sorted(row[2] for row in below) == [1, 2]
    event = SecurityEvent.objects.get(action=SecurityAction.EXPORT)
    assert event.user_id == user.pk and event.detail["table"] == "首页统计"


def test_the_home_page_offers_the_export(client):
    client.force_login(f.make_user("district_admin"))
    assert 'data-testid="export-overview"' in client.get("/").content.decode()


class DashboardExport(VisitViewSet):
    # the one line the visits app would add to VisitViewSet
    dashboard_export = stats_export("dashboard", title="走访看板", serializer=visits_serializers.DashboardSerializer)


class StatisticsExport(DisputeCaseViewSet):
    # the one line the mediation app would add to DisputeCaseViewSet
    statistics_export = stats_export("statistics", title="调解统计", serializer=mediation_serializers.StatisticsSerializer)


def _call(viewset, name, user, params=None):
    request = APIRequestFactory().get("/x/", params or {})
    force_authenticate(request, user=user)
    return viewset.as_view({"get": name})(request)


def test_the_helper_routes_beside_the_action():
    router = SimpleRouter()
    router.register("visits", DashboardExport, basename="v")
    router.register("dispute-cases", StatisticsExport, basename="c")
    patterns = {str(url.pattern) for url in router.urls}
    assert "^visits/dashboard/export/$" in patterns and "^dispute-cases/statistics/export/$" in patterns


def test_the_visits_dashboard_as_xlsx_in_the_users_scope():
    grid = f.MicroGridFactory()
    f.HouseholdFactory(grid=grid, color="red")
    f.HouseholdFactory(color="red")  # another zone
    user = f.make_user("zone_committee", grid.village.zone)
    sheets = _book(_call(DashboardExport, "dashboard_export", user))
    assert list(sheets) == ["概况", "四色分布", "各村逾期", "覆盖率趋势", "口径"]
    households = metrics.get("visits.households")
    assert ("households", f"{households.name}：{households.definition}") in sheets["口径"]  # the registry's words
    header, row = sheets["概况"]
    assert "户数" in header and row[header.index("户数")] == 1
    assert [r[1] for r in sheets["四色分布"][1:] if r[0] == "red"] == ["红色"]
    assert [r[2] for r in sheets["四色分布"][1:] if r[0] == "red"] == [1]
    assert SecurityEvent.objects.get(action=SecurityAction.EXPORT).object_type == "visits.visit"
    # the action's own checks hold: a zone outside the scope is a 404, not a file
    other = f.WorkZoneFactory()
    assert _call(DashboardExport, "dashboard_export", user, {"zone": other.pk}).status_code == 404


def _case(village):
    from mediation import services
    from mediation.models import CaseCategory, CaseSource

    cadre = f.make_user("village_cadre", village)
    return services.case_create(by=cadre, village=village, source=CaseSource.GRID, category=CaseCategory.NEIGHBOUR,
                                title="宅前排水沟堵塞", description="两户因排水沟清理问题争吵。",
                                parties=[{"role": "applicant", "name": "张德福", "phone": "13805311234"}])


def test_the_mediation_statistics_as_xlsx_with_the_lists_filters():
    village = f.VillageFactory()
    _case(village)
    _case(village)
    _case(f.VillageFactory())  # another zone
    user = f.make_user("zone_committee", village.zone)
    sheets = _book(_call(StatisticsExport, "statistics_export", user, {"group_by": "village"}))
    assert list(sheets) == ["概况", "分组数据", "合计", "口径"]
    received = metrics.get("mediation.received")
    assert ("received", f"{received.name}：{received.definition}") in sheets["口径"]
    header = sheets["分组数据"][0]
    assert "受理" in header and "名称" in header
    assert [r[header.index("受理")] for r in sheets["分组数据"][1:]] == [2]
    assert sheets["合计"][1][sheets["合计"][0].index("受理")] == 2
    assert "13805311234" not in str(sheets) and "张德福" not in str(sheets)
    assert _call(StatisticsExport, "statistics_export", user, {"group_by": "planet"}).status_code == 400
