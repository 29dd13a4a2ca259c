"""The registry of figures (core/metrics.py) against hand-counted records, and the metrics API's scope."""
import datetime

import pytest
from django.core.cache import caches
from django.utils import timezone

from core import metrics
from core.metrics import MetricError, NodeSet, Period
from mediation.services.cases import case_create
from reports.tasks import warm_figures
from tests.clients import api_client
from tests.factories import (
    HouseholdFactory, HouseholdLinkFactory, MicroGridFactory, NaturalVillageFactory, PartyBranchFactory,
    PartyInstructorFactory, PartyMemberFactory, SunkCadrePostingFactory, TownFactory, VillageFactory,
    WorkZoneFactory, make_user,
)
from villages.models import Household
from villages.services import household_archive
from visits.services import visit_log

pytestmark = pytest.mark.django_db


# ---- periods ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text,start,end,kind", [
    ("2026", "2026-01-01", "2026-12-31", "year"),
    ("2026-Q1", "2026-01-01", "2026-03-31", "quarter"),
    ("2024-02", "2024-02-01", "2024-02-29", "month"),
    ("2026-03-05..2026-04-01", "2026-03-05", "2026-04-01", "range"),
])
def test_period_parse(text, start, end, kind):
    period = Period.parse(text)
    assert (period.start.isoformat(), period.end.isoformat(), period.kind) == (start, end, kind)


@pytest.mark.parametrize("text", ["", "26", "2026-13", "2026-Q5", "9999", "2026-04-01..2026-03-01", "2026-02-30..2026-03-01"])
def test_bad_periods_are_refused_in_chinese(text):
    with pytest.raises(MetricError, match="统计期"):
        Period.parse(text)


def test_year_over_year_shift():
    assert Period.parse("2024-02").shifted_years(-1) == Period.parse("2023-02")
    assert Period.parse("2026").shifted_years(-1).key == "2025"


def test_every_figure_has_a_name_definition_and_unit_and_a_source():
    codes = [m.code for m in metrics.all_metrics()]
    assert len(codes) == len(set(codes)) and len(codes) > 30
    for m in metrics.all_metrics():
        assert m.name and m.definition.endswith("。") and m.unit
        assert m.source in metrics._sources, m.code


# ---- hand-counted figures ---------------------------------------------------------------------

@pytest.fixture
def world():
    """Two zones of one town. Zone A: village A1 with 3 households (2, 3 and 4 people), zone B: one household."""
    town = TownFactory()
    zone_a, zone_b = WorkZoneFactory(town=town), WorkZoneFactory(town=town)
    village_a, village_b = VillageFactory(zone=zone_a), VillageFactory(zone=zone_b)
    grid_a = MicroGridFactory(natural_village=NaturalVillageFactory(village=village_a))
    grid_b = MicroGridFactory(natural_village=NaturalVillageFactory(village=village_b))
    h1 = HouseholdFactory(grid=grid_a, people_count=2, color="red")
    h2 = HouseholdFactory(grid=grid_a, people_count=3, color="green")
    h3 = HouseholdFactory(grid=grid_a, people_count=4, color="orange")
    h4 = HouseholdFactory(grid=grid_b, people_count=5, color="green")
    branch_a = PartyBranchFactory(village=village_a)
    member = PartyMemberFactory(branch=branch_a, joined_on=datetime.date(2010, 5, 1))
    PartyMemberFactory(branch=branch_a, joined_on=datetime.date(2026, 3, 1))
    PartyMemberFactory(branch=branch_a, joined_on=datetime.date(2001, 1, 1), left_on=datetime.date(2025, 6, 1))
    HouseholdLinkFactory(member=member, household=h1)
    HouseholdLinkFactory(member=member, household=h2)
    admin = make_user("district_admin")
    # registered before the year whose visits the tests log (arranging the records, not a domain write)
    Household.objects.filter(pk__in=[h1.pk, h2.pk, h3.pk, h4.pk]).update(
        created_at=timezone.make_aware(datetime.datetime(2025, 1, 1)))
    return dict(town=town, zone_a=zone_a, zone_b=zone_b, village_a=village_a, village_b=village_b,
                h=(h1, h2, h3, h4), member=member, admin=admin)


