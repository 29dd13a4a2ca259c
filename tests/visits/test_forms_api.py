"""The browser's forms over the visits API: policy preview before saving, reviewing colour suggestions, the
follow-up work list. Each refusal: who may not, what a bad form answers (in Chinese, naming the field)."""
import datetime

import pytest

from tests import factories as f
from tests.clients import api_client
from villages.models import Household
from visits import services
from visits.models import ColorChange, ColorSuggestionReview, Visit, VisitPolicy

from .conftest import refreshed

D = datetime.timedelta
pytestmark = pytest.mark.django_db


def _dues():
    return dict(Household.objects.values_list("pk", "next_visit_due"))


# --- policy preview ---------------------------------------------------------------------------------


def test_policy_preview_counts_exactly_the_households_the_save_moves(world, clock):
    extra = [f.HouseholdFactory(grid=world.grid2, color=color) for color in ("red", "red", "yellow", "green")]
    assert extra
    f.HouseholdFactory(grid=world.other_zone_household.grid, color="red")  # 胡山 keeps its own policy
    assert api_client(world.other_zone_user).post("/api/visit-policies/", {"zone": world.other_zone.pk, "red_days": 4},
                                                  format="json").status_code == 201
    town = api_client(world.town_user)
    body = {"town": world.town.pk, "red_days": 5, "yellow_days": 20}
    before = _dues()
    preview = town.post("/api/visit-policies/preview/", body, format="json")
    assert preview.status_code == 200, preview.content
    data = preview.json()
    assert _dues() == before and not VisitPolicy.objects.filter(zone=None).exists()  # a preview writes nothing
    assert data["creates"] is True and data["deltas"]["red"] == -2 and data["deltas"]["yellow"] == -10
    saved = town.post("/api/visit-policies/", body, format="json")
    assert saved.status_code == 201
    after = _dues()
    moved = [pk for pk in before if before[pk] != after[pk]]
    assert data["households"] == len(moved) > 0
    colors = dict(Household.objects.filter(pk__in=moved).values_list("pk", "color"))
    assert data["by_color"]["red"] == sum(1 for c in colors.values() if c == "red")
    assert data["by_color"]["yellow"] == sum(1 for c in colors.values() if c == "yellow")
    assert data["by_color"]["green"] == 0 and data["by_color"]["red"] == 3  # 闫满's, not 胡山's

    # a zone override previews the zone's households only, against the town's policy now in force
    zone = api_client(world.zone_user)
    preview = zone.post("/api/visit-policies/preview/", {"zone": world.zone.pk, "red_days": 3}, format="json").json()
    before = _dues()
    assert zone.post("/api/visit-policies/", {"zone": world.zone.pk, "red_days": 3}, format="json").status_code == 201
    after = _dues()
    assert preview["households"] == sum(1 for pk in before if before[pk] != after[pk]) == 3  # the zone's red ones
    assert preview["before"]["red"] == 5 and preview["source"] == "town"


def test_policy_preview_refusals(world):
    zone = api_client(world.zone_user)
    # a zone committee may not set (or preview) its town's policy, nor another zone's
    assert zone.post("/api/visit-policies/preview/", {"town": world.town.pk, "red_days": 3},
                     format="json").status_code == 403
    response = zone.post("/api/visit-policies/preview/", {"zone": world.other_zone.pk, "red_days": 3}, format="json")
    assert response.status_code in (400, 403)
    assert api_client(world.worker_user).post("/api/visit-policies/preview/", {"zone": world.zone.pk, "red_days": 3},
                                              format="json").status_code in (400, 403)
    bad = zone.post("/api/visit-policies/preview/", {"zone": world.zone.pk, "red_days": 0}, format="json")
    assert bad.status_code == 400 and "红色户走访间隔" in str(bad.json()["red_days"])
    order = zone.post("/api/visit-policies/preview/", {"zone": world.zone.pk, "escalate_grid_days": 20},
                      format="json")
    assert order.status_code == 400 and "逐级上报" in str(order.json())
    nowhere = zone.post("/api/visit-policies/preview/", {"red_days": 3}, format="json")
    assert nowhere.status_code == 400 and "town" in nowhere.json()


# --- colour-change suggestions --------------------------------------------------------------------------


def _suggested(client):
    return {r["household"]: r["suggested_color"] for r in client.get("/api/color-changes/suggestions/").json()["results"]}


def test_rejecting_a_suggestion_needs_a_reason_and_hides_it(world):
    lonely = f.HouseholdFactory(grid=world.grid, head_name="独居户", tags=["独居老人"])
    cadre = api_client(world.cadre_user)
    assert _suggested(cadre)[lonely.pk] == "yellow"

    for reason in ("", "   "):
        response = cadre.post("/api/color-changes/reject-suggestion/", {"household": lonely.pk, "reason": reason},
                              format="json")
        assert response.status_code == 400
        assert "理由" in str(response.json()["reason"])
    assert not ColorSuggestionReview.objects.exists()

    # a grid member may accept but not reject (rejecting keeps a household out of closer attention)
    refused = api_client(world.worker_user).post("/api/color-changes/reject-suggestion/",
                                                 {"household": lonely.pk, "reason": "子女每天探望"}, format="json")
    assert refused.status_code == 403
    assert not ColorSuggestionReview.objects.exists()

    done = cadre.post("/api/color-changes/reject-suggestion/", {"household": lonely.pk, "reason": "子女每天探望"},
                      format="json")
    assert done.status_code == 201, done.content
    assert done.json()["decision"] == "rejected" and done.json()["reason"] == "子女每天探望"
    assert refreshed(lonely).color == "green"
    assert lonely.pk not in _suggested(cadre)
    reviews = cadre.get("/api/color-suggestion-reviews/", {"decision": "rejected"}).json()["results"]
    assert [r["household"] for r in reviews] == [lonely.pk]

    # another circumstance, another suggestion: back on the list
    Household.objects.filter(pk=lonely.pk).update(tags=["独居老人", "重病"])
    assert _suggested(cadre)[lonely.pk] == "orange"


