"""The duty rota (轮值排班): generate, swap, fill, and flag uncovered shifts ahead of time."""
from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.records import record_archive

from ..models import WEEKDAY_LABELS, DutyOfficer, DutyShift, MediationRoom
from . import notices

MAX_ROTA_DAYS = 366


# --- the room and its officers ---------------------------------------------------------

@transaction.atomic
def room_save(*, zone=None, room: MediationRoom | None = None, **fields) -> MediationRoom:
    """Create the zone's room (one per zone) or change it."""
    if room is None:
        if zone is None:
            raise ValidationError({"zone": "请选择工作区。"})
        if MediationRoom.objects.filter(pk=zone.pk).exists():
            raise ValidationError({"zone": f"{zone.name}已设立轮值调解室（每个工作区一间）。"})
        room = MediationRoom(zone=zone)
    for name, value in fields.items():
        setattr(room, name, value)
    if not room.name:
        room.name = f"{room.zone.name}轮值调解室"
    room.open_weekdays = sorted(set(room.open_weekdays))
    if not room.open_weekdays:
        raise ValidationError({"open_weekdays": "至少选择一个值班日。"})
    room.full_clean(exclude=["zone"])
    room.save()
    return room


@transaction.atomic
def officer_save(*, officer: DutyOfficer | None = None, **fields) -> DutyOfficer:
    """Add a person to the rotation list or change them (days off, order, account)."""
    officer = officer or DutyOfficer()
    for name, value in fields.items():
        setattr(officer, name, value)
    officer.weekdays_off = sorted(set(officer.weekdays_off))
    officer.dates_off = sorted(set(officer.dates_off))
    errors = {}
    zone_id = officer.room_id
    if officer._state.adding and zone_id and MediationRoom.objects.filter(pk=zone_id, archived_at__isnull=False).exists():
        errors["room"] = "该调解室已归档，不能再添加轮值人员。"
    if officer.committee_member_id and officer.committee_member.zone_id != zone_id:
        errors["committee_member"] = "该党委成员不属于本工作区。"
    if officer.village_cadre_id and officer.village_cadre.village.zone_id != zone_id:
        errors["village_cadre"] = "该村干部所在村不属于本工作区。"
    if len(officer.weekdays_off) >= 7:
        errors["weekdays_off"] = "每周至少要有一天可以值班。"
    if errors:
        raise ValidationError(errors)
    officer.full_clean(validate_unique=False)
    if officer.user_id and DutyOfficer.objects.filter(room_id=zone_id, user_id=officer.user_id).exclude(pk=officer.pk).exists():
        raise ValidationError({"user": "该账号已在本调解室的轮值名单中。"})
    officer.save()
    if not officer.active:  # whoever stops taking turns leaves their future shifts uncovered, to be flagged
        DutyShift.objects.filter(officer=officer, date__gte=timezone.localdate()).update(officer=None)
    return officer


@transaction.atomic
def officer_archive(*, officer: DutyOfficer) -> DutyOfficer:
    """Take a person off the rotation list for good (归档): kept with their history and past shifts, never put on
    a new rota; their future shifts become uncovered, to be flagged and filled."""
    officer = DutyOfficer.objects.select_for_update().get(pk=officer.pk)
    record_archive(officer)
    DutyShift.objects.filter(officer=officer, date__gte=timezone.localdate()).update(officer=None)
    return officer


