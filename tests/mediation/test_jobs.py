"""The beat jobs in-process (time-machine): idle cases escalate step by step and notify once; follow-ups fall due."""
import datetime

import pytest
import time_machine
from django.utils import timezone

from mediation import services
from mediation.models import CaseLevel, CaseState, FollowUp
from notifications.models import Notification

from .conftest import agreement_args, new_case, on_duty_today


def later(days: int):
    return time_machine.travel(timezone.now() + datetime.timedelta(days=days), tick=False)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)
    return run


def test_idle_cases_climb_the_ladder_and_each_step_notifies_once(world, commit, settings):
    settings.MEDIATION_IDLE_DAYS = 10
    case = new_case(world)
    with later(9):
        assert commit(services.cases_escalate_idle) == {"escalated": 0, "warned": 0}
    with later(11):
        assert commit(services.cases_escalate_idle) == {"escalated": 1, "warned": 0}
        assert commit(services.cases_escalate_idle) == {"escalated": 0, "warned": 0}  # once
    case.refresh_from_db()
    assert (case.state, case.level, case.assignee) == (CaseState.ESCALATED, CaseLevel.ZONE, None)
    event = case.events.order_by("-id").first()
    assert (event.action, event.actor, event.from_state, event.to_level) == ("auto_escalate", None, "received", "zone")
    assert "超过10天未办理，系统自动上交" in event.note
    zone_notes = Notification.objects.filter(title="超期案件自动上交")
    assert sorted(zone_notes.values_list("user__username", flat=True)) == ["zone_a", "zone_a_deputy"]
    with later(23):
        assert commit(services.cases_escalate_idle)["escalated"] == 1
    case.refresh_from_db()
    assert (case.level, case.town_escalated_at is not None) == (CaseLevel.TOWN, True)
    assert Notification.objects.filter(user=world.town_a_user, title="超期案件自动上交").count() == 1
    with later(35):
        assert commit(services.cases_escalate_idle) == {"escalated": 0, "warned": 1}  # nothing above the town
        assert commit(services.cases_escalate_idle) == {"escalated": 0, "warned": 0}
    assert Notification.objects.filter(user=world.town_a_user, title="案件超期未办理").count() == 1


def test_auto_escalation_hands_the_case_to_the_duty_officer(world, commit):
    case = new_case(world)
    with later(11):
        on_duty_today(world, officer_index=1)
        commit(services.cases_escalate_idle)
    case.refresh_from_db()
    assert case.assignee == world.zone_a_deputy
    assert Notification.objects.filter(title="超期案件自动上交").get().user == world.zone_a_deputy


def test_cases_with_an_outcome_never_escalate(world, commit):
    case = new_case(world)
    case = services.case_classify(case=case, by=world.cadre_a1)
    case = services.case_start_mediation(case=case, by=world.cadre_a1)
    services.case_resolve(case=case, by=world.cadre_a1, **agreement_args(case))
    with later(60):
        assert commit(services.cases_escalate_idle) == {"escalated": 0, "warned": 0}


def test_follow_ups_fall_due_and_remind_once(world, commit):
    case = new_case(world)
    case = services.case_classify(case=case, by=world.cadre_a1)
    case = services.case_start_mediation(case=case, by=world.cadre_a1)
    services.case_resolve(case=case, by=world.cadre_a1, **agreement_args(case))
    assert commit(services.follow_ups_schedule) == {"scheduled": 1, "reminded": 0}
    with later(7):
        assert commit(services.follow_ups_schedule) == {"scheduled": 0, "reminded": 1}
        assert commit(services.follow_ups_schedule) == {"scheduled": 0, "reminded": 0}
    note = Notification.objects.get(title="回访到期")
    assert note.user == world.cadre_a1 and "第1次回访" in note.body
    with later(30):
        assert commit(services.follow_ups_schedule)["reminded"] == 1
    assert FollowUp.objects.filter(case=case).count() == 2


def test_follow_up_offsets_come_from_settings(world, settings):
    settings.MEDIATION_FOLLOW_UP_DAYS = [3, 14, 60]
    case = new_case(world)
    case = services.case_classify(case=case, by=world.cadre_a1)
    services.case_refer(case=case, by=world.cadre_a1, kind="department", target="区人社局")
    services.follow_ups_schedule()
    today = timezone.localdate()
    assert list(FollowUp.objects.values_list("due_date", flat=True)) == [
        today + datetime.timedelta(days=d) for d in (3, 14, 60)
    ]
