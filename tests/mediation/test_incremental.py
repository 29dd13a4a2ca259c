"""``?updated_since=`` on the mediation lists: changed rows oldest first, archived ones as tombstones, only the
client's town (the scope applies); a case touched only (its modification time) records no audit event."""
import datetime

import pytest
from django.utils import timezone
from pghistory.models import Events

from core.triggers import untouched
from mediation import services
from mediation.models import DisputeCase, DutyOfficer, DutyShift, FollowUp, MediationRoom, OfficerKind
from tests.clients import api_client
from tests.incremental import check_incremental
from tests.mediation.conftest import new_case

pytestmark = pytest.mark.django_db


def _rows(world, name):
    room_b = services.room_save(zone=world.zone_b, place="胡山村委")  # town A as well
    room_c = services.room_save(zone=world.zone_c, place="相公庄村委")  # town B
    if name == "rooms":
        return [world.room_a, room_b], [room_c]
    if name == "officers":
        return world.officers_a[:2], [services.rota.officer_save(room=room_c, name="相某", kind=OfficerKind.SECRETARY)]
    if name == "shifts":
        day = timezone.localdate()
        return ([DutyShift.objects.create(room=world.room_a, date=day + datetime.timedelta(days=n), slot=1) for n in (1, 2)],
                [DutyShift.objects.create(room=room_c, date=day, slot=1)])
    cases_in = [new_case(world), new_case(world)]
    cases_out = [new_case(world, by=world.town_b_user, village=world.village_c1)]
    if name == "cases":
        return cases_in, cases_out
    due = timezone.localdate() + datetime.timedelta(days=7)
    return ([FollowUp.objects.create(case=case, sequence=1, due_date=due) for case in cases_in],
            [FollowUp.objects.create(case=cases_out[0], sequence=1, due_date=due)])


@pytest.mark.parametrize("path, model, name", [
    ("/api/mediation-rooms/", MediationRoom, "rooms"),
    ("/api/duty-officers/", DutyOfficer, "officers"),
    ("/api/duty-shifts/", DutyShift, "shifts"),
    ("/api/dispute-cases/", DisputeCase, "cases"),
    ("/api/follow-ups/", FollowUp, "follow_ups"),
])
def test_updated_since_on_the_list(world, path, model, name):
    rows_in, rows_out = _rows(world, name)
    check_incremental(api_client(world.town_a_user), path, model, rows_in, rows_out)


def test_a_case_touched_only_records_no_audit_event(world):
    """The case's tracker leaves updated_at out: the trigger's bump alone is no change in its history."""
    case = new_case(world)
    with untouched(DisputeCase):
        DisputeCase.objects.filter(pk=case.pk).update(updated_at=timezone.now() - datetime.timedelta(days=1))
    before = Events.objects.tracks(case).count()
    DisputeCase.objects.filter(pk=case.pk).update(title=case.title)  # nothing changes but the time
    case.refresh_from_db()
    assert case.updated_at > timezone.now() - datetime.timedelta(hours=1)
    assert Events.objects.tracks(case).count() == before
    DisputeCase.objects.filter(pk=case.pk).update(title="改了案由")
    assert Events.objects.tracks(case).count() == before + 1
