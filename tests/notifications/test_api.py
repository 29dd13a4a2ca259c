import pytest
from rest_framework.test import APIClient

from notifications import services
from notifications.models import Notification
from tests.notifications.users import UserFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return APIClient()


def _inbox(user, n):
    return [services.notify(user=user, title=f"消息{i}", body="正文", link=f"/households/{i}/", kind="visit_reminder",
                            dedupe_key=f"k{i}") for i in range(n)]


def test_list_contains_exactly_my_notifications(client, django_assert_max_num_queries):
    me = make_user("district_admin")  # even a district administrator sees only their own inbox
    other = UserFactory()
    mine = _inbox(me, 3)
    theirs = _inbox(other, 2)
    client.force_authenticate(me)
    with django_assert_max_num_queries(6):
        response = client.get("/api/notifications/")
    assert response.status_code == 200
    assert sorted(r["id"] for r in response.data["results"]) == sorted(n.pk for n in mine)
    assert client.get(f"/api/notifications/{theirs[0].pk}/").status_code == 404
    assert client.post(f"/api/notifications/{theirs[0].pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None


def test_unread_count_read_and_read_all(client):
    me = UserFactory()
    notes = _inbox(me, 3)
    _inbox(UserFactory(), 4)
    client.force_authenticate(me)
    assert client.get("/api/notifications/unread-count/").data == {"unread": 3}
    response = client.post(f"/api/notifications/{notes[0].pk}/read/")
    assert response.status_code == 200 and response.data["is_read"] is True
    assert client.get("/api/notifications/unread-count/").data == {"unread": 2}
    assert [r["id"] for r in client.get("/api/notifications/?unread=true").data["results"]] == [notes[2].pk, notes[1].pk]
    assert client.post("/api/notifications/read-all/").data == {"marked": 2}
    assert client.get("/api/notifications/unread-count/").data == {"unread": 0}
    assert Notification.objects.filter(read_at__isnull=True).count() == 4  # the other user's are untouched


def test_notifications_cannot_be_created_or_edited_through_the_api(client):
    me = UserFactory()
    note = _inbox(me, 1)[0]
    client.force_authenticate(me)
    response = client.post("/api/notifications/", {"title": "伪造", "dedupe_key": "x"}, format="json")
    assert response.status_code == 405
    assert client.patch(f"/api/notifications/{note.pk}/", {"title": "改"}, format="json").status_code == 405
    assert client.delete(f"/api/notifications/{note.pk}/").status_code == 405
    assert Notification.objects.count() == 1


def test_anonymous_is_refused(client):
    assert client.get("/api/notifications/").status_code in (401, 403)
