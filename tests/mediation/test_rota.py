"""The duty rota: generation properties (hypothesis), swaps, filling shifts, flagging uncovered shifts."""
import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from mediation import services
from mediation.models import DutyShift, OfficerKind
from mediation.selectors import duty_officer_now
from mediation.services.rota import plan_rota, rota_gaps
from notifications.models import Notification

MONDAY = datetime.date(2025, 3, 3)


# --- plan_rota: the properties the issue asks for ------------------------------------------------

@st.composite
def rota_inputs(draw):
    people = draw(st.integers(min_value=1, max_value=8))
    slots = draw(st.integers(min_value=1, max_value=3))
    length = draw(st.integers(min_value=1, max_value=45))
    days = [MONDAY + datetime.timedelta(days=i) for i in range(length)]
    rotation = list(range(100, 100 + people))
    days_off = {
        person: set(draw(st.lists(st.sampled_from(days), max_size=length, unique=True)))
        for person in rotation
    }
    return days, slots, rotation, days_off


@hsettings(max_examples=300, deadline=None)
@given(rota_inputs())
def test_every_slot_is_planned_and_covered_whenever_enough_people_are_available(inputs):
    days, slots, rotation, days_off = inputs
    plan = plan_rota(days=days, slots_per_day=slots, rotation=rotation, days_off=days_off)
    assert [(d, s) for d, s, _ in plan.shifts] == [(d, s) for d in days for s in range(1, slots + 1)]
    for day in days:
        available = sum(1 for p in rotation if day not in days_off[p])
        covered = sum(1 for d, _, officer in plan.shifts if d == day and officer is not None)
        assert covered == min(slots, available)  # every day covered as far as people allow


@hsettings(max_examples=300, deadline=None)
@given(rota_inputs())
def test_nobody_twice_a_day_and_nobody_on_a_day_off(inputs):
    days, slots, rotation, days_off = inputs
    plan = plan_rota(days=days, slots_per_day=slots, rotation=rotation, days_off=days_off)
    for day in days:
        on_duty = [officer for d, _, officer in plan.shifts if d == day and officer is not None]
        assert len(on_duty) == len(set(on_duty))
        assert not any(day in days_off[officer] for officer in on_duty)


@hsettings(max_examples=300, deadline=None)
@given(rota_inputs())
def test_load_is_spread_evenly(inputs):
    """load(A) - load(B) <= 1 + the days B was off; without days off, loads differ by at most one."""
    days, slots, rotation, days_off = inputs
    plan = plan_rota(days=days, slots_per_day=slots, rotation=rotation, days_off=days_off)
    load = {p: plan.load().get(p, 0) for p in rotation}
    for a in rotation:
        for b in rotation:
            assert load[a] - load[b] <= 1 + len(days_off[b])


@hsettings(max_examples=100, deadline=None)
@given(st.integers(1, 8), st.integers(1, 3), st.integers(1, 60))
def test_without_days_off_everyone_serves_within_one_shift_of_everyone_else(people, slots, length):
    days = [MONDAY + datetime.timedelta(days=i) for i in range(length)]
    rotation = list(range(people))
    plan = plan_rota(days=days, slots_per_day=slots, rotation=rotation)
    load = [plan.load().get(p, 0) for p in rotation]
    assert max(load) - min(load) <= 1
    assert sum(load) == length * min(slots, people)


def test_turns_follow_the_rotation_list():
    days = [MONDAY + datetime.timedelta(days=i) for i in range(6)]
    plan = plan_rota(days=days, slots_per_day=1, rotation=[3, 1, 2])
    assert [officer for _, _, officer in plan.shifts] == [3, 1, 2, 3, 1, 2]


# --- rota_generate (database) ------------------------------------------------------------------

def test_generate_creates_one_shift_per_open_day_and_slot_respecting_weekly_days_off(world):
    room = world.room_a
    services.room_save(room=room, open_weekdays=[0, 1, 2, 3, 4], shifts_per_day=2)
    secretary, deputy, village_secretary = world.officers_a
    services.rota.officer_save(officer=village_secretary, weekdays_off=[0])  # never on Mondays
    shifts = services.rota_generate(room=room, start=MONDAY, end=MONDAY + datetime.timedelta(days=13))
    assert len(shifts) == 10 * 2  # ten weekdays, two slots
    assert all(s.date.weekday() < 5 for s in shifts)
    assert not any(s.officer_id == village_secretary.pk and s.date.weekday() == 0 for s in shifts)
    assert all(s.officer_id is not None for s in shifts)
    load = {o.pk: sum(1 for s in shifts if s.officer_id == o.pk) for o in world.officers_a}
    assert sum(load.values()) == 20
    assert max(load.values()) - min(load.values()) <= 1 + 2  # the village secretary missed two Mondays


