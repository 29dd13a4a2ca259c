"""The case state machine: every transition, every refused one, levels, deadlines, agreements, follow-ups."""
import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mediation import services
from mediation.models import CaseEvent, CaseLevel, CaseState, DisputeCase, DisputeParty, FollowUp, MediationAgreement
from mediation.services.cases import TRANSITIONS, allowed_next_states, next_actions
from notifications.models import Notification

from .conftest import agreement_args, new_case, on_duty_today

S = CaseState


def drive(world, case, state):
    """Bring `case` into `state` along the usual path (as the zone secretary)."""
    by = world.zone_a_user
    steps = {
        S.RECEIVED: [],
        S.CLASSIFIED: ["classify"],
        S.MEDIATING: ["classify", "start"],
        S.RESOLVED: ["classify", "start", "resolve"],
        S.UNRESOLVED: ["classify", "start", "unresolved"],
        S.ESCALATED: ["classify", "escalate"],
        S.REFERRED: ["classify", "refer"],
        S.FOLLOW_UP: ["classify", "start", "resolve", "schedule"],
        S.CLOSED: ["classify", "start", "resolve", "schedule", "record", "close"],
    }[state]
    for step in steps:
        case = attempt(world, case, step, by)
    assert case.state == state
    return case


def attempt(world, case, step, by):
    if step == "classify":
        return services.case_classify(case=case, by=by)
    if step == "start":
        return services.case_start_mediation(case=case, by=by)
    if step == "resolve":
        return services.case_resolve(case=case, by=by, **agreement_args(case))
    if step == "unresolved":
        return services.case_mark_unresolved(case=case, by=by, reason="双方分歧较大")
    if step == "escalate":
        return services.case_escalate(case=case, by=by)
    if step == "refer":
        return services.case_refer(case=case, by=by, kind="court", target="章丘区人民法院")
    if step == "schedule":
        services.follow_ups_schedule()
        return DisputeCase.objects.get(pk=case.pk)
    if step == "record":
        for follow_up in case.follow_ups.all():
            services.follow_up_record(follow_up=follow_up, by=by, method="phone", satisfaction="satisfied")
        return DisputeCase.objects.get(pk=case.pk)
    if step == "close":
        return services.case_close(case=case, by=by)
    raise AssertionError(step)


TARGET_STEP = {
    S.CLASSIFIED: "classify", S.MEDIATING: "start", S.RESOLVED: "resolve", S.UNRESOLVED: "unresolved",
    S.ESCALATED: "escalate", S.REFERRED: "refer", S.CLOSED: "close",
}


def label(state):
    return str(CaseState(state).label)


@pytest.mark.parametrize("state", list(CaseState.values))
@pytest.mark.parametrize("target", list(TARGET_STEP))
def test_every_transition_is_allowed_or_refused_naming_the_allowed_states(world, state, target):
    case = drive(world, new_case(world), state)
    if state == S.FOLLOW_UP and target == S.CLOSED:  # closing needs the follow-ups recorded first
        case = attempt(world, case, "record", world.zone_a_user)
    before_events = case.events.count()
    allowed = allowed_next_states(case)
    if target in allowed:
        case = attempt(world, case, TARGET_STEP[target], world.zone_a_user)
        assert case.state == target
        event = case.events.order_by("-created_at", "-id").first()
        assert (event.from_state, event.to_state, event.actor) == (state, target, world.zone_a_user)
        assert case.events.count() == before_events + 1
    else:
        with pytest.raises(ValidationError) as error:
            attempt(world, case, TARGET_STEP[target], world.zone_a_user)
        message = error.value.message_dict["state"][0]
        assert f"“{label(state)}”不能变更为“{label(target)}”" in message
        names = "、".join(label(s) for s in allowed) or "无（案件已结案）"
        assert message.endswith(f"允许的下一状态：{names}。")
        case.refresh_from_db()
        assert case.state == state
        assert case.events.count() == before_events