def _values(codes, level, ids, text):
    return metrics.evaluate(codes, NodeSet(level, tuple(ids)), Period.parse(text))


def test_visit_figures_count_by_hand(world):
    h1, h2, h3, h4 = world["h"]
    admin = world["admin"]
    day = datetime.date(2026, 3, 10)
    visit_log(household=h1, author=admin, visitor_user=admin, visited_on=day, method="in_person",
              duties=["policy", "concerns"], concerns="路灯坏了", follow_up_needed=True,
              follow_up_note="报村里维修")
    visit_log(household=h1, author=admin, visitor_user=admin, visited_on=day + datetime.timedelta(days=5),
              method="in_person", concerns="已修好")
    visit_log(household=h2, author=admin, visitor_user=admin, visited_on=day, method="phone", duties=["policy"])
    visit_log(household=h4, author=admin, visitor_user=admin, visited_on=day, method="in_person")
    visit_log(household=h3, author=admin, visitor_user=admin, visited_on=datetime.date(2026, 5, 1), method="in_person")

    codes = ["visits.total", "visits.in_person_households", "visits.people_served", "visits.method.in_person",
             "visits.method.phone", "visits.duty.policy", "visits.duty.concerns", "visits.concerns",
             "visits.concerns_on_spot"]
    by_zone = _values(codes, "zone", [world["zone_a"].pk, world["zone_b"].pk], "2026-03")
    assert by_zone[world["zone_a"].pk] == {
        "visits.total": 3, "visits.in_person_households": 1, "visits.people_served": 2, "visits.method.in_person": 2,
        "visits.method.phone": 1, "visits.duty.policy": 2, "visits.duty.concerns": 1, "visits.concerns": 2,
        "visits.concerns_on_spot": 1,
    }
    assert by_zone[world["zone_b"].pk]["visits.people_served"] == 5
    # the quarter takes in May's visit too; the district adds the zones up
    district = _values(codes, "district", [None], "2026-Q2")[None]
    assert (district["visits.total"], district["visits.people_served"]) == (1, 4)
    year = _values(["visits.people_served", "visits.in_person_households"], "town", [world["town"].pk], "2026")
    assert year[world["town"].pk] == {"visits.people_served": 2 + 4 + 5, "visits.in_person_households": 3}


def test_visit_state_today_is_the_dashboards_definition(world):
    h1, h2, h3, h4 = world["h"]
    today = timezone.localdate()
    visit_log(household=h1, author=world["admin"], visitor_user=world["admin"], visited_on=today)  # red: covered
    visit_log(household=h3, author=world["admin"], visitor_user=world["admin"],
              visited_on=today - datetime.timedelta(days=40))  # orange, 14 days: not covered
    values = _values(["visits.households", "visits.covered", "visits.coverage", "visits.red_orange_in_interval"],
                     "zone", [world["zone_a"].pk], str(today.year))[world["zone_a"].pk]
    assert values == {"visits.households": 3, "visits.covered": 1, "visits.coverage": 33.3,
                      "visits.red_orange_in_interval": 50.0}


def test_member_and_link_figures(world):
    village = world["village_a"].pk
    values = _values(["members.count", "members.new", "members.households", "members.linked_households",
                      "members.link_coverage"], "village", [village, world["village_b"].pk], "2026")
    assert values[village] == {"members.count": 2, "members.new": 1, "members.households": 3,
                               "members.linked_households": 2, "members.link_coverage": 66.7}
    assert values[world["village_b"].pk]["members.link_coverage"] == 0.0
    # as of the end of 2024 the member who left in 2025 still counts, the 2026 one does not yet
    assert _values(["members.count"], "village", [village], "2024")[village]["members.count"] == 2


def test_archived_households_are_no_longer_counted_as_registered(world):
    h1, h2, h3, h4 = world["h"]
    household_archive(household=h3)
    codes = ["visits.households", "members.households", "members.link_coverage"]
    values = _values(codes, "zone", [world["zone_a"].pk], str(timezone.localdate().year))[world["zone_a"].pk]
    assert values == {"visits.households": 2, "members.households": 2, "members.link_coverage": 100.0}


