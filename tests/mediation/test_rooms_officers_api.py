"""Rooms and duty officers written from the browser's forms: who may, what a bad form answers, archiving."""
import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from mediation import services
from mediation.models import DutyOfficer, DutyShift, MediationRoom
from tests import factories as f
from tests.clients import api_client

pytestmark = pytest.mark.django_db


def _grid_member(village):
    grid = f.MicroGridFactory(natural_village=f.NaturalVillageFactory(village=village))
    return f.make_user(Role.GRID_MEMBER, grid, username="gridder", display_name="网格员小刘")


def test_a_grid_member_may_not_create_a_room_or_an_officer(world):
    gridder = _grid_member(world.village_b1)
    client = api_client(gridder)
    response = client.post("/api/mediation-rooms/", {"zone": world.zone_b.pk, "place": "胡山村委会"}, format="json")
    assert response.status_code == 403, response.content
    assert not MediationRoom.objects.filter(pk=world.zone_b.pk).exists()
    response = client.post("/api/duty-officers/", {"room": world.room_a.pk, "name": "刘某", "kind": "other"},
                           format="json")
    assert response.status_code in (403, 400)
    assert not DutyOfficer.objects.filter(name="刘某").exists()


def test_a_zone_committee_creates_its_room_but_not_another_zones(world):
    response = api_client(world.zone_b_user).post("/api/mediation-rooms/", {
        "zone": world.zone_b.pk, "name": "胡山轮值调解室", "place": "胡山村党群服务中心", "phone": "0531-8888888",
        "open_weekdays": [0, 1, 2, 3, 4], "shifts_per_day": 2,
    }, format="json")
    assert response.status_code == 201, response.content
    room = MediationRoom.objects.get(pk=world.zone_b.pk)
    assert (room.name, room.shifts_per_day, room.open_weekdays) == ("胡山轮值调解室", 2, [0, 1, 2, 3, 4])
    assert response.json()["archived_at"] is None

    refused = api_client(world.zone_b_user).post("/api/mediation-rooms/", {"zone": world.zone_c.pk, "place": "x"},
                                                  format="json")
    assert refused.status_code in (400, 403)
    assert not MediationRoom.objects.filter(pk=world.zone_c.pk).exists()


def test_bad_room_input_names_the_field_in_chinese_and_writes_nothing(world):
    client = api_client(world.zone_b_user)
    response = client.post("/api/mediation-rooms/", {"zone": world.zone_b.pk, "place": "胡山", "shifts_per_day": 5},
                           format="json")
    assert response.status_code == 400
    assert "每日班次" in str(response.json()["shifts_per_day"])
    response = client.post("/api/mediation-rooms/", {"zone": world.zone_b.pk, "place": "胡山", "open_weekdays": []},
                           format="json")
    assert response.status_code == 400
    assert "值班日" in str(response.json()["open_weekdays"])
    assert not MediationRoom.objects.filter(pk=world.zone_b.pk).exists()


def test_bad_officer_input_is_refused_whole(world):
    client = api_client(world.zone_a_user)
    response = client.post("/api/duty-officers/", {
        "room": world.room_a.pk, "name": "王委员", "kind": "committee", "weekdays_off": [0, 1, 2, 3, 4, 5, 6],
    }, format="json")
    assert response.status_code == 400
    assert "每周至少要有一天" in str(response.json()["weekdays_off"])
    response = client.post("/api/duty-officers/", {"room": world.room_a.pk, "name": "王委员", "kind": "chief"},
                           format="json")
    assert response.status_code == 400 and "kind" in response.json()
    assert not DutyOfficer.objects.filter(name="王委员").exists()
    created = client.post("/api/duty-officers/", {
        "room": world.room_a.pk, "name": "王委员", "kind": "committee", "weekdays_off": [5, 6], "rotation_order": 4,
    }, format="json")
    assert created.status_code == 201, created.content
    edited = client.patch(f"/api/duty-officers/{created.json()['id']}/", {"dates_off": ["2030-01-02"]}, format="json")
    assert edited.status_code == 200 and edited.json()["dates_off"] == ["2030-01-02"]


def test_an_archived_officer_is_never_put_on_a_new_rota_and_loses_future_shifts(world):
    client = api_client(world.zone_a_user)
    start = timezone.localdate() + datetime.timedelta(days=1)
    end = start + datetime.timedelta(days=13)
    services.rota_generate(room=world.room_a, start=start, end=end)
    gone = world.officers_a[2]
    assert DutyShift.objects.filter(officer=gone).exists()

    response = client.delete(f"/api/duty-officers/{gone.pk}/")
    assert response.status_code == 204
    gone.refresh_from_db()
    assert gone.archived_at is not None
    assert not DutyShift.objects.filter(officer=gone, date__gte=timezone.localdate()).exists()
    listed = [o["id"] for o in client.get("/api/duty-officers/", {"room": world.room_a.pk}).json()["results"]]
    assert gone.pk not in listed
    archived = [o["id"] for o in client.get("/api/duty-officers/", {"archived": "true"}).json()["results"]]
    assert archived == [gone.pk]

    generated = client.post("/api/duty-shifts/generate/", {
        "room": world.room_a.pk, "start": str(start), "end": str(end), "replace": True,
    }, format="json")
    assert generated.status_code == 201, generated.content
    assert not DutyShift.objects.filter(officer=gone).exists()
    assert DutyShift.objects.filter(room=world.room_a, date__gte=start).exclude(officer=None).count() > 0

    restored = client.post(f"/api/duty-officers/{gone.pk}/restore/")
    assert restored.status_code == 200 and restored.json()["archived_at"] is None


def test_a_room_with_officers_is_not_archived_until_they_are(world):
    client = api_client(world.zone_a_user)
    refused = client.delete(f"/api/mediation-rooms/{world.room_a.pk}/")
    assert refused.status_code == 409
    assert "轮值人员" in str(refused.json())
    for officer in world.officers_a:
        assert client.delete(f"/api/duty-officers/{officer.pk}/").status_code == 204
    assert client.delete(f"/api/mediation-rooms/{world.room_a.pk}/").status_code == 204
    assert MediationRoom.objects.get(pk=world.room_a.pk).archived_at is not None
    # an archived room takes no new officer
    response = client.post("/api/duty-officers/", {"room": world.room_a.pk, "name": "新人", "kind": "other"},
                           format="json")
    assert response.status_code == 400 and "已归档" in str(response.json())


def test_a_village_cadre_may_not_archive_an_officer(world):
    response = api_client(world.cadre_a1).delete(f"/api/duty-officers/{world.officers_a[0].pk}/")
    assert response.status_code in (403, 404)
    world.officers_a[0].refresh_from_db()
    assert world.officers_a[0].archived_at is None