def test_the_machine_is_the_documented_one():
    assert TRANSITIONS == {
        S.RECEIVED: (S.CLASSIFIED,),
        S.CLASSIFIED: (S.MEDIATING, S.ESCALATED, S.REFERRED),
        S.MEDIATING: (S.RESOLVED, S.UNRESOLVED),
        S.UNRESOLVED: (S.ESCALATED, S.REFERRED),
        S.ESCALATED: (S.MEDIATING, S.REFERRED),
        S.RESOLVED: (S.FOLLOW_UP,),
        S.REFERRED: (S.FOLLOW_UP,),
        S.FOLLOW_UP: (S.CLOSED,),
        S.CLOSED: (),
    }


# --- intake ------------------------------------------------------------------------------------

def test_intake_starts_at_village_level_with_masked_parties_and_an_event(world):
    case = new_case(world)
    assert (case.state, case.level, case.assignee, case.received_by) == (S.RECEIVED, "village", world.cadre_a1, world.cadre_a1)
    assert case.level_deadline == timezone.localdate() + datetime.timedelta(days=10)
    applicant = case.parties.get(role="applicant")
    assert applicant.phone_masked == "138****1234"
    assert "13805311234" not in applicant.phone_encrypted and applicant.reveal()["phone"] == "13805311234"
    [event] = case.events.all()
    assert (event.action, event.from_state, event.to_state, event.actor) == ("intake", "", S.RECEIVED, world.cadre_a1)


def test_intake_refuses_bad_input_naming_the_fields_and_writes_nothing(world):
    with pytest.raises(ValidationError) as error:
        new_case(world, source="weibo", category="feud", title=" ", description="",
                 parties=[{"name": "", "phone": "12345"}, {"name": "李四", "id_number": "370181199001011234"}])
    errors = error.value.message_dict
    assert set(errors) == {"source", "category", "title", "description", "parties"}
    assert "来源" in errors["source"][0]
    assert any("第1位当事人：姓名不能为空" in m for m in errors["parties"])
    assert any("第1位当事人：电话号码无效" in m for m in errors["parties"])
    assert any("第2位当事人：身份证号" in m for m in errors["parties"])
    with pytest.raises(ValidationError) as error:
        new_case(world, parties=[])
    assert error.value.message_dict["parties"] == ["至少登记一位当事人。"]
    with pytest.raises(ValidationError) as error:
        new_case(world, received_at=timezone.now() + datetime.timedelta(days=1))
    assert "received_at" in error.value.message_dict
    assert not DisputeCase.objects.exists() and not DisputeParty.objects.exists() and not CaseEvent.objects.exists()


def test_intake_needs_a_writer_role_over_the_village(world):
    with pytest.raises(PermissionDenied):
        new_case(world, by=world.cadre_b1)  # another village
    with pytest.raises(PermissionDenied):
        new_case(world, by=world.consumer_a)  # read-only
    assert not DisputeCase.objects.exists()


# --- escalation, levels, deadlines, the duty officer ----------------------------------------------

def test_escalation_to_the_zone_assigns_the_duty_officer_of_the_day_and_tells_them(world, django_capture_on_commit_callbacks):
    on_duty_today(world, officer_index=2)  # the village secretary of A2 sits in the room today
    case = services.case_classify(case=new_case(world), by=world.cadre_a1)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_escalate(case=case, by=world.cadre_a1, note="涉及两村土地边界")
    assert (case.state, case.level, case.assignee) == (S.ESCALATED, CaseLevel.ZONE, world.cadre_a2)
    assert case.level_deadline == timezone.localdate() + datetime.timedelta(days=15)
    assert case.zone_escalated_at is not None
    event = case.events.order_by("-id").first()
    assert (event.action, event.from_level, event.to_level) == ("escalate", "village", "zone")
    assert "石建军" in event.note and "涉及两村土地边界" in event.note
    note = Notification.objects.get(user=world.cadre_a2)
    assert note.title == "新上交案件" and note.link == f"/mediation/cases/{case.pk}/"
    # the duty officer (a village cadre of another village) may now act on it, as its assignee
    case = services.case_start_mediation(case=case, by=world.cadre_a2)
    case = services.case_resolve(case=case, by=world.cadre_a2, **agreement_args(case))
    assert (case.state, case.resolved_level, case.on_the_spot) == (S.RESOLVED, "zone", False)


def test_escalation_without_anyone_on_duty_goes_to_the_zone_committee(world, django_capture_on_commit_callbacks):
    case = services.case_classify(case=new_case(world), by=world.cadre_a1)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_escalate(case=case, by=world.cadre_a1)
    assert case.assignee is None
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"zone_a", "zone_a_deputy"}


