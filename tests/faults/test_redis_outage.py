"""Redis (a private redis-server) stopped for the length of a test while users log visits and escalate mediation
cases: every request still answers 2xx without waiting for the broker, nothing is lost, and the work queued
before the outage is done by a real worker once Redis is back."""
import datetime
import time

import pytest
from celery import Celery
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from mediation.models import DisputeCase
from tests.clients import api_client
from tests import factories as f
from tests.mediation.conftest import fast_passwords, new_case, world  # noqa: F401  (fixtures)
from tests.workers import worker
from villages.models import Household
from visits.models import Reminder, ReminderRun, Visit

from .servers import PrivateRedis

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class _Broker:
    """The private Redis as tests.visits.workers.worker expects a broker: our own queue, the worker's env."""

    def __init__(self, url: str):
        self.queue = "test-faults-redis"
        self.env = {"REDIS_URL": url}
        self.app = Celery("client", broker=url, backend=url)

    def send(self, task: str, **kwargs):
        return self.app.send_task(task, kwargs=kwargs, queue=self.queue)


def test_requests_go_on_while_redis_is_down_and_queued_work_is_done_once_it_is_back(world, settings, tmp_path):
    redis = PrivateRedis(tmp_path)
    try:
        settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = redis.url
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
        member = f.PartyMemberFactory(branch=f.PartyBranchFactory(village=world.village_a1))
        grid_user = f.make_user(Role.GRID_MEMBER, None, member=member, username="faults-member")
        grid = f.MicroGridFactory(natural_village=f.NaturalVillageFactory(village=world.village_a1))
        households = [f.HouseholdFactory(grid=grid, color=c) for c in ("red", "orange", "yellow")]
        for household in households:
            f.HouseholdLinkFactory(member=member, household=household)
        later = f.HouseholdFactory(grid=grid, color="green")  # not visited: the queued job reminds it
        f.HouseholdLinkFactory(member=member, household=later)
        today = timezone.localdate()
        Household.objects.filter(pk__in=[h.pk for h in [*households, later]]).update(
            next_visit_due=today - datetime.timedelta(days=2))
        Reminder.objects.all().delete()
        cases = [new_case(world, by=world.cadre_a1, village=world.village_a1) for _ in range(2)]

        broker = _Broker(redis.url)
        queued = broker.send("visits.tasks.send_visit_reminders", on=today.isoformat())  # the beat fired
        redis.stop()  # saved to disk, as a Redis with persistence keeps its queue

        member_client, cadre_client = api_client(grid_user), api_client(world.cadre_a1)
        answers = []
        for household in households:
            started = time.monotonic()
            response = member_client.post("/api/visits/", {"household": household.pk, "visited_on": today.isoformat()},
                                          format="json")
            answers.append((response.status_code, time.monotonic() - started))
        for case in cases:
            for action in ("classify", "escalate"):
                started = time.monotonic()
                response = cadre_client.post(f"/api/dispute-cases/{case.pk}/{action}/", {}, format="json")
                answers.append((response.status_code, time.monotonic() - started))
        health = APIClient().get("/healthz", HTTP_ACCEPT="application/json")

        assert all(200 <= status < 300 for status, _ in answers), answers
        assert max(seconds for _, seconds in answers) < 3, answers  # nothing waited for the broker
        assert health.status_code == 503  # …which the probe reports
        assert Visit.objects.filter(household__in=households).count() == 3  # nothing lost
        assert set(DisputeCase.objects.filter(pk__in=[c.pk for c in cases]).values_list("level", flat=True)) == {"zone"}

        redis.start()
        with worker(broker, tmp_path / "worker.log", name="after-outage"):
            result = queued.get(timeout=120)
        assert result["date"] == today.isoformat(), result
        run = ReminderRun.objects.get(run_on=today)
        assert run.finished_at is not None
        # the visited households are due later now; the one not visited is reminded, once
        assert list(Reminder.objects.filter(household=later).values_list("due_on", flat=True)) == [
            today - datetime.timedelta(days=2)]
        assert not Reminder.objects.filter(household__in=households, due_on__lt=today).exists()
    finally:
        redis.cleanup()
