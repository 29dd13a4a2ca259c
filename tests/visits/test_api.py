"""The visits API: writes go through the services, bad input is a 400 naming the field in Chinese, reads are scoped."""
import datetime

import pytest
from rest_framework.test import APIClient

from villages.models import Household
from visits import services
from visits.models import ColorChange, HouseholdVisitState, Visit, VisitPolicy

from .conftest import refreshed

D = datetime.timedelta


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _messages(response, field):
    return " ".join(str(m) for m in response.data[field])


# --- logging a visit on the phone ------------------------------------------------------------


def test_grid_member_logs_a_visit_and_the_household_leaves_the_overdue_list(world, clock):
    clock.advance(days=9)  # red (due day 7) is overdue
    client = client_for(world.member_user)
    due = client.get("/api/visits/due/", {"mine": "true"})
    assert due.status_code == 200
    rows = due.data["results"]
    assert [r["id"] for r in rows][:1] == [world.red.pk]  # most overdue first
    assert rows[0]["is_overdue"] is True and rows[0]["days_overdue"] == 2
    overdue = client.get("/api/visits/due/", {"mine": "true", "overdue": "true"}).data["results"]
    assert [r["id"] for r in overdue] == [world.red.pk]

    response = client.post("/api/visits/", {
        "household": world.red.pk, "visited_on": clock.today.isoformat(), "method": "in_person",
        "content": ["了解困难诉求", "化解矛盾纠纷"], "duties": ["concerns", "harmony"], "concerns": "宅基地边界纠纷",
        "follow_up_needed": True, "follow_up_note": "报轮值调解室",
    }, format="json")
    assert response.status_code == 201, response.data
    assert response.data["visitor_name"] == "张党员" and response.data["can_correct"] is True
    assert refreshed(world.red).next_visit_due == clock.today + D(days=7)
    assert client.get("/api/visits/due/", {"mine": "true", "overdue": "true"}).data["results"] == []


@pytest.mark.parametrize(
    ("body", "field", "label"),
    [
        ({"visited_on": "tomorrow"}, "visited_on", "走访日期"),
        ({"visited_on": "2025-13-45"}, "visited_on", "走访日期"),
        ({"method": "letter"}, "method", "走访方式"),
        ({"content": ["打麻将"]}, "content", "走访内容"),
        ({"duties": ["boss"]}, "duties", "履行职责"),
        ({"visitor_member": "stranger"}, "visitor_member", "走访党员"),
    ],
)
def test_bad_visits_are_400_naming_the_field_and_write_nothing(world, clock, body, field, label):
    clock.advance(days=1)
    body = dict(body)
    if body.get("visited_on") == "tomorrow":
        body["visited_on"] = (clock.today + D(days=1)).isoformat()
    if body.get("visitor_member") == "stranger":
        from tests import factories as f

        body["visitor_member"] = f.PartyMemberFactory(branch=world.member.branch, name="外人").pk
    due = refreshed(world.red).next_visit_due
    response = client_for(world.cadre_user).post(
        "/api/visits/", {"household": world.red.pk, "visited_on": clock.today.isoformat(), **body}, format="json")
    assert response.status_code == 400, response.data
    assert field in response.data and label in _messages(response, field)
    assert not Visit.objects.exists() and not HouseholdVisitState.objects.exists()
    assert refreshed(world.red).next_visit_due == due


def test_scope_other_zone_is_404_and_a_grid_member_sees_only_their_households(world, clock):
    mine = services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today)
    other = services.visit_log(household=world.other_zone_household, author=world.other_zone_user,
                               visited_on=clock.today)
    unlinked = services.visit_log(household=world.unlinked, author=world.cadre_user, visited_on=clock.today)
    member = client_for(world.member_user)
    assert [r["id"] for r in member.get("/api/visits/").data["results"]] == [mine.pk]
    assert member.get(f"/api/visits/{unlinked.pk}/").status_code == 404
    assert member.get(f"/api/visits/{other.pk}/").status_code == 404
    due_ids = {r["id"] for r in member.get("/api/visits/due/", {"within_days": 366}).data["results"]}
    assert due_ids == {h.pk for h in world.linked}
    zone = client_for(world.zone_user)
    assert {r["id"] for r in zone.get("/api/visits/").data["results"]} == {mine.pk, unlinked.pk}
    assert zone.get(f"/api/visits/{other.pk}/").status_code == 404
    assert zone.get("/api/visits/dashboard/", {"zone": world.other_zone.pk}).status_code == 404
    # the worker of grid one sees grid one, not grid two
    worker_ids = {r["id"] for r in client_for(world.worker_user).get("/api/visits/due/", {"within_days": 366}).data["results"]}
    assert worker_ids == {h.pk for h in world.linked}
    # a read-only consumer reads but cannot log
    consumer = client_for(world.consumer)
    assert consumer.get(f"/api/visits/{mine.pk}/").status_code == 200
    response = consumer.post("/api/visits/", {"household": world.red.pk, "visited_on": clock.today.isoformat()},
                             format="json")
    assert response.status_code == 403


