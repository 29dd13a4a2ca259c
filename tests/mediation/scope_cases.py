"""Scope-matrix expectations for the mediation endpoints (see tests/accounts/scope_world.py)."""
from __future__ import annotations

import datetime

from django.utils import timezone

from mediation import services
from mediation.models import DisputeCase, DutyOfficer, DutyShift, FollowUp, MediationRoom
from tests.accounts.scope_world import VILLAGE_UP, ZONE_UP, Case


def _populate_rooms(world):
    for zone in world.places_at("zone"):
        world.add(services.room_save(zone=zone.obj, place=f"{zone.key}党群服务中心"), zone.loc)


def _readable_rooms(world, role):
    """Rooms hang on their zone; like the zone itself, a zone's room is readable from below (village, grid)."""
    rows = world.rows.get(MediationRoom, {})
    out = set()
    for grant in role.grants:
        if grant.place is None:
            return set(rows)
        level, node_id = grant.place.level, grant.place.obj.pk
        out |= {pk for pk, loc in rows.items() if loc.get(level) == node_id}
        if level in ("village", "natural_village", "grid"):
            out.add(grant.place.loc["zone"])  # the room's key is its zone's
    return out


def _room(place):
    return MediationRoom.objects.get(pk=place.obj.pk)


def _populate_officers(world):
    for zone in world.places_at("zone"):
        world.add(services.rota.officer_save(room=_room(zone), name=f"{zone.key}书记", kind="secretary"), zone.loc)


def _populate_shifts(world):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for zone in world.places_at("zone"):
        officer = DutyOfficer.objects.get(room_id=zone.obj.pk)
        for offset in (0, 1):
            shift = DutyShift.objects.create(room_id=zone.obj.pk, date=tomorrow + datetime.timedelta(days=offset),
                                             officer=officer)
            world.add(shift, zone.loc)


def _case_payload(world, place):
    return {"village": place.obj.pk, "source": "walk_in", "category": "neighbour", "title": "矩阵案件",
            "description": "范围测试", "parties": [{"name": "张三"}]}


def _populate_cases(world):
    """One case per village (unassigned, so that only the hierarchy decides who sees it), with a follow-up."""
    world.mediation_follow_ups = []
    for village in world.places_at("village"):
        case = services.case_create(by=None, village=village.obj, source="walk_in", category="neighbour",
                                    title=f"{village.key}邻里纠纷", description="矩阵", parties=[{"name": "李四"}])
        world.add(case, village.loc)
        world.mediation_follow_ups.append((case, village.loc))


def _populate_follow_ups(world):
    due = timezone.localdate() + datetime.timedelta(days=7)
    for case, loc in world.mediation_follow_ups:
        world.add(FollowUp.objects.create(case=case, sequence=1, due_date=due), loc)


CASES = {
    "mediation-rooms": Case(
        model=MediationRoom, level="zone", writers=ZONE_UP, parent_level="zone", populate=_populate_rooms,
        expect=_readable_rooms,
        payload=lambda w, p: {"zone": p.obj.pk, "place": "矩阵调解室"}, fks=lambda w, p: [p.obj],
        create_ok=False,  # every zone of the world has its room already: one per zone
        # DELETE archives (refused, 409, while the room has officers)
    ),
    "duty-officers": Case(
        model=DutyOfficer, level="zone", writers=ZONE_UP, parent_level="zone", populate=_populate_officers,
        payload=lambda w, p: {"room": p.obj.pk, "name": "王律师", "kind": "other"}, fks=lambda w, p: [_room(p)],
        # DELETE archives
    ),
    "duty-shifts": Case(
        model=DutyShift, level="zone", writers=ZONE_UP, populate=_populate_shifts, deletable=False,
    ),
    "dispute-cases": Case(
        model=DisputeCase, level="village", writers=VILLAGE_UP, parent_level="village", populate=_populate_cases,
        payload=_case_payload, fks=lambda w, p: [p.obj], append_only=True,
    ),
    "follow-ups": Case(
        model=FollowUp, level="village", writers=VILLAGE_UP, populate=_populate_follow_ups, append_only=True,
    ),
}
