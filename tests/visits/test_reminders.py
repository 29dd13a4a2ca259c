"""The daily job in-process, across days (time-machine): reminders once, digests once a day, the ladder once per step."""
import collections
import datetime

import psycopg2
import pytest
from django.db import connection

from accounts.models import Role
from notifications.models import Notification
from tests import factories as f
from visits import reminders, services
from visits.models import Reminder, ReminderRun

from .conftest import refreshed

D = datetime.timedelta


def _run(clock):
    return reminders.reminder_job_run(on=clock.today)


def _escalations(user):
    """{step: [day, …]} of the escalation notifications a user received."""
    steps = collections.defaultdict(list)
    for key in Notification.objects.filter(user=user, kind="visit_escalation").values_list("dedupe_key", flat=True):
        _, step, day, _token = key.split(":")
        steps[step].append(datetime.date.fromisoformat(day))
    return {step: sorted(days) for step, days in steps.items()}


def test_one_reminder_per_household_and_due_date_and_one_digest_per_member_per_day(world, clock):
    extra = f.HouseholdFactory(grid=world.grid, color="red", head_name="陈八")  # unlinked: its grid worker is reminded
    # red households are due within the week from the day they are registered: reminded at once, addressed to
    # the first contact (周四 was reminded to its grid worker on registering, then linked to 张党员: it followed)
    assert set(Reminder.objects.values_list("household_id", "recipient_id")) == {
        (world.red.pk, world.member_user.pk), (extra.pk, world.worker_user.pk)}
    stats = _run(clock)
    assert (stats["reminders"], stats["digests"]) == (0, 2)  # nothing else is due this week
    # the digest goes to whoever is responsible now: 周四 to 张党员, 陈八 (unlinked) to the grid worker
    assert Notification.objects.get(user=world.worker_user, kind="visit_reminder").body == "您有 1 户待走访"
    digest = Notification.objects.get(user=world.member_user, kind="visit_reminder")
    assert digest.body == "您有 1 户待走访"
    assert digest.link == "/visits/my/"

    again = _run(clock)  # a second run the same day creates nothing
    assert (again["reminders"], again["digests"]) == (0, 0)
    assert Reminder.objects.count() == 2
    assert Notification.objects.filter(kind="visit_reminder").count() == 2

    clock.advance(days=8)  # red is a day overdue, orange due in 6 days
    stats = _run(clock)
    assert stats["reminders"] == 1  # orange; red keeps its reminder for the same due date
    body = Notification.objects.filter(user=world.member_user, kind="visit_reminder").order_by("-id").first().body
    assert body == "您有 2 户待走访，其中 1 户已逾期"
    assert Reminder.objects.count() == 3


def test_a_backlog_is_reminded_and_escalated_in_the_first_run(world, clock):
    """Households long overdue when first reminded get every step they passed at once, each notified once."""
    from villages.models import Household

    Reminder.objects.all().delete()
    Household.objects.filter(pk=world.orange.pk).update(next_visit_due=clock.today - D(days=40))
    stats = _run(clock)
    assert stats["reminders"] == 2  # red (in its window) and the long-overdue orange
    orange = Reminder.objects.get(household=world.orange)
    assert all([orange.escalated_grid_at, orange.escalated_zone_at, orange.escalated_town_at])
    assert stats["escalations"] == {"grid": 1, "zone": 1, "town": 1}
    assert _run(clock)["escalations"] == {"grid": 0, "zone": 0, "town": 0}
    clock.advance(days=1)
    assert _run(clock)["escalations"] == {"grid": 0, "zone": 0, "town": 0}