def test_accepting_a_suggestion_raises_the_colour_and_records_the_review(world, clock):
    petitioner = f.HouseholdFactory(grid=world.grid, head_name="信访户", tags=["信访"])
    worker = api_client(world.worker_user)
    response = worker.post("/api/color-changes/accept-suggestion/", {"household": petitioner.pk}, format="json")
    assert response.status_code == 201, response.content
    assert refreshed(petitioner).color == "orange"
    change = ColorChange.objects.get(household=petitioner)
    assert change.source == "suggestion" and "信访" in change.reason
    assert ColorSuggestionReview.objects.get(household=petitioner).color_change == change
    again = worker.post("/api/color-changes/accept-suggestion/", {"household": petitioner.pk}, format="json")
    assert again.status_code == 400 and "没有调高颜色的建议" in str(again.json()["household"])
    outside = api_client(world.other_zone_user).post(
        "/api/color-changes/accept-suggestion/", {"household": petitioner.pk}, format="json")
    assert outside.status_code in (400, 404)
    bad = worker.post("/api/color-changes/accept-suggestion/", {"household": "abc"}, format="json")
    assert bad.status_code == 400 and "户ID" in str(bad.json()["household"])


# --- the follow-up work list -----------------------------------------------------------------------------


def test_follow_up_work_list_and_marking_it_handled(world, clock):
    needs = services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today,
                               concerns="邻居占用排水沟", follow_up_needed=True, follow_up_note="报村委协调")
    services.visit_log(household=world.green, author=world.member_user, visited_on=clock.today)
    outside = services.visit_log(household=world.other_zone_household, author=world.other_zone_user,
                                 visited_on=clock.today, follow_up_needed=True, follow_up_note="另一工作区的事")
    worker = api_client(world.worker_user)
    rows = worker.get("/api/visits/", {"follow_up_open": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [needs.pk]
    assert rows[0]["household_address"] == world.red.address and rows[0]["follow_up_done_at"] is None

    empty = worker.post(f"/api/visits/{needs.pk}/follow-up-done/", {"result": "  "}, format="json")
    assert empty.status_code == 400 and "跟进结果" in str(empty.json()["result"])
    assert refreshed(needs).follow_up_done_at is None
    assert api_client(world.other_zone_user).post(
        f"/api/visits/{needs.pk}/follow-up-done/", {"result": "已协调"}, format="json").status_code == 404
    assert api_client(world.consumer).post(
        f"/api/visits/{needs.pk}/follow-up-done/", {"result": "已协调"}, format="json").status_code == 403

    done = worker.post(f"/api/visits/{needs.pk}/follow-up-done/", {"result": "村委已协调，排水沟已清理"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["follow_up_result"] == "村委已协调，排水沟已清理"
    assert done.json()["follow_up_done_by_name"]
    assert worker.get("/api/visits/", {"follow_up_open": "true"}).json()["results"] == []
    handled = worker.get("/api/visits/", {"follow_up_open": "false"}).json()["results"]
    assert [r["id"] for r in handled] == [needs.pk]
    twice = worker.post(f"/api/visits/{needs.pk}/follow-up-done/", {"result": "再次"}, format="json")
    assert twice.status_code == 400 and "已于" in str(twice.json()["result"])
    plain = Visit.objects.exclude(follow_up_needed=True).first()
    assert worker.post(f"/api/visits/{plain.pk}/follow-up-done/", {"result": "x"}, format="json").status_code == 400
    assert outside.follow_up_done_at is None


def test_the_work_lists_export_with_their_filters(world, clock):
    services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today,
                       follow_up_needed=True, follow_up_note="报村委协调")
    services.visit_log(household=world.green, author=world.member_user, visited_on=clock.today)
    lonely = f.HouseholdFactory(grid=world.grid, head_name="独居户", tags=["独居老人"])
    services.color_suggestion_reject(household=lonely, reason="子女每天探望", user=world.cadre_user)
    cadre = api_client(world.cadre_user)
    for path, params in (("/api/visits/export/", {"follow_up_open": "true"}),
                         ("/api/color-suggestion-reviews/export/", {}), ("/api/color-changes/export/", {})):
        response = cadre.get(path, params)
        assert response.status_code == 200, (path, response.content[:200])
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    import openpyxl

    response = cadre.get("/api/visits/export/", {"follow_up_open": "true"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and "跟进事项" in rows[0] and "报村委协调" in rows[1]