def test_corrections_by_the_author_within_seven_days_then_by_the_zone(world, clock):
    visit = services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today)
    member = client_for(world.member_user)
    assert member.patch(f"/api/visits/{visit.pk}/", {"concerns": "补充"}, format="json").status_code == 200
    clock.advance(days=8)
    response = member.patch(f"/api/visits/{visit.pk}/", {"concerns": "再补充"}, format="json")
    assert response.status_code == 403
    assert member.get(f"/api/visits/{visit.pk}/").data["can_correct"] is False
    zone = client_for(world.zone_user)
    assert zone.patch(f"/api/visits/{visit.pk}/", {"concerns": "工作区更正"}, format="json").status_code == 200
    history = zone.get(f"/api/visits/{visit.pk}/history/").data
    assert [h["label"] for h in history] == ["修改", "修改", "创建"]
    assert history[0]["user"] == "闫满书记"  # the zone committee member who corrected it, by display name
    assert member.delete(f"/api/visits/{visit.pk}/").status_code == 405


def test_queries_are_bounded(world, clock, django_assert_max_num_queries):
    for household in world.linked:
        services.visit_log(household=household, author=world.member_user, visited_on=clock.today)
    client = client_for(world.zone_user)
    with django_assert_max_num_queries(8):
        assert client.get("/api/visits/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/visits/due/", {"within_days": 366}).status_code == 200
    # the registry's sources, run once for the zone and once for its villages (each a grouped query): a constant
    with django_assert_max_num_queries(12):
        assert client.get("/api/visits/dashboard/", {"zone": world.zone.pk}).status_code == 200


# --- colors -------------------------------------------------------------------------------------