def test_the_ladder_notifies_each_step_once_at_its_day(world, clock):
    start = clock.today
    for _ in range(41):
        _run(clock)
        clock.advance(days=1)
    day = {n: start + D(days=n) for n in range(100)}
    # red due day 7, orange day 14, yellow day 30 (defaults: grid +3, zone +7 for red / +14 others, town +30)
    assert _escalations(world.worker_user) == {"grid": [day[11], day[18], day[34]]}
    assert _escalations(world.zone_user) == {"zone": [day[15], day[29]]}
    assert _escalations(world.town_user) == {"town": [day[38]]}
    assert _escalations(world.member_user) == {}
    assert _escalations(world.other_zone_user) == {}
    # the member is told on the days a household enters its window or falls overdue (not every day)
    digest_days = sorted(n.dedupe_key.split(":")[1] for n in
                         Notification.objects.filter(user=world.member_user, kind="visit_reminder"))
    assert digest_days == [day[n].isoformat() for n in (0, 7, 8, 15, 23, 31)]
    red = Reminder.objects.get(household=world.red)
    assert all([red.escalated_grid_at, red.escalated_zone_at, red.escalated_town_at])
    zone_note = Notification.objects.get(user=world.zone_user, dedupe_key__startswith=f"visit-escalation:zone:{day[15]}")
    assert zone_note.body.startswith("红色户 1 户、其他 0 户")


def test_a_visit_stops_the_ladder_and_the_next_due_date_gets_its_own_reminder(world, clock):
    start = clock.today
    clock.go_to(start + D(days=12))
    _run(clock)  # red is 5 days overdue: grid worker told
    assert Reminder.objects.get(household=world.red).escalated_grid_at is not None
    services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today)
    for _ in range(10):
        clock.advance(days=1)
        _run(clock)
    reminders_of_red = list(Reminder.objects.filter(household=world.red).order_by("due_on"))
    assert [r.due_on for r in reminders_of_red] == [start + D(days=7), start + D(days=19)]
    assert reminders_of_red[0].escalated_zone_at is None  # visited before the zone step
    assert _escalations(world.zone_user) == {}


def test_a_policy_change_moves_the_ladder(world, clock):
    services.visit_policy_save(town=world.town, escalate_grid_days=0, escalate_zone_red_days=1)
    clock.advance(days=9)  # red two days overdue
    _run(clock)
    assert set(_escalations(world.worker_user)) == {"grid"}
    assert set(_escalations(world.zone_user)) == {"zone"}


def test_attempts_are_capped_for_an_unfinished_day(world, clock, settings):
    settings.VISIT_REMINDER_MAX_ATTEMPTS = 2
    ReminderRun.objects.create(run_on=clock.today, attempts=2)
    assert _run(clock)["skipped"] == "attempts_exhausted"
    assert not Notification.objects.exists()
    ReminderRun.objects.filter(run_on=clock.today).update(attempts=1)
    assert _run(clock)["digests"] == 1
    run = ReminderRun.objects.get(run_on=clock.today)
    assert run.finished_at is not None and run.attempts == 2


def test_households_without_a_due_date_are_planned_from_their_registration(world, clock):
    from villages.models import Household

    Household.objects.filter(pk=world.red.pk).update(next_visit_due=None)
    clock.advance(days=10)
    stats = _run(clock)
    assert stats["planned"] == 1
    assert refreshed(world.red).next_visit_due == clock.today - D(days=10) + D(days=7)


@pytest.fixture
def other_connection():
    params = connection.get_connection_params()
    conn = psycopg2.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")})
    conn.autocommit = True
    yield conn
    conn.close()


def test_the_sweeper_reruns_a_dead_day_but_not_a_live_or_finished_one(world, clock, settings, other_connection):
    settings.VISIT_REMINDER_HOUR = 7
    clock.advance(hours=-3)  # 06:00: the latest scheduled run is yesterday's
    assert reminders.scheduled_run_date() == clock.today - D(days=1)
    clock.advance(hours=3)
    ReminderRun.objects.create(run_on=clock.today, attempts=1)  # started, never finished: its worker died
    with other_connection.cursor() as cursor:  # …unless a live worker's run still holds the job lock
        cursor.execute("BEGIN")
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [reminders.JOB_LOCK_KEY])  # as a run takes it
        assert reminders.job_is_running()
        assert reminders.reminder_sweep()["action"] == "running"
        cursor.execute("ROLLBACK")  # the run's transaction ends (commit, rollback or a dropped connection)
    assert not reminders.job_is_running()
    result = reminders.reminder_sweep()
    assert result["action"] == "rerun" and result["result"]["digests"] == 1
    assert reminders.reminder_sweep()["action"] == "none"
    assert Reminder.objects.count() == 1


# --- the reminder row follows its household: closed, re-dated, re-addressed ---------------------------------