def test_the_api_reuses_a_figure_within_its_cache_time_and_reports_compute_live(world, settings):
    caches["figures"].clear()
    settings.METRICS_CACHE_SECONDS = 60
    h1, h2, h3, h4 = world["h"]
    client = api_client(world["admin"])
    params = {"node": f"zone:{world['zone_a'].pk},zone:{world['zone_b'].pk}", "period": "2026",
              "codes": "members.linked_households"}
    first = client.get("/api/metrics/values/", params).json()["values"]
    assert [row["value"] for row in first] == [2, 0]
    HouseholdLinkFactory(member=world["member"], household=h3)
    # within the minute the API answers from the cache, node by node (zone A alone is cached too)
    assert client.get("/api/metrics/values/", params).json()["values"] == first
    alone = client.get("/api/metrics/values/", {**params, "node": f"zone:{world['zone_a'].pk}"}).json()["values"]
    assert alone[0]["value"] == 2
    assert _values(["members.linked_households"], "zone", [world["zone_a"].pk], "2026")[world["zone_a"].pk] == {
        "members.linked_households": 3}  # reports and dashboards compute live
    settings.METRICS_CACHE_SECONDS = 0
    assert client.get("/api/metrics/values/", params).json()["values"][0]["value"] == 3
    caches["figures"].clear()


def test_warming_stores_every_nodes_current_figures(world, settings, time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 20, 10, tzinfo=datetime.timezone.utc), tick=False)
    caches["figures"].clear()
    settings.METRICS_CACHE_SECONDS = 60
    stored = warm_figures()
    # district, 1 town, 2 zones, 2 villages; each for 2026, 2026-Q2 and 2026-05
    assert stored == 3 * (1 + 1 + 2 + 2)
    HouseholdLinkFactory(member=world["member"], household=world["h"][2])
    client = api_client(world["admin"])
    for period in ("2026", "2026-Q2", "2026-05"):
        answer = client.get("/api/metrics/values/", {"node": f"village:{world['village_a'].pk}", "period": period,
                                                     "codes": "members.linked_households"})
        assert answer.json()["values"][0]["value"] == 2, period  # the warmed value until the next warming
    warm_figures()
    answer = client.get("/api/metrics/values/", {"node": "district", "period": "2026", "codes": "members.linked_households"})
    assert answer.json()["values"][0]["value"] == 3
    settings.METRICS_CACHE_SECONDS = 0
    assert warm_figures() == 0
    caches["figures"].clear()


def test_a_cache_outage_does_not_fail_the_figures(world, settings, monkeypatch):
    settings.METRICS_CACHE_SECONDS = 60

    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(caches["figures"], "get_many", down)
    monkeypatch.setattr(caches["figures"], "set_many", down)
    answer = api_client(world["admin"]).get("/api/metrics/values/", {
        "node": f"zone:{world['zone_a'].pk}", "period": "2026", "codes": "members.linked_households"})
    assert answer.status_code == 200 and answer.json()["values"][0]["value"] == 2


def test_postings_in_post_at_the_period_end(world):
    zone = world["zone_a"]
    cadre = SunkCadrePostingFactory(zone=zone, start_date=datetime.date(2025, 1, 1), end_date=None)
    SunkCadrePostingFactory(zone=zone, start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2026, 6, 30))
    PartyInstructorFactory(village=world["village_a"], cadre=cadre, start_date=datetime.date(2025, 2, 1), end_date=None)
    assert _values(["zones.sunk_cadres", "zones.instructors"], "zone", [zone.pk], "2026-Q1")[zone.pk] == {
        "zones.sunk_cadres": 2, "zones.instructors": 1}
    assert _values(["zones.sunk_cadres"], "zone", [zone.pk], "2026")[zone.pk]["zones.sunk_cadres"] == 1


def test_mediation_figures_are_the_statistics_pages(world):
    received = timezone.make_aware(datetime.datetime(2026, 4, 2, 10))
    for source in ("walk_in", "walk_in", "grid"):
        case_create(by=world["admin"], village=world["village_a"], source=source, category="neighbour",
                    title="邻里纠纷", description="占道堆放杂物", parties=[{"name": "张三", "role": "applicant"}],
                    received_at=received)
    values = _values(["mediation.received", "mediation.source.walk_in", "mediation.source.grid",
                      "mediation.resolved", "mediation.share_in_village", "mediation.mean_days"],
                     "zone", [world["zone_a"].pk, world["zone_b"].pk], "2026-04")
    assert values[world["zone_a"].pk] == {
        "mediation.received": 3, "mediation.source.walk_in": 2, "mediation.source.grid": 1, "mediation.resolved": 0,
        "mediation.share_in_village": None, "mediation.mean_days": None}
    assert values[world["zone_b"].pk]["mediation.received"] == 0


