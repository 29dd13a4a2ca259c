"""The daily job through REAL worker processes: two at once create nothing twice; a worker killed mid-run
(SIGKILL) loses nothing once the sweeper has run."""
import collections
import datetime

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from notifications.models import DeliveryStatus, Notification
from tests import factories as f
from villages.models import Household
from visits.models import Reminder, ReminderRun

from tests.workers import Broker, backend_alive, backends_waiting_on, kill, wait_for, worker

pytestmark = [pytest.mark.worker, pytest.mark.faults, pytest.mark.django_db(transaction=True)]
BROKERS = ["filesystem", "redis"]


def _build(n_members=3, per_member=10):
    """Households of three members: a third overdue, a third due this week, a third due later."""
    today = timezone.localdate()
    zone = f.WorkZoneFactory()
    village = f.VillageFactory(zone=zone)
    nv = f.NaturalVillageFactory(village=village)
    branch = f.PartyBranchFactory(village=village)
    expected_due, users = set(), []
    for m in range(n_members):
        grid = f.MicroGridFactory(natural_village=nv, name=f"网格{m}")
        user = f.make_user(Role.GRID_MEMBER, None, username=f"member{m}")
        member = f.PartyMemberFactory(branch=branch, user=user)
        users.append(user)
        for i in range(per_member):
            household = f.HouseholdFactory(grid=grid, color=("green", "yellow", "orange", "red")[i % 4])
            f.HouseholdLinkFactory(member=member, household=household)
            due = today + datetime.timedelta(days=(-5, 3, 40)[i % 3] - i)
            Household.objects.filter(pk=household.pk).update(next_visit_due=due)
            if due <= today + datetime.timedelta(days=7):
                expected_due.add((household.pk, due))
    Reminder.objects.all().delete()  # those made at registration were for the due dates replaced above
    return expected_due, users


def _assert_each_once(expected_due, users):
    rows = list(Reminder.objects.values_list("household_id", "due_on"))
    assert len(rows) == len(set(rows))
    assert set(rows) == expected_due
    digests = collections.Counter(
        Notification.objects.filter(kind="visit_reminder").values_list("user_id", flat=True))
    assert digests == {u.pk: 1 for u in users}


@pytest.mark.parametrize("broker_kind", BROKERS)
def test_two_runs_at_once_in_real_workers_create_each_reminder_once(broker_kind, tmp_path):
    expected_due, users = _build()
    broker = Broker(broker_kind, tmp_path)
    log = tmp_path / "workers.log"
    try:
        with worker(broker, log, name="a"), worker(broker, log, name="b"):
            first = broker.send("visits.tasks.send_visit_reminders")
            second = broker.send("visits.tasks.send_visit_reminders")
            results = [first.get(timeout=120), second.get(timeout=120)]
    finally:
        broker.cleanup()
    text = log.read_text()
    assert text.count("visits.tasks.send_visit_reminders") >= 2, text[-3000:]
    assert sorted(r["reminders"] for r in results) == [0, len(expected_due)], results
    assert sorted(r["digests"] for r in results) == [0, len(users)], results
    _assert_each_once(expected_due, users)
    run = ReminderRun.objects.get(run_on=timezone.localdate())
    assert run.finished_at is not None and run.attempts == 2


@pytest.mark.parametrize("broker_kind", BROKERS)
def test_a_worker_killed_mid_run_loses_nothing_after_the_sweep(broker_kind, tmp_path):
    expected_due, users = _build()
    broker = Broker(broker_kind, tmp_path)
    log = tmp_path / "workers.log"
    params = connection.get_connection_params()
    blocker = psycopg2.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")})
    try:
        # Hold the inbox so the job stops right after committing its reminders, before the digests.
        with blocker.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Notification._meta.db_table} IN SHARE MODE")
        with worker(broker, log, name="doomed") as doomed:
            broker.send("visits.tasks.send_visit_reminders")
            pid = wait_for(lambda: backends_waiting_on(Notification._meta.db_table), what="任务停在写消息之前")[0]
            # mid-run: the reminders are written but not committed (the run is one transaction)
            assert not Reminder.objects.exists() and not Notification.objects.exists()
            kill(doomed)
        blocker.rollback()
        wait_for(lambda: not backend_alive(pid), what="被杀进程的数据库连接结束")
        assert not Reminder.objects.exists() and not Notification.objects.exists()  # rolled back, not half-written
        run = ReminderRun.objects.get(run_on=timezone.localdate())
        assert run.finished_at is None and run.attempts == 1

        # The sweeper (scheduled hour already passed) finds the dead day and runs it again.
        with worker(broker, log, name="sweeper", extra_env={"VISIT_REMINDER_HOUR": "0", "VISIT_REMINDER_MINUTE": "0"}):
            result = broker.send("visits.tasks.sweep_visit_reminders").get(timeout=120)
    finally:
        blocker.close()
        broker.cleanup()
    assert result["action"] == "rerun", result
    assert result["result"]["reminders"] == len(expected_due) and result["result"]["digests"] == len(users), result
    _assert_each_once(expected_due, users)
    assert set(Notification.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    run = ReminderRun.objects.get(run_on=timezone.localdate())
    assert run.finished_at is not None and run.attempts == 2