def test_generate_with_run_specific_days_off_and_an_explicit_rotation(world):
    secretary, deputy, _ = world.officers_a
    start, end = MONDAY, MONDAY + datetime.timedelta(days=3)
    shifts = services.rota_generate(
        room=world.room_a, start=start, end=end, officers=[deputy, secretary], days_off={deputy.pk: [start]},
    )
    assert [(s.date, s.officer_id) for s in shifts] == [
        (start, secretary.pk), (start + datetime.timedelta(days=1), deputy.pk),
        (start + datetime.timedelta(days=2), secretary.pk), (start + datetime.timedelta(days=3), deputy.pk),
    ]


def test_a_day_nobody_can_take_is_left_uncovered(world):
    for officer in world.officers_a:
        services.rota.officer_save(officer=officer, dates_off=[MONDAY])
    shifts = services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY + datetime.timedelta(days=1))
    assert [(s.date, s.officer_id is None) for s in shifts] == [(MONDAY, True), (MONDAY + datetime.timedelta(days=1), False)]


def test_generate_refuses_bad_input_and_writes_nothing(world):
    with pytest.raises(ValidationError) as error:
        services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY - datetime.timedelta(days=1))
    assert "end" in error.value.message_dict
    other_room = services.room_save(zone=world.zone_b, place="胡山村委")
    stranger = services.rota.officer_save(room=other_room, name="胡某", kind=OfficerKind.SECRETARY)
    with pytest.raises(ValidationError) as error:
        services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY, officers=[stranger])
    assert "不是本调解室的轮值人员" in error.value.message_dict["officers"][0]
    with pytest.raises(ValidationError):
        services.rota_generate(room=other_room, start=MONDAY, end=MONDAY, officers=[])
    assert not DutyShift.objects.exists()


def test_generate_keeps_an_existing_rota_unless_told_to_replace_it(world):
    end = MONDAY + datetime.timedelta(days=6)
    services.rota_generate(room=world.room_a, start=MONDAY, end=end)
    with pytest.raises(ValidationError) as error:
        services.rota_generate(room=world.room_a, start=MONDAY + datetime.timedelta(days=3), end=end)
    assert "已有排班" in error.value.message_dict["start"][0]
    services.rota_generate(room=world.room_a, start=MONDAY, end=end, officers=world.officers_a[:1], replace=True)
    assert set(DutyShift.objects.values_list("officer", flat=True)) == {world.officers_a[0].pk}
    assert DutyShift.objects.count() == 7


def test_the_database_refuses_one_person_twice_a_day(world):
    services.room_save(room=world.room_a, shifts_per_day=2)
    DutyShift.objects.create(room=world.room_a, date=MONDAY, slot=1, officer=world.officers_a[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        DutyShift.objects.create(room=world.room_a, date=MONDAY, slot=2, officer=world.officers_a[0])


# --- swaps and assignments ------------------------------------------------------------------------

@time_machine.travel(datetime.datetime(2025, 3, 1, 9, 0), tick=False)
def test_swap_exchanges_officers_and_tells_them(world, django_capture_on_commit_callbacks):
    shifts = services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY + datetime.timedelta(days=2))
    first, third = shifts[0], shifts[2]
    a, c = first.officer_id, third.officer_id
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_swap(first=first, second=third, by=world.zone_a_user)
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.officer_id, third.officer_id) == (c, a)
    told = set(Notification.objects.filter(kind="mediation.rota").values_list("user__username", flat=True))
    assert told == {"cadre_a2"}  # the secretary made the swap himself; the village secretary is told


@time_machine.travel(datetime.datetime(2025, 3, 1, 9, 0), tick=False)
def test_a_same_day_swap_of_two_slots_works(world):
    services.room_save(room=world.room_a, shifts_per_day=2)
    morning, afternoon = services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY)
    a, b = morning.officer_id, afternoon.officer_id
    services.shift_swap(first=morning, second=afternoon)
    assert DutyShift.objects.get(pk=morning.pk).officer_id == b
    assert DutyShift.objects.get(pk=afternoon.pk).officer_id == a