def test_the_village_may_not_act_once_the_case_left_it_and_the_town_is_the_last_level(world, django_capture_on_commit_callbacks):
    case = services.case_classify(case=new_case(world), by=world.cadre_a1)
    case = services.case_escalate(case=case, by=world.cadre_a1)
    with pytest.raises(PermissionDenied):
        services.case_start_mediation(case=case, by=world.cadre_a1)
    assert next_actions(case, world.cadre_a1) == []
    with pytest.raises(PermissionDenied):
        services.case_start_mediation(case=case, by=world.zone_b_user)  # another zone
    case = services.case_start_mediation(case=case, by=world.zone_a_user)
    assert case.assignee == world.zone_a_user  # nobody was on duty: whoever takes it up
    case = services.case_mark_unresolved(case=case, by=world.zone_a_user, reason="涉及宅基地确权")
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_escalate(case=case, by=world.zone_a_user)
    assert (case.level, case.assignee, case.town_escalated_at is not None) == ("town", None, True)
    assert case.level_deadline == timezone.localdate() + datetime.timedelta(days=30)
    assert Notification.objects.filter(user=world.town_a_user, title="新上交案件").exists()
    with pytest.raises(PermissionDenied):
        services.case_start_mediation(case=case, by=world.zone_a_user)
    case = services.case_start_mediation(case=case, by=world.town_a_user)
    case = services.case_mark_unresolved(case=case, by=world.town_a_user, reason="需司法确认")
    assert allowed_next_states(case) == [S.REFERRED]
    with pytest.raises(ValidationError) as error:
        services.case_escalate(case=case, by=world.town_a_user)
    assert error.value.message_dict["state"][0].endswith("允许的下一状态：转办。")
    assert [a["action"] for a in next_actions(case, world.town_a_user)] == ["refer"]


def test_overdue_is_the_level_deadline_before_today(world):
    case = new_case(world)
    assert not case.is_overdue
    with time_machine.travel(timezone.now() + datetime.timedelta(days=11)):
        assert DisputeCase.objects.get(pk=case.pk).is_overdue


# --- resolution, agreement, referral ----------------------------------------------------------------

def test_resolution_needs_every_party_to_confirm_the_agreement(world):
    case = drive(world, new_case(world), S.MEDIATING)
    args = agreement_args(case)
    first = args["confirmed_parties"][0]
    with pytest.raises(ValidationError) as error:
        services.case_resolve(case=case, by=world.zone_a_user, **{**args, "confirmed_parties": [first]})
    assert error.value.message_dict["confirmed_parties"] == ["调解协议须经全部当事人确认；尚未确认：王长贵。"]
    with pytest.raises(ValidationError) as error:
        services.case_resolve(case=case, by=world.zone_a_user, **{**args, "terms": " ", "mediators": "",
                                                                   "signed_on": timezone.localdate() + datetime.timedelta(days=1)})
    assert set(error.value.message_dict) == {"terms", "mediators", "signed_on"}
    case.refresh_from_db()
    assert case.state == S.MEDIATING and not MediationAgreement.objects.filter(case=case).exists()
    case = services.case_resolve(case=case, by=world.zone_a_user, **args)
    assert case.agreement.terms.startswith("双方同意") and case.resolved_level == "village"
    assert case.on_the_spot  # resolved on the day it was received, in the village
    assert all(p.confirmed_at for p in case.parties.all())


def test_a_case_resolved_a_day_later_is_not_on_the_spot(world):
    case = drive(world, new_case(world), S.MEDIATING)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        case = services.case_resolve(case=case, by=world.zone_a_user, **agreement_args(case))
    assert not case.on_the_spot


def test_referral_needs_a_kind_and_a_target(world):
    case = drive(world, new_case(world), S.CLASSIFIED)
    with pytest.raises(ValidationError) as error:
        services.case_refer(case=case, by=world.zone_a_user, kind="army", target="")
    assert set(error.value.message_dict) == {"kind", "target"}
    case = services.case_refer(case=case, by=world.zone_a_user, kind="department", target="区住建局")
    assert (case.state, case.referral_kind, case.referral_target) == (S.REFERRED, "department", "区住建局")
    assert case.events.order_by("-id").first().note == "转职能部门：区住建局"