def test_color_change_through_the_api(world, clock):
    client = client_for(world.member_user)
    response = client.post("/api/color-changes/", {"household": world.green.pk, "to_color": "red"}, format="json")
    assert response.status_code == 400 and "调整原因" in _messages(response, "reason")
    response = client.post("/api/color-changes/", {"household": world.green.pk, "to_color": "purple", "reason": "x"},
                           format="json")
    assert response.status_code == 400 and "新颜色" in _messages(response, "to_color")
    assert not ColorChange.objects.exists() and refreshed(world.green).color == "green"
    response = client.post("/api/color-changes/", {"household": world.green.pk, "to_color": "red",
                                                   "reason": "突发重病"}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["next_visit_due"] == (clock.today + D(days=7)).isoformat()
    history = client.get("/api/color-changes/", {"household": world.green.pk}).data["results"]
    assert [(h["from_color"], h["to_color"], h["changed_by_name"]) for h in history] == [("green", "red", "张党员")]
    assert client.patch(f"/api/color-changes/{history[0]['id']}/", {"reason": "改"}, format="json").status_code == 405
    # lowering needs a village cadre
    response = client.post("/api/color-changes/", {"household": world.green.pk, "to_color": "green"}, format="json")
    assert response.status_code == 403


def test_suggestions_list_raises_only(world):
    Household.objects.filter(pk=world.unlinked.pk).update(tags=["独居老人", "重病"])
    rows = client_for(world.cadre_user).get("/api/color-changes/suggestions/").data["results"]
    assert [(r["household"], r["suggested_color"], r["reasons"]) for r in rows] == [
        (world.unlinked.pk, "orange", ["独居老人+重病"])]
    assert refreshed(world.unlinked).color == "green"


# --- policies -------------------------------------------------------------------------------------


def test_policy_interval_must_be_positive(world):
    response = client_for(world.town_user).post("/api/visit-policies/", {"town": world.town.pk, "red_days": 0},
                                                format="json")
    assert response.status_code == 400 and "红色户走访间隔" in _messages(response, "red_days")
    assert not VisitPolicy.objects.exists()


def test_policy_change_through_the_api_replans_and_zone_sees_its_effective_policy(world, clock):
    town = client_for(world.town_user)
    response = town.post("/api/visit-policies/", {"town": world.town.pk, "red_days": 5}, format="json")
    assert response.status_code == 201, response.data
    assert refreshed(world.red).next_visit_due == clock.today + D(days=5)
    zone = client_for(world.zone_user)
    assert zone.get(f"/api/visit-policies/{response.data['id']}/").status_code == 404  # the town's own row
    effective = zone.get("/api/visit-policies/effective/", {"zone": world.zone.pk}).data
    assert effective["intervals"]["red"] == 5 and effective["source"] == "town"
    assert zone.patch(f"/api/visit-policies/{response.data['id']}/", {"red_days": 3}, format="json").status_code == 404
    response = zone.post("/api/visit-policies/", {"zone": world.zone.pk, "red_days": 3}, format="json")
    assert response.status_code == 201
    assert refreshed(world.red).next_visit_due == clock.today + D(days=3)
    response = zone.post("/api/visit-policies/", {"zone": world.other_zone.pk, "red_days": 3}, format="json")
    assert response.status_code == 400 and "zone" in response.data
    assert client_for(world.member_user).get("/api/visit-policies/effective/",
                                             {"household": world.red.pk}).data["intervals"]["red"] == 3


# --- counts, coverage, dashboard, reminders ---------------------------------------------------------


def test_counts_coverage_and_dashboard(world, clock):
    clock.advance(days=8)  # red overdue
    services.visit_log(household=world.green, author=world.member_user, visited_on=clock.today)
    zone = client_for(world.zone_user)
    counts = zone.get("/api/visits/due-counts/", {"by": "grid"}).data
    assert {(r["name"], r["overdue"]) for r in counts} == {("网格一", 1), ("网格二", 0)}
    coverage = {r["name"]: r for r in zone.get("/api/visits/coverage/", {"by": "member"}).data}
    assert coverage["张党员"]["covered"] == 1 and coverage["张党员"]["households"] == 4
    assert coverage["未联户"]["households"] == 1
    assert zone.get("/api/visits/coverage/", {"by": "planet"}).status_code == 400
    board = zone.get("/api/visits/dashboard/", {"zone": world.zone.pk}).data
    assert board["households"] == 5 and board["overdue"] == 1
    assert {c["color"]: c["households"] for c in board["color_mix"]} == {"green": 2, "yellow": 1, "orange": 1, "red": 1}
    assert board["overdue_by_village"][0]["name"] == "闫满村" and board["overdue_by_village"][0]["overdue_red"] == 1
    assert board["coverage_trend"][-1]["date"] == clock.today.isoformat()


def test_reminders_are_read_only_and_mine_filter(world, clock):
    from visits import reminders

    reminders.reminder_job_run(on=clock.today)
    client = client_for(world.member_user)
    rows = client.get("/api/reminders/", {"mine": "true", "open": "true"}).data["results"]
    assert [r["household"] for r in rows] == [world.red.pk]
    assert client.post("/api/reminders/", {}, format="json").status_code == 405
    assert client_for(world.other_zone_user).get(f"/api/reminders/{rows[0]['id']}/").status_code == 404


@pytest.mark.parametrize("path, params, field, label", [
    ("/api/visit-policies/effective/", {"zone": "abc"}, "zone", "工作区"),
    ("/api/visit-policies/effective/", {"household": "-3"}, "household", "户"),
    ("/api/visit-policies/effective/", {"town": "1.5"}, "town", "街道(镇)"),
    ("/api/color-changes/suggestions/", {"grid": "x"}, "grid", "微网格"),
    ("/api/color-changes/suggestions/", {"village": "0"}, "village", "村/社区"),
    ("/api/visits/due/", {"zone": "一"}, "zone", "工作区"),
    ("/api/visits/dashboard/", {"town": "abc"}, "town", "街道(镇)"),
])
def test_bad_query_parameters_are_400_naming_the_field(world, path, params, field, label):
    response = client_for(world.zone_user).get(path, params)
    assert response.status_code == 400, response.data
    assert label in _messages(response, field)


def test_effective_policy_needs_a_place_and_hides_other_zones(world):
    zone = client_for(world.zone_user)
    response = zone.get("/api/visit-policies/effective/")
    assert response.status_code == 400 and "请指定" in _messages(response, "zone")
    assert zone.get("/api/visit-policies/effective/", {"zone": world.other_zone.pk}).status_code == 404
    assert zone.get("/api/visit-policies/effective/", {"household": world.red.pk}).data["source"] == "default"


def test_visits_list_through_the_deferred_join_is_the_serializers_output(world, clock):
    for household in world.linked:
        services.visit_log(household=household, author=world.member_user, visited_on=clock.today)
    zone = client_for(world.zone_user)
    rows = zone.get("/api/visits/", {"page_size": 2}).data
    assert rows["count"] == len(world.linked) and len(rows["results"]) == 2
    first = rows["results"][0]
    assert first == zone.get(f"/api/visits/{first['id']}/").data
