"""The mediation API: scope (other zone 404, lists exactly in scope), transitions, errors, rota, statistics."""
import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role, SecurityAction, SecurityEvent
from mediation import services
from mediation.models import CaseState, DisputeCase, DutyShift, FollowUp
from tests.clients import api_client
from tests.factories import HouseholdFactory, MicroGridFactory, NaturalVillageFactory, make_user

from .conftest import PARTIES, agreement_args, new_case, on_duty_today


def ids(response):
    assert response.status_code == 200, response.content
    data = response.json()
    return sorted(row["id"] for row in (data["results"] if isinstance(data, dict) and "results" in data else data))


@pytest.fixture
def spread(world):
    """One case per village: A1, A2 (zone A), B1 (zone B, same town), C1 (other town)."""
    return {
        "a1": new_case(world),
        "a2": new_case(world, village=world.village_a2, by=world.cadre_a2),
        "b1": new_case(world, village=world.village_b1, by=world.cadre_b1),
        "c1": new_case(world, village=world.village_c1, by=make_user(Role.VILLAGE_CADRE, world.village_c1)),
    }


# --- scope ------------------------------------------------------------------------------------------

def test_case_lists_contain_exactly_the_cases_in_scope(world, spread):
    expected = {
        "cadre_a1": ["a1"], "cadre_a2": ["a2"], "zone_a": ["a1", "a2"], "zone_b": ["b1"],
        "town_a": ["a1", "a2", "b1"], "town_b": ["c1"], "consumer_a": ["a1", "a2"],
    }
    users = {u.username: u for u in [world.cadre_a1, world.cadre_a2, world.zone_a_user, world.zone_b_user,
                                     world.town_a_user, world.town_b_user, world.consumer_a]}
    for username, keys in expected.items():
        got = ids(api_client(users[username]).get("/api/dispute-cases/"))
        assert got == sorted(spread[k].pk for k in keys), username


def test_other_zone_is_404_for_reads_and_actions(world, spread):
    client = api_client(world.zone_b_user)
    case = spread["a1"]
    for url in (f"/api/dispute-cases/{case.pk}/", f"/api/dispute-cases/{case.pk}/events/"):
        assert client.get(url).status_code == 404
    for action in ("classify", "escalate", "start-mediation", "reveal"):
        assert client.post(f"/api/dispute-cases/{case.pk}/{action}/", {}).status_code == 404
    assert api_client(world.cadre_a1).get(f"/api/dispute-cases/{spread['a2'].pk}/").status_code == 404
    assert APIClient().get("/api/dispute-cases/").status_code in (401, 403)


def test_the_duty_officer_sees_the_case_escalated_to_them(world, spread):
    on_duty_today(world, officer_index=2)  # cadre_a2, the village secretary of A2
    case = services.case_classify(case=spread["a1"], by=world.cadre_a1)
    services.case_escalate(case=case, by=world.cadre_a1)
    assert ids(api_client(world.cadre_a2).get("/api/dispute-cases/")) == sorted([spread["a1"].pk, spread["a2"].pk])
    mine = api_client(world.cadre_a2).get("/api/dispute-cases/", {"mine": "true"})
    assert ids(mine) == sorted([spread["a1"].pk, spread["a2"].pk])  # a2: received by them
    assert ids(api_client(world.cadre_a1).get("/api/dispute-cases/", {"mine": "true"})) == []


def test_a_read_only_consumer_cannot_write(world, spread):
    client = api_client(world.consumer_a)
    assert client.post(f"/api/dispute-cases/{spread['a1'].pk}/classify/", {}).status_code == 403
    response = client.post("/api/dispute-cases/", {"village": world.village_a1.pk, "source": "grid", "category": "other",
                                                   "title": "t", "description": "d", "parties": PARTIES}, format="json")
    assert response.status_code == 403
    assert DisputeCase.objects.count() == 4


def test_list_query_count_does_not_grow_with_the_page(world, spread, django_assert_max_num_queries):
    for _ in range(30):
        new_case(world)
    client = api_client(world.town_a_user)
    with django_assert_max_num_queries(8):
        response = client.get("/api/dispute-cases/", {"page_size": 50})
    assert response.json()["count"] == 33


# --- intake and transitions through the API ------------------------------------------------------------