@time_machine.travel(datetime.datetime(2025, 3, 1, 9, 0), tick=False)
def test_swap_refused_when_it_would_break_a_rule(world):
    services.room_save(room=world.room_a, shifts_per_day=2)
    shifts = services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY + datetime.timedelta(days=1))
    monday_am, monday_pm, tuesday_am, tuesday_pm = shifts
    a, b, c = (o.pk for o in world.officers_a)
    assert [s.officer_id for s in shifts] == [a, b, c, a]
    # A onto Monday afternoon, but A is on Monday morning already
    with pytest.raises(ValidationError) as error:
        services.shift_swap(first=monday_pm, second=tuesday_pm)
    assert "同一人一天只值一班" in error.value.message_dict["second"][0]
    # C onto Monday, but C is on leave that day
    services.rota.officer_save(officer=world.officers_a[2], dates_off=[MONDAY])
    with pytest.raises(ValidationError) as error:
        services.shift_swap(first=tuesday_am, second=monday_pm)
    assert "当天请假" in error.value.message_dict["second"][0]
    with pytest.raises(ValidationError):
        services.shift_swap(first=monday_am, second=monday_am)
    assert [s.officer_id for s in DutyShift.objects.order_by("date", "slot")] == [s.officer_id for s in shifts]


def test_past_shifts_cannot_be_swapped(world):
    first, second = services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY + datetime.timedelta(days=1))
    with time_machine.travel(datetime.datetime(2025, 3, 4, 9, 0), tick=False):
        with pytest.raises(ValidationError) as error:
            services.shift_swap(first=first, second=second)
    assert "已过去" in error.value.message_dict["second"][0]


@time_machine.travel(datetime.datetime(2025, 3, 1, 9, 0), tick=False)
def test_assigning_an_uncovered_shift(world):
    shift = DutyShift.objects.create(room=world.room_a, date=MONDAY, slot=1)
    services.rota.officer_save(officer=world.officers_a[1], weekdays_off=[0])
    with pytest.raises(ValidationError) as error:
        services.shift_assign(shift=shift, officer=world.officers_a[1])
    assert "每周周一休息" in error.value.message_dict["officer"][0]
    services.shift_assign(shift=shift, officer=world.officers_a[0])
    assert DutyShift.objects.get(pk=shift.pk).officer == world.officers_a[0]


@time_machine.travel(datetime.datetime(2025, 3, 1, 9, 0), tick=False)
def test_an_officer_who_stops_leaves_future_shifts_uncovered(world):
    services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY + datetime.timedelta(days=5))
    leaving = world.officers_a[0]
    services.rota.officer_save(officer=leaving, active=False)
    assert not DutyShift.objects.filter(officer=leaving).exists()
    assert DutyShift.objects.filter(officer__isnull=True).count() == 2


# --- on duty today, gaps and the flag --------------------------------------------------------------

def test_duty_officer_now_follows_the_slot_of_the_day(world):
    services.room_save(room=world.room_a, shifts_per_day=2)
    morning, afternoon = services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY)
    tz = datetime.timezone(datetime.timedelta(hours=8))
    assert duty_officer_now(zone_id=world.zone_a.pk, when=datetime.datetime(2025, 3, 3, 9, tzinfo=tz)) == morning
    assert duty_officer_now(zone_id=world.zone_a.pk, when=datetime.datetime(2025, 3, 3, 15, tzinfo=tz)) == afternoon
    assert duty_officer_now(zone_id=world.zone_a.pk, when=datetime.datetime(2025, 3, 4, 9, tzinfo=tz)) is None
    assert duty_officer_now(zone_id=world.zone_b.pk) is None  # no room


@time_machine.travel(datetime.datetime(2025, 3, 3, 8, 0), tick=False)
def test_gaps_are_missing_shifts_and_shifts_without_officer(world):
    services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY + datetime.timedelta(days=2))
    DutyShift.objects.filter(date=MONDAY + datetime.timedelta(days=1)).update(officer=None)
    gaps = rota_gaps(type(world.room_a).objects.all(), start=MONDAY, end=MONDAY + datetime.timedelta(days=3))
    assert [(g["date"], g["shift"] is None) for g in gaps] == [
        (MONDAY + datetime.timedelta(days=1), False), (MONDAY + datetime.timedelta(days=3), True),
    ]


@time_machine.travel(datetime.datetime(2025, 3, 3, 8, 0), tick=False)
def test_uncovered_shifts_are_flagged_to_the_zone_once(world, django_capture_on_commit_callbacks, settings):
    settings.MEDIATION_UNCOVERED_LOOKAHEAD_DAYS = 6
    services.rota_generate(room=world.room_a, start=MONDAY, end=MONDAY + datetime.timedelta(days=6))
    DutyShift.objects.filter(date=MONDAY + datetime.timedelta(days=2)).update(officer=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.uncovered_shifts_flag() == 2  # both zone A committee users, one day
        assert services.uncovered_shifts_flag() == 0  # once
    notes = Notification.objects.filter(kind="mediation.rota")
    assert set(notes.values_list("user__username", flat=True)) == {"zone_a", "zone_a_deputy"}
    assert "2025-03-05" in notes.first().body and "无人值班" in notes.first().body
