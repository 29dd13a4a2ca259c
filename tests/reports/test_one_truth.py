"""One truth: the home overview, the visits dashboard, the mediation statistics, the metrics API and a report show
the same value for the same node and period (the pages read the registry, core/metrics.py: tests/organization,
tests/visits and tests/mediation check every figure of each page)."""
import datetime

import pytest
from django.utils import timezone

from mediation.services.cases import case_create
from tests.clients import api_client
from tests.factories import HouseholdFactory, MicroGridFactory, NaturalVillageFactory, VillageFactory, make_user
from villages.models import Household
from visits.services import visit_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone_with_activity():
    village = VillageFactory()
    grid = MicroGridFactory(natural_village=NaturalVillageFactory(village=village))
    households = [HouseholdFactory(grid=grid, color=c) for c in ("red", "orange", "green", "green", "yellow")]
    Household.objects.filter(pk__in=[h.pk for h in households]).update(
        created_at=timezone.now() - datetime.timedelta(days=200))
    admin = make_user("district_admin")
    today = timezone.localdate()
    visit_log(household=Household.objects.get(pk=households[0].pk), author=admin, visitor_user=admin, visited_on=today)
    visit_log(household=Household.objects.get(pk=households[2].pk), author=admin, visitor_user=admin,
              visited_on=today - datetime.timedelta(days=100))
    Household.objects.filter(pk=households[4].pk).update(next_visit_due=today - datetime.timedelta(days=3))
    for source in ("grid", "walk_in"):
        case_create(by=admin, village=village, source=source, category="family", title="家庭纠纷", description="赡养",
                    parties=[{"name": "王五", "role": "applicant"}])
    return village.zone, make_user("zone_committee", village.zone)


def test_dashboard_statistics_metrics_and_report_agree(zone_with_activity):
    zone, secretary = zone_with_activity
    client = api_client(secretary)
    year = str(timezone.localdate().year)
    dashboard = client.get("/api/visits/dashboard/", {"zone": zone.pk}).json()
    statistics = client.get("/api/dispute-cases/statistics/", {"group_by": "zone", "zone": zone.pk,
                                                               "received_after": f"{year}-01-01",
                                                               "received_before": f"{year}-12-31"}).json()
    overview = client.get("/api/overview/").json()
    values = {v["code"]: v["value"] for v in client.get("/api/metrics/values/", {
        "node": f"zone:{zone.pk}", "period": year,
        "codes": "visits.households,visits.overdue,visits.coverage,mediation.received,visits.due_week,visits.color.green,"
                 "visits.overdue_color.yellow,members.households,members.unlinked_households,villages.grids,"
                 "mediation.referred"}).json()["values"]}
    report = client.post("/api/reports/", {"kind": "zone_yearly", "node": zone.pk, "period": year}, format="json").json()
    in_report = {f["code"]: f["value"] for f in report["figures"]}

    assert values["visits.households"] == dashboard["households"] == in_report["visits.households"] == 5
    assert values["visits.overdue"] == dashboard["overdue"] == in_report["visits.overdue"]
    assert values["visits.coverage"] == round(100 * dashboard["coverage_rate"], 1) == in_report["visits.coverage"]
    assert values["mediation.received"] == statistics["total"]["received"] == in_report["mediation.received"] == 2
    assert values["mediation.referred"] == statistics["total"]["referred"] == in_report["mediation.referred"] == 0
    # the new figures: the dashboard's, the home page's, the API's and the report's are one
    assert values["visits.due_week"] == dashboard["due_week"] == in_report["visits.due_week"]
    assert values["visits.overdue_color.yellow"] == in_report["visits.overdue_color.yellow"] == 1
    assert values["visits.color.green"] == overview["households_by_color"]["green"] == in_report["visits.color.green"] == 2
    assert values["members.households"] == overview["households"] == in_report["members.households"] == 5
    assert values["members.unlinked_households"] == overview["unlinked_households"] == 5
    assert values["villages.grids"] == overview["grids"] == in_report["villages.grids"] == 1