def test_unresolved_needs_a_reason(world):
    case = drive(world, new_case(world), S.MEDIATING)
    with pytest.raises(ValidationError) as error:
        services.case_mark_unresolved(case=case, by=world.zone_a_user, reason=" ")
    assert error.value.message_dict == {"reason": ["请说明未化解的原因。"]}


# --- follow-ups and closing ----------------------------------------------------------------------

def test_follow_ups_are_scheduled_at_7_and_30_days_and_closing_waits_for_them(world):
    case = drive(world, new_case(world), S.RESOLVED)
    result = services.follow_ups_schedule()
    assert result["scheduled"] == 1
    case.refresh_from_db()
    assert case.state == S.FOLLOW_UP
    resolved_on = timezone.localdate(case.resolved_at)
    assert [(f.sequence, f.due_date) for f in case.follow_ups.all()] == [
        (1, resolved_on + datetime.timedelta(days=7)), (2, resolved_on + datetime.timedelta(days=30)),
    ]
    assert services.follow_ups_schedule()["scheduled"] == 0  # nothing twice
    assert FollowUp.objects.count() == 2
    with pytest.raises(ValidationError) as error:
        services.case_close(case=case, by=world.zone_a_user)
    assert "尚有未完成的回访：第1次" in error.value.message_dict["state"][0]
    assert "close" not in [a["action"] for a in next_actions(case, world.zone_a_user)]
    first, second = case.follow_ups.all()
    with pytest.raises(ValidationError) as error:
        services.follow_up_record(follow_up=first, by=world.cadre_a1, method="carrier pigeon", satisfaction="meh",
                                  done_on=timezone.localdate() + datetime.timedelta(days=2))
    assert set(error.value.message_dict) == {"method", "satisfaction", "done_on"}
    services.follow_up_record(follow_up=first, by=world.cadre_a1, method="visit", satisfaction="satisfied", agreement_performed=True)
    with pytest.raises(ValidationError) as error:
        services.follow_up_record(follow_up=first, by=world.cadre_a1, method="visit", satisfaction="satisfied")
    assert "已于" in error.value.message_dict["done_on"][0]
    services.follow_up_record(follow_up=second, by=world.cadre_a1, method="phone", satisfaction="basic", note="已履行")
    assert [a["action"] for a in next_actions(case, world.cadre_a1)] == ["close"]
    case = services.case_close(case=case, by=world.cadre_a1)
    assert case.state == S.CLOSED and case.closed_at
    actions = list(case.events.order_by("created_at", "id").values_list("action", flat=True))
    assert actions == ["intake", "classify", "start", "resolve", "schedule_follow_up", "follow_up", "follow_up", "close"]


def test_a_referred_case_is_followed_up_too(world):
    case = drive(world, new_case(world), S.REFERRED)
    services.follow_ups_schedule()
    case.refresh_from_db()
    assert case.state == S.FOLLOW_UP and case.follow_ups.count() == 2


def test_next_actions_offer_exactly_the_allowed_transitions(world):
    case = drive(world, new_case(world), S.CLASSIFIED)
    assert [a["action"] for a in next_actions(case, world.cadre_a1)] == ["start-mediation", "escalate", "refer"]
    assert next_actions(case, world.cadre_a1)[1]["label"] == "上交工作区"
    assert next_actions(case, world.consumer_a) == []
    assert next_actions(case, world.cadre_b1) == []


def test_cases_follow_their_village_to_another_zone_and_town(world):
    from zones.models import WorkZone
    from organization.services import village_move

    case = new_case(world)
    assert (case.zone, case.town) == (world.zone_a, world.town_a)
    village_move(village=world.village_a1, to_zone=world.zone_b, apply=True)
    case.refresh_from_db()
    assert (case.zone, case.town) == (world.zone_b, world.town_a)
    WorkZone.objects.filter(pk=world.zone_b.pk).update(town=world.town_b)
    case.refresh_from_db()
    assert case.town == world.town_b
    other = DisputeCase.objects.filter(village=world.village_a2)
    assert not other.exclude(zone=world.zone_a).exists()