# ---- the API --------------------------------------------------------------------------------------

def test_api_definitions_and_values(world):
    client = api_client(world["admin"])
    definitions = client.get("/api/metrics/").json()
    assert {"code", "name", "definition", "unit", "group"} <= set(definitions[0])
    answer = client.get("/api/metrics/values/", {"node": f"zone:{world['zone_a'].pk}", "period": "2026",
                                                  "codes": "members.linked_households", "compare": "true"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["period_label"] == "2026年"
    assert body["values"] == [{"node": f"zone:{world['zone_a'].pk}", "node_name": world["zone_a"].name,
                               "code": "members.linked_households", "value": 2.0, "previous": 2.0}]


@pytest.mark.parametrize("params,field", [
    ({"node": "zone:1", "period": "2026-13"}, "period"),
    ({"node": "zone:1", "period": "2026", "codes": "nope"}, "codes"),
    ({"node": "galaxy:1", "period": "2026"}, "node"),
])
def test_api_bad_parameters_name_the_field(world, params, field):
    answer = api_client(world["admin"]).get("/api/metrics/values/", params)
    assert answer.status_code == 400 and field in answer.json()


def test_api_scope_a_zone_committee_reads_its_zone_and_villages_only(world):
    user = make_user("zone_committee", world["zone_a"])
    client = api_client(user)
    ok = client.get("/api/metrics/values/", {"node": f"village:{world['village_a'].pk}", "period": "2026",
                                              "codes": "members.households"})
    assert ok.status_code == 200 and ok.json()["values"][0]["value"] == 3
    for node in (f"zone:{world['zone_b'].pk}", f"town:{world['town'].pk}", "district", "zone:999999"):
        refused = client.get("/api/metrics/values/", {"node": node, "period": "2026"})
        assert refused.status_code == 400, node
    # an unknown node and another zone's read the same: no oracle
    other = client.get("/api/metrics/values/", {"node": f"zone:{world['zone_b'].pk}", "period": "2026"}).json()
    unknown = client.get("/api/metrics/values/", {"node": "zone:999999", "period": "2026"}).json()
    assert other["node"][0].replace(str(world["zone_b"].pk), "N") == unknown["node"][0].replace("999999", "N")


def test_export_is_the_same_query_as_an_xlsx(world):
    import io

    from openpyxl import load_workbook

    client = api_client(world["admin"])
    answer = client.get("/api/metrics/values/export/", {
        "node": f"zone:{world['zone_a'].pk},zone:{world['zone_b'].pk}", "period": "2026",
        "codes": "members.households,members.link_coverage"})
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    rows = list(book["指标"].iter_rows(values_only=True))
    assert rows[1] == ("节点", "户数（户）", "联户覆盖率（%）")
    assert rows[2] == (world["zone_a"].name, 3, 66.7) and rows[3] == (world["zone_b"].name, 1, 0)
    assert [r[0] for r in book["口径说明"].iter_rows(min_row=2, values_only=True)] == [
        "members.households", "members.link_coverage"]


def test_metrics_page_is_for_the_levels_of_ones_grants(world):
    from tests.clients import page_client

    zone_user = make_user("zone_committee", world["zone_a"])
    answer = page_client(zone_user).get("/reports/metrics/")
    assert answer.status_code == 200
    assert answer.context["page_data"]["levels"] == ["zone", "village"]
    assert page_client(world["admin"]).get("/reports/metrics/").context["page_data"]["levels"][0] == "district"


def test_the_cache_must_outlive_the_warming_interval():
    from reports.checks import figures_cache_problems

    assert figures_cache_problems(300, 4) == []
    assert figures_cache_problems(0, 4) == []  # off
    assert [w.id for w in figures_cache_problems(240, 4)] == ["reports.W001"]
    assert "METRICS_WARM_MINUTES" in figures_cache_problems(120, 10)[0].msg