def test_a_visit_closes_the_open_reminder_and_stops_its_ladder(world, clock):
    clock.advance(days=9)  # red two days overdue
    _run(clock)
    reminder = Reminder.objects.get(household=world.red)
    assert reminder.closed_on is None and reminder.next_step_on == reminder.due_on + D(days=4)  # grid at +3
    services.visit_log(household=world.red, author=world.member_user, visited_on=clock.today)
    reminder.refresh_from_db()
    assert (reminder.closed_on, reminder.next_step_on) == (clock.today, None)
    assert reminder.escalated_grid_at is None


def test_raising_the_color_brings_the_zone_step_forward(world, clock):
    start = clock.today
    clock.advance(days=15)  # orange (due day 14) is a day overdue
    _run(clock)
    reminder = Reminder.objects.get(household=world.orange)
    clock.advance(days=3)  # grid step passed (day 18)
    _run(clock)
    reminder.refresh_from_db()
    assert reminder.escalated_grid_at is not None
    assert reminder.next_step_on == reminder.due_on + D(days=15)  # zone at +14 for orange
    services.color_change(household=refreshed(world.orange), to_color="red", reason="突发重病", user=world.zone_user)
    reminder.refresh_from_db()
    assert reminder.due_on == refreshed(world.orange).next_visit_due  # raising never postpones: still the same date
    assert reminder.next_step_on == reminder.due_on + D(days=8)  # zone at +7 for red, not +14
    clock.go_to(reminder.next_step_on)
    _run(clock)  # (周四, red from the start, reached the zone on day 15)
    assert _escalations(world.zone_user) == {"zone": [start + D(days=15), clock.today]}


def test_open_reminders_follow_the_household_to_its_new_first_contact(world, clock):
    from members import services as member_services
    from members.models import HouseholdLink
    from villages.models import MicroGrid

    other_member = f.PartyMemberFactory(branch=world.member.branch, name="刘党员")
    other_user = f.make_user(Role.GRID_MEMBER, None, member=other_member, username="liu")
    assert Reminder.objects.get(household=world.red).recipient == world.member_user
    member_services.household_link_move(link=HouseholdLink.objects.get(household=world.red), member=other_member)
    assert Reminder.objects.get(household=world.red).recipient == other_user
    member_services.household_link_delete(link=HouseholdLink.objects.get(household=world.red))
    assert Reminder.objects.get(household=world.red).recipient == world.worker_user  # unlinked: its grid worker
    new_worker = f.make_user(Role.GRID_MEMBER, world.grid, username="worker2")
    from villages.services import grid_update

    grid_update(grid=MicroGrid.objects.get(pk=world.grid.pk), worker_user=new_worker)
    assert Reminder.objects.get(household=world.red).recipient == new_worker
    f.HouseholdLinkFactory(member=world.member, household=world.red)
    member_services.member_leave(member=world.member, left_on=clock.today, apply=True, candidates=[other_member])
    assert Reminder.objects.get(household=world.red).recipient == other_user
    # the next digest reaches the new member, counting the household
    _run(clock)
    assert Notification.objects.get(user=other_user, kind="visit_reminder").body == "您有 1 户待走访"


def test_the_weekly_full_run_repairs_reminders_whatever_wrote_the_households(world, clock):
    from villages.models import Household

    clock.advance(days=8)
    _run(clock)
    Household.objects.filter(pk=world.red.pk).update(next_visit_due=clock.today + D(days=30))  # not through a service
    stats = reminders.reminder_job_run(on=clock.today, full=True)
    assert stats["repaired"] == 1
    assert Reminder.objects.get(household=world.red).closed_on == clock.today


def test_a_village_moved_to_another_zone_follows_that_zones_ladder(world, clock):
    from organization import services as organization_services

    services.visit_policy_save(zone=world.other_zone, escalate_grid_days=1, escalate_zone_red_days=1)
    due = Reminder.objects.get(household=world.red).due_on
    assert Reminder.objects.get(household=world.red).next_step_on == due + D(days=4)  # the town's: 3 days past due
    organization_services.village_move(village=world.village, to_zone=world.other_zone, apply=True)
    assert Reminder.objects.get(household=world.red).next_step_on == due + D(days=2)  # 胡山's: 1 day past due
