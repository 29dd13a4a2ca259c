"""The follow-up and idle-escalation beat jobs, run by a real Celery worker process on its own queue."""
import datetime

import pytest
from django.utils import timezone

from mediation import services
from mediation.models import CaseLevel, CaseState, DisputeCase, FollowUp
from notifications.models import Notification
from tests.workers import Broker, worker

from .conftest import agreement_args, new_case


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_follow_up_and_idle_jobs_run_in_a_real_worker(world, tmp_path):
    resolved = new_case(world, title="已化解的案件")
    resolved = services.case_classify(case=resolved, by=world.cadre_a1)
    resolved = services.case_start_mediation(case=resolved, by=world.cadre_a1)
    resolved = services.case_resolve(case=resolved, by=world.cadre_a1, **agreement_args(resolved))
    DisputeCase.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now() - datetime.timedelta(days=8))
    idle = new_case(world, title="无人办理的案件")
    DisputeCase.objects.filter(pk=idle.pk).update(last_activity_at=timezone.now() - datetime.timedelta(days=30))
    busy = new_case(world, title="正在办理的案件")

    broker = Broker("redis", tmp_path, prefix="test-mediation")
    log = tmp_path / "worker.log"
    with worker(broker, log):
        first = broker.run("mediation.tasks.schedule_follow_ups")
        escalated = broker.run("mediation.tasks.escalate_idle_cases")
        # the beat may fire twice: nothing happens twice
        second = broker.run("mediation.tasks.schedule_follow_ups")
        again = broker.run("mediation.tasks.escalate_idle_cases")
    text = log.read_text()
    assert first == {"scheduled": 1, "reminded": 1}, text[-3000:]  # resolved 8 days ago: the day-7 visit is due
    assert second == {"scheduled": 0, "reminded": 0}, text[-3000:]
    assert escalated == {"escalated": 1, "warned": 0} and again == {"escalated": 0, "warned": 0}, text[-3000:]

    resolved.refresh_from_db()
    assert resolved.state == CaseState.FOLLOW_UP
    assert list(FollowUp.objects.filter(case=resolved).values_list("sequence", flat=True)) == [1, 2]
    assert Notification.objects.filter(user=world.cadre_a1, title="回访到期").count() == 1
    idle.refresh_from_db()
    assert (idle.state, idle.level) == (CaseState.ESCALATED, CaseLevel.ZONE)
    assert Notification.objects.filter(title="超期案件自动上交").count() == 2  # the two zone A committee users
    busy.refresh_from_db()
    assert (busy.state, busy.level) == (CaseState.RECEIVED, CaseLevel.VILLAGE)
    assert "mediation.tasks.schedule_follow_ups" in text and "mediation.tasks.escalate_idle_cases" in text