# --- rota generation ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RotaPlan:
    """A planned rota: (date, slot, officer id or None for an uncovered shift)."""

    shifts: tuple[tuple[datetime.date, int, int | None], ...]

    def load(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _, _, officer in self.shifts:
            if officer is not None:
                counts[officer] = counts.get(officer, 0) + 1
        return counts

    @property
    def uncovered(self) -> list[tuple[datetime.date, int]]:
        return [(day, slot) for day, slot, officer in self.shifts if officer is None]


def plan_rota(
    *, days: Sequence[datetime.date], slots_per_day: int, rotation: Sequence[int],
    days_off: Mapping[int, Iterable[datetime.date]] | None = None,
) -> RotaPlan:
    """Assign every slot of every day to someone from `rotation`, in turn.

    Each slot goes to the available person with the fewest shifts so far (ties:
    whoever served longest ago, then rotation order). Nobody serves twice a day,
    nobody serves on a day off; a slot nobody can take stays uncovered (None).

    Fairness this guarantees (tested with hypothesis): for any two people A and B,
    load(A) - load(B) <= 1 + (days B was off), so with no days off the loads differ
    by at most one.
    """
    off = {officer: set(days_off.get(officer, ())) if days_off else set() for officer in rotation}
    position = {officer: index for index, officer in enumerate(rotation)}
    load = {officer: 0 for officer in rotation}
    last_turn = {officer: -1 for officer in rotation}
    turn = 0
    shifts = []
    for day in days:
        used: set[int] = set()
        for slot in range(1, slots_per_day + 1):
            candidates = [o for o in rotation if o not in used and day not in off[o]]
            if not candidates:
                shifts.append((day, slot, None))
                continue
            pick = min(candidates, key=lambda o: (load[o], last_turn[o], position[o]))
            used.add(pick)
            load[pick] += 1
            last_turn[pick] = turn
            turn += 1
            shifts.append((day, slot, pick))
    return RotaPlan(tuple(shifts))


def _open_days(room: MediationRoom, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() in room.open_weekdays:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _off_dates(officer: DutyOfficer, days: Iterable[datetime.date], extra: Iterable[datetime.date] = ()) -> set:
    extra = set(extra)
    return {day for day in days if officer.is_off(day) or day in extra}


@transaction.atomic
def rota_generate(
    *, room: MediationRoom, start: datetime.date, end: datetime.date, officers: Sequence[DutyOfficer] | None = None,
    days_off: Mapping[int, Iterable[datetime.date]] | None = None, replace: bool = False,
) -> list[DutyShift]:
    """Generate the rota of `room` for [start, end] from a rotation list (default: its active officers in order).

    Days off are each officer's weekly days off and leave dates, plus `days_off`
    (officer id -> dates) given for this run. Existing shifts in the period are
    kept unless `replace`; then they are replaced whole.
    """
    errors = {}
    if room.archived_at is not None:
        errors["room"] = f"{room.name}已归档，不能排班。"
    if end < start:
        errors["end"] = "结束日期不能早于开始日期。"
    elif (end - start).days + 1 > MAX_ROTA_DAYS:
        errors["end"] = f"一次最多排{MAX_ROTA_DAYS}天。"
    if officers is None:
        officers = list(room.officers.filter(active=True, archived_at__isnull=True).order_by("rotation_order", "id"))
    officers = list(officers)
    if not officers:
        errors["officers"] = "轮值名单为空：请先添加轮值人员。"
    ids = [o.pk for o in officers]
    if len(set(ids)) != len(ids):
        errors["officers"] = "轮值名单中有重复人员。"
    foreign = [o.name for o in officers if o.room_id != room.pk]
    if foreign:
        errors["officers"] = f"不是本调解室的轮值人员：{'、'.join(foreign)}。"
    inactive = [o.name for o in officers if not o.active or o.archived_at is not None]
    if inactive and "officers" not in errors:
        errors["officers"] = f"已停止轮值的人员不能排班：{'、'.join(inactive)}。"
    if errors:
        raise ValidationError(errors)
    MediationRoom.objects.select_for_update().filter(pk=room.pk).first()  # one generation per room at a time
    existing = DutyShift.objects.filter(room=room, date__gte=start, date__lte=end)
    if existing.exists():
        if not replace:
            raise ValidationError({"start": f"{start}至{end}已有排班；如需重新排班请选择覆盖原排班。"})
        existing.delete()
    days = _open_days(room, start, end)
    extra = days_off or {}
    plan = plan_rota(
        days=days, slots_per_day=room.shifts_per_day, rotation=ids,
        days_off={o.pk: _off_dates(o, days, extra.get(o.pk, ())) for o in officers},
    )
    shifts = [DutyShift(room=room, date=day, slot=slot, officer_id=officer) for day, slot, officer in plan.shifts]
    return DutyShift.objects.bulk_create(shifts)


# --- changes to single shifts ----------------------------------------------------------------

def _check_can_serve(officer: DutyOfficer, shift: DutyShift, *, ignore: Iterable[int] = (), field: str) -> None:
    if officer.room_id != shift.room_id:
        raise ValidationError({field: f"{officer.name}不是本调解室的轮值人员。"})
    if not officer.active or officer.archived_at is not None:
        raise ValidationError({field: f"{officer.name}已停止轮值。"})
    if officer.is_off(shift.date):
        reason = f"每周{WEEKDAY_LABELS[shift.date.weekday()]}休息" if shift.date.weekday() in officer.weekdays_off else "当天请假"
        raise ValidationError({field: f"{officer.name}{shift.date}不能值班（{reason}）。"})
    clash = DutyShift.objects.filter(room_id=shift.room_id, date=shift.date, officer=officer).exclude(pk__in=[shift.pk, *ignore])
    if clash.exists():
        raise ValidationError({field: f"{officer.name}{shift.date}已有其他班次，同一人一天只值一班。"})


@transaction.atomic
def shift_swap(*, first: DutyShift, second: DutyShift, by=None) -> tuple[DutyShift, DutyShift]:
    """Exchange the duty officers of two shifts of the same room (调班)."""
    if first.pk == second.pk:
        raise ValidationError({"second": "不能与同一个班次互换。"})
    locked = {s.pk: s for s in DutyShift.objects.select_for_update().filter(pk__in=[first.pk, second.pk]).order_by("pk")}
    first, second = locked[first.pk], locked[second.pk]
    if first.room_id != second.room_id:
        raise ValidationError({"second": "只能与同一调解室的班次互换。"})
    today = timezone.localdate()
    if first.date < today or second.date < today:
        raise ValidationError({"second": "已过去的班次不能调换。"})
    if first.officer_id == second.officer_id:
        raise ValidationError({"second": "两个班次的值班人员相同，无需互换。"})
    a, b = first.officer, second.officer
    if a is not None:
        _check_can_serve(a, second, ignore=[first.pk], field="second")
    if b is not None:
        _check_can_serve(b, first, ignore=[second.pk], field="second")
    # via NULL so that "nobody twice a day" holds at every statement (same-day swaps)
    DutyShift.objects.filter(pk=first.pk).update(officer=None)
    DutyShift.objects.filter(pk=second.pk).update(officer=a)
    DutyShift.objects.filter(pk=first.pk).update(officer=b)
    first.officer, second.officer = b, a
    for shift, officer in ((first, b), (second, a)):
        if officer is not None and officer.user_id and (by is None or officer.user_id != by.pk):
            notices.send(
                user=officer.user, title="值班调整",
                body=f"您的值班已调整为 {shift.date} {shift.room.slot_label(shift.slot)}（{shift.room.name}）。",
                link=notices.rota_link(), kind="mediation.rota",
                dedupe_key=f"mediation:swap:{shift.pk}:{officer.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
            )
    return first, second


@transaction.atomic
def shift_assign(*, shift: DutyShift, officer: DutyOfficer | None, note: str | None = None) -> DutyShift:
    """Put someone on a shift (e.g. an uncovered one) or take them off it."""
    shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
    if shift.date < timezone.localdate():
        raise ValidationError({"officer": "已过去的班次不能调整。"})
    if officer is not None:
        _check_can_serve(officer, shift, field="officer")
    shift.officer = officer
    if note is not None:
        shift.note = note
    shift.save(update_fields=["officer", "note"])
    return shift


# --- uncovered shifts, flagged ahead ----------------------------------------------------------

def rota_gaps(rooms, *, start: datetime.date, end: datetime.date) -> list[dict]:
    """Open-day slots in [start, end] with nobody on duty: a shift without an officer, or no shift at all.

    Only rooms that have a rota (at least one shift) are considered.
    """
    rooms = list(rooms.filter(shifts__isnull=False).distinct())
    if not rooms:
        return []
    covered = {
        (s.room_id, s.date, s.slot): s
        for s in DutyShift.objects.filter(room__in=rooms, date__gte=start, date__lte=end)
    }
    gaps = []
    for room in rooms:
        for day in _open_days(room, start, end):
            for slot in range(1, room.shifts_per_day + 1):
                shift = covered.get((room.pk, day, slot))
                if shift is None or shift.officer_id is None:
                    gaps.append({
                        "room": room.pk, "room_name": room.name, "date": day, "slot": slot,
                        "slot_label": room.slot_label(slot), "shift": shift.pk if shift else None,
                    })
    return gaps


def uncovered_shifts_flag(*, today: datetime.date | None = None) -> int:
    """Notify each zone's committee, once per uncovered day, of shifts in the coming days with nobody on duty.

    Returns how many notifications were created (0 when run again).
    """
    today = today or timezone.localdate()
    end = today + datetime.timedelta(days=settings.MEDIATION_UNCOVERED_LOOKAHEAD_DAYS)
    by_room_day: dict[tuple[int, datetime.date], list[dict]] = {}
    for gap in rota_gaps(MediationRoom.objects.filter(archived_at__isnull=True), start=today, end=end):
        by_room_day.setdefault((gap["room"], gap["date"]), []).append(gap)
    created = 0
    for (room_id, day), gaps in sorted(by_room_day.items(), key=lambda item: (item[0][1], item[0][0])):
        slots = "、".join(g["slot_label"] for g in gaps)
        for user in notices.zone_committee_users(room_id):
            if notices.send(
                user=user, title="调解室排班缺人",
                body=f"{gaps[0]['room_name']} {day}（{WEEKDAY_LABELS[day.weekday()]}）{slots}无人值班，请及时安排。",
                link=notices.rota_link(), kind="mediation.rota",
                dedupe_key=f"mediation:uncovered:{room_id}:{day.isoformat()}",
            ):
                created += 1
    return created