def test_intake_returns_the_case_with_masked_parties(world):
    payload = {"village": world.village_a1.pk, "source": "hotline", "category": "land", "urgency": "urgent",
               "title": "宅基地边界争议", "description": "两户对宅基地边界有争议。", "parties": PARTIES}
    response = api_client(world.cadre_a1).post("/api/dispute-cases/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["state_display"], body["level"]) == ("received", "受理", "village")
    assert body["parties"][0]["phone_masked"] == "138****1234"
    assert "13805311234" not in response.content.decode()
    assert [a["action"] for a in body["next_actions"]] == ["classify"]


def test_intake_errors_are_400_in_chinese_naming_the_field(world):
    client = api_client(world.cadre_a1)
    response = client.post("/api/dispute-cases/", {
        "village": world.village_c1.pk, "source": "weibo", "category": "land", "title": "x", "description": "y",
        "parties": [{"name": "张三", "phone": "123"}],
    }, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert "village" in errors and "不在您的管辖范围内" in errors["village"][0]
    assert errors["source"][0].startswith("来源：")
    response = client.post("/api/dispute-cases/", {
        "village": world.village_a1.pk, "source": "grid", "category": "land", "title": "x", "description": "y",
        "parties": [{"name": "张三", "phone": "123"}],
    }, format="json")
    assert response.status_code == 400
    assert "第1位当事人：电话号码无效" in response.json()["parties"][0]
    assert not DisputeCase.objects.exists()


def test_dates_the_platform_cannot_compute_with_are_400_naming_the_field(world, spread):
    """A filter or body date outside 1900-01-01…2099-12-31 is refused (it used to overflow: a 500)."""
    client = api_client(world.cadre_a1)
    for path in ("/api/dispute-cases/", "/api/dispute-cases/summary/", "/api/dispute-cases/statistics/"):
        response = client.get(path, {"received_before": "9999-12-31"})
        assert response.status_code == 400, (path, response.content)
        assert response.json() == {"received_before": ["受理日期不晚于：应在 1900-01-01 至 2099-12-31 之间。"]}
    response = client.get("/api/duty-shifts/gaps/", {"start": "9999-12-31"})
    assert response.status_code == 400
    assert response.json() == {"start": ["开始日期：应在 1900-01-01 至 2099-12-31 之间。"]}
    assert client.get("/api/dispute-cases/", {"received_before": "2099-12-31"}).status_code == 200


def test_an_invalid_transition_is_400_naming_the_allowed_next_states(world, spread):
    client = api_client(world.cadre_a1)
    case = spread["a1"]
    response = client.post(f"/api/dispute-cases/{case.pk}/close/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"state": ["状态：当前状态“受理”不能变更为“结案”。允许的下一状态：分类处置。"]}
    response = client.post(f"/api/dispute-cases/{case.pk}/classify/", {"category": "land", "note": "涉及宅基地"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "classified"
    response = client.post(f"/api/dispute-cases/{case.pk}/resolve/", {**agreement_args(case)}, format="json")
    assert response.status_code == 400
    assert response.json()["state"][0].endswith("允许的下一状态：调处中、上交、转办。")


def test_the_village_cannot_act_on_a_case_at_the_zone(world, spread):
    client = api_client(world.cadre_a1)
    case = spread["a1"]
    assert client.post(f"/api/dispute-cases/{case.pk}/classify/", {}, format="json").status_code == 200
    response = client.post(f"/api/dispute-cases/{case.pk}/escalate/", {"note": "需工作区协调"}, format="json")
    assert response.status_code == 200
    assert (response.json()["level"], response.json()["next_actions"]) == ("zone", [])
    response = client.post(f"/api/dispute-cases/{case.pk}/start-mediation/", {}, format="json")
    assert response.status_code == 403
    assert client.get(f"/api/dispute-cases/{case.pk}/").status_code == 200  # still readable by the village


def test_the_whole_path_through_the_api_with_timeline_and_follow_ups(world, spread, django_capture_on_commit_callbacks):
    on_duty_today(world, officer_index=1)  # the deputy
    case = spread["a1"]
    village, zone = api_client(world.cadre_a1), api_client(world.zone_a_deputy)
    village.post(f"/api/dispute-cases/{case.pk}/classify/", {}, format="json")
    body = village.post(f"/api/dispute-cases/{case.pk}/escalate/", {}, format="json").json()
    assert body["assignee_name"] == "高副书记"
    body = zone.post(f"/api/dispute-cases/{case.pk}/start-mediation/", {}, format="json").json()
    assert [a["action"] for a in body["next_actions"]] == ["resolve", "mark-unresolved"]
    parties = [p["id"] for p in body["parties"]]
    response = zone.post(f"/api/dispute-cases/{case.pk}/resolve/", {
        "terms": "双方各退一步。", "mediators": "高志强", "confirmed_parties": parties[:1]}, format="json")
    assert response.status_code == 400 and "尚未确认：王长贵" in response.json()["confirmed_parties"][0]
    response = zone.post(f"/api/dispute-cases/{case.pk}/resolve/", {
        "terms": "双方各退一步。", "mediators": "高志强", "confirmed_parties": parties}, format="json")
    assert response.status_code == 200 and response.json()["agreement"]["terms"] == "双方各退一步。"
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_ups_schedule()
    follow_ups = zone.get("/api/follow-ups/", {"case": case.pk, "pending": "true"}).json()["results"]
    assert [f["sequence"] for f in follow_ups] == [1, 2]
    for follow_up in follow_ups:
        response = village.post(f"/api/follow-ups/{follow_up['id']}/record/", {"method": "visit", "satisfaction": "satisfied"},
                                format="json")
        assert response.status_code == 403  # the village no longer handles this zone case
        response = zone.post(f"/api/follow-ups/{follow_up['id']}/record/", {"method": "visit", "satisfaction": "satisfied"},
                             format="json")
        assert response.status_code == 200 and response.json()["satisfaction_display"] == "满意"
    assert zone.post(f"/api/dispute-cases/{case.pk}/close/", {"note": "回访满意"}, format="json").json()["state"] == "closed"
    events = village.get(f"/api/dispute-cases/{case.pk}/events/").json()
    assert [(e["action"], e["to_state_display"]) for e in events] == [
        ("intake", "受理"), ("classify", "分类处置"), ("escalate", "上交"), ("start", "调处中"), ("resolve", "化解"),
        ("schedule_follow_up", "回访"), ("follow_up", "回访"), ("follow_up", "回访"), ("close", "结案"),
    ]
    assert events[2]["actor_name"] == "闫村干" and events[5]["actor_name"] == "系统"
    assert (events[2]["from_level_display"], events[2]["to_level_display"]) == ("村级", "工作区")


def test_refer_and_mark_unresolved_inputs(world, spread):
    client = api_client(world.zone_a_user)
    case = spread["a1"]
    client.post(f"/api/dispute-cases/{case.pk}/classify/", {}, format="json")
    response = client.post(f"/api/dispute-cases/{case.pk}/refer/", {"kind": "moon", "target": ""}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"kind", "target"}
    response = client.post(f"/api/dispute-cases/{case.pk}/refer/", {"kind": "court", "target": "章丘区人民法院"}, format="json")
    assert response.json()["referral_kind_display"] == "人民法院"
    other = spread["a2"]
    client.post(f"/api/dispute-cases/{other.pk}/classify/", {}, format="json")
    client.post(f"/api/dispute-cases/{other.pk}/start-mediation/", {}, format="json")
    response = client.post(f"/api/dispute-cases/{other.pk}/mark-unresolved/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()


def test_reveal_is_for_cadres_and_logged(world, spread):
    case = spread["a1"]
    response = api_client(world.cadre_a1).post(f"/api/dispute-cases/{case.pk}/reveal/")
    assert response.status_code == 200
    assert response.json()[0]["phone"] == "13805311234"
    assert SecurityEvent.objects.filter(
        user=world.cadre_a1, action=SecurityAction.PII_REVEAL, object_type="mediation.disputeparty").count() == 2
    assert api_client(world.consumer_a).post(f"/api/dispute-cases/{case.pk}/reveal/").status_code == 403


def test_cases_filters(world, spread):
    client = api_client(world.town_a_user)
    assert ids(client.get("/api/dispute-cases/", {"zone": world.zone_b.pk})) == [spread["b1"].pk]
    assert ids(client.get("/api/dispute-cases/", {"q": "张德福"})) == sorted(c.pk for k, c in spread.items() if k != "c1")
    today = timezone.localdate().isoformat()
    assert len(ids(client.get("/api/dispute-cases/", {"received_after": today, "received_before": today}))) == 3
    assert ids(client.get("/api/dispute-cases/", {"overdue": "true"})) == []
    summary = client.get("/api/dispute-cases/summary/").json()
    assert summary["by_state"]["received"] == 3 and summary["overdue"] == 0


# --- statistics --------------------------------------------------------------------------------------

def test_statistics_endpoint_is_scoped_and_validated(world, spread):
    rows = api_client(world.town_a_user).get("/api/dispute-cases/statistics/", {"group_by": "zone"}).json()["rows"]
    assert {r["name"]: r["received"] for r in rows} == {"闫满党建工作区": 2, "胡山党建工作区": 1}
    stats = api_client(world.cadre_a1).get("/api/dispute-cases/statistics/", {"group_by": "village"}).json()
    assert [(r["name"], r["received"]) for r in stats["rows"]] == [("闫满村", 1)]
    assert stats["total"]["by_source"]["grid"] == 1
    response = api_client(world.zone_a_user).get("/api/dispute-cases/statistics/", {"group_by": "grid"})
    assert response.status_code == 400 and "group_by" in response.json()


# --- rooms and the rota -------------------------------------------------------------------------------

def test_rooms_are_readable_below_the_zone_but_written_by_the_zone(world):
    cadre = api_client(world.cadre_a1)
    assert [r["zone"] for r in cadre.get("/api/mediation-rooms/").json()["results"]] == [world.zone_a.pk]
    room = cadre.get(f"/api/mediation-rooms/{world.zone_a.pk}/").json()
    assert room["legal_advisers"] == ["王律师（泉城律师事务所）"]
    assert cadre.patch(f"/api/mediation-rooms/{world.zone_a.pk}/", {"place": "x"}, format="json").status_code == 403
    assert api_client(world.zone_b_user).get(f"/api/mediation-rooms/{world.zone_a.pk}/").status_code == 404
    zone = api_client(world.zone_a_user)
    assert zone.patch(f"/api/mediation-rooms/{world.zone_a.pk}/", {"shifts_per_day": 5}, format="json").status_code == 400
    assert zone.patch(f"/api/mediation-rooms/{world.zone_a.pk}/", {"place": "工作区二楼"}, format="json").json()["place"] == "工作区二楼"
    response = api_client(world.zone_b_user).post("/api/mediation-rooms/", {"zone": world.zone_b.pk, "place": "胡山村委"}, format="json")
    assert response.status_code == 201 and response.json()["name"] == "胡山党建工作区轮值调解室"
    again = api_client(world.zone_b_user).post("/api/mediation-rooms/", {"zone": world.zone_b.pk, "place": "x"}, format="json")
    assert again.status_code == 400


def test_generate_swap_today_and_gaps_through_the_api(world):
    zone = api_client(world.zone_a_user)
    start = timezone.localdate()
    end = start + datetime.timedelta(days=5)
    payload = {"room": world.zone_a.pk, "start": start.isoformat(), "end": end.isoformat()}
    assert api_client(world.cadre_a1).post("/api/duty-shifts/generate/", payload, format="json").status_code == 403
    assert api_client(world.zone_b_user).post("/api/duty-shifts/generate/", payload, format="json").status_code == 400
    response = zone.post("/api/duty-shifts/generate/", {
        **payload, "days_off": [{"officer": world.officers_a[0].pk, "dates": [start.isoformat()]}]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["uncovered"]) == (6, 0)
    assert sorted(body["load"].values()) == [2, 2, 2]
    assert body["shifts"][0]["officer"] != world.officers_a[0].pk
    again = zone.post("/api/duty-shifts/generate/", payload, format="json")
    assert again.status_code == 400 and "已有排班" in again.json()["start"][0]
    today = zone.get("/api/duty-shifts/today/").json()
    assert len(today) == 1 and today[0]["slot_label"] == "全天"
    first, second = DutyShift.objects.order_by("date")[:2]
    response = zone.post(f"/api/duty-shifts/{first.pk}/swap/", {"other": second.pk}, format="json")
    assert response.status_code == 200
    assert [s["officer"] for s in response.json()] == [second.officer_id, first.officer_id]
    DutyShift.objects.filter(pk=second.pk).update(officer=None)
    gaps = zone.get("/api/duty-shifts/gaps/", {"days": 7}).json()
    assert [(g["date"], g["shift"]) for g in gaps] == [
        (second.date.isoformat(), second.pk), ((start + datetime.timedelta(days=6)).isoformat(), None)]
    response = zone.patch(f"/api/duty-shifts/{second.pk}/", {"officer": world.officers_a[2].pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["officer"] == world.officers_a[2].pk
    assert DutyShift.objects.get(pk=second.pk).officer_id == world.officers_a[2].pk
    assert zone.get("/api/duty-shifts/gaps/", {"days": "x"}).status_code == 400
    assert api_client(world.zone_b_user).get("/api/duty-shifts/").json()["count"] == 0
    assert zone.post("/api/duty-shifts/", {}, format="json").status_code == 405


def test_officers_are_managed_by_the_zone(world):
    zone = api_client(world.zone_a_user)
    response = zone.post("/api/duty-officers/", {"room": world.zone_a.pk, "name": "王律师", "kind": "other",
                                                 "weekdays_off": [5, 6]}, format="json")
    assert response.status_code == 201 and response.json()["weekdays_off"] == [5, 6]
    response = zone.post("/api/duty-officers/", {"room": world.zone_a.pk, "name": "x", "kind": "other",
                                                 "weekdays_off": [0, 1, 2, 3, 4, 5, 6]}, format="json")
    assert response.status_code == 400 and "weekdays_off" in response.json()
    assert api_client(world.cadre_a1).get("/api/duty-officers/").json()["count"] == 0


# --- a visit's concern opens a case --------------------------------------------------------------------

def test_a_concern_found_on_a_visit_opens_a_linked_case(world, django_capture_on_commit_callbacks):
    from visits.services import visit_log

    grid = MicroGridFactory(natural_village=NaturalVillageFactory(village=world.village_a1))
    household = HouseholdFactory(grid=grid, head_name="赵大海", phone="13905310001")
    grid_user = make_user(Role.GRID_MEMBER, grid, username="grid_a1")
    type(grid).objects.filter(pk=grid.pk).update(worker_user=grid_user)
    visit = visit_log(household=household, author=grid_user, visitor_user=grid_user, visited_on=timezone.localdate(),
                      concerns="与邻居因宅基地边界多次争吵")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(grid_user).post("/api/dispute-cases/from-visit/", {
            "visit": visit.pk, "category": "land", "title": "宅基地边界纠纷"}, format="json")
    assert response.status_code == 201, response.content
    case = DisputeCase.objects.get(pk=response.json()["id"])
    assert (case.visit, case.source, case.village, case.description) == (visit, "grid", world.village_a1, "与邻居因宅基地边界多次争吵")
    assert list(visit.dispute_cases.all()) == [case]  # linked both ways
    assert case.parties.get().name == "赵大海" and case.parties.get().phone_masked == "139****0001"
    assert case.assignee is None and case.received_by == grid_user
    assert world.cadre_a1.notifications.filter(title="走访发现矛盾纠纷").exists()
    assert ids(api_client(world.cadre_a1).get("/api/dispute-cases/", {"visit": visit.pk})) == [case.pk]
    other = api_client(world.cadre_b1).post("/api/dispute-cases/from-visit/", {
        "visit": visit.pk, "category": "land", "title": "x"}, format="json")
    assert other.status_code == 400 and "visit" in other.json()


def test_follow_ups_cannot_be_created_by_hand(world):
    assert api_client(world.zone_a_user).post("/api/follow-ups/", {}, format="json").status_code == 405
    assert FollowUp.objects.count() == 0
    assert CaseState.FOLLOW_UP == "follow_up"


def test_being_the_assignee_gives_no_right_to_reveal(world, spread):
    """Who may reveal is a question of role alone: the owner clause of the scope (a case's assignee reads
    their case) must not extend to personal data (regression: any assignee could reveal)."""
    case = spread["a1"]
    grid_user = make_user(Role.GRID_MEMBER, MicroGridFactory(natural_village=NaturalVillageFactory(village=world.village_a1)))
    DisputeCase.objects.filter(pk=case.pk).update(assignee=grid_user)  # e.g. a grid worker handed the case
    client = api_client(grid_user)
    assert client.get(f"/api/dispute-cases/{case.pk}/").status_code == 200  # the assignee reads the case…
    response = client.post(f"/api/dispute-cases/{case.pk}/reveal/")
    assert response.status_code == 403  # …but not the parties' full phone and ID numbers
    assert "13805311234" not in response.content.decode()
    assert not SecurityEvent.objects.filter(user=grid_user, action=SecurityAction.PII_REVEAL).exists()
