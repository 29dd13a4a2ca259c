import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications import services
from notifications.models import DeliveryStatus, Notification
from tests.notifications.users import UserFactory

from . import recording

RECORDING = ["notifications.channels.InAppChannel", "tests.notifications.recording.RecordingChannel"]
FAILING = ["notifications.channels.InAppChannel", "tests.notifications.recording.FailingChannel"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _recording_channels(settings):
    settings.NOTIFICATION_CHANNELS = RECORDING
    recording.SENT.clear()


def test_notify_creates_once_per_user_and_key(django_capture_on_commit_callbacks):
    alice, bob = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(user=alice, title="走访提醒", body="您有 5 户待走访", link="/visits/my/",
                                kind="visit_reminder", dedupe_key="visit-reminder:2025-03-01")
        again = services.notify(user=alice, title="走访提醒（重复）", body="x", dedupe_key="visit-reminder:2025-03-01")
        other = services.notify(user=bob, title="走访提醒", body="", dedupe_key="visit-reminder:2025-03-01")
    assert first is not None and other is not None
    assert again is None
    assert Notification.objects.filter(user=alice).count() == 1
    assert Notification.objects.get(pk=first.pk).title == "走访提醒"
    # delivered once each, after commit, through every configured channel
    assert sorted(recording.SENT) == sorted([(alice.pk, "visit-reminder:2025-03-01"), (bob.pk, "visit-reminder:2025-03-01")])
    assert set(Notification.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_notify_is_not_delivered_before_commit(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = services.notify(user=user, title="标题", body="", dedupe_key="k1")
    assert recording.SENT == []
    assert Notification.objects.get(pk=n.pk).status == DeliveryStatus.PENDING
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"title": "  "}, "title"),
        ({"dedupe_key": ""}, "dedupe_key"),
        ({"title": "长" * 101}, "title"),
        ({"link": "/" + "x" * 300}, "link"),
        ({"user": None}, "user"),
    ],
)
def test_notify_rejects_bad_input_and_writes_nothing(kwargs, field):
    base = {"user": UserFactory(), "title": "标题", "body": "", "dedupe_key": "k"}
    with pytest.raises(ValidationError) as exc:
        services.notify(**{**base, **kwargs})
    assert field in exc.value.message_dict
    assert Notification.objects.count() == 0


def _digest_batch(user_ids) -> list[int]:
    """A set-based job's batch: it fills the staging table from its own tables."""
    from django.db import connection

    with services.notification_batch() as batch, connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {batch.table} ({', '.join(batch.columns)}) "
            "SELECT id, 'digest', '汇总', '正文' || id, '', 'digest:1' FROM accounts_user WHERE id = ANY(%s)",
            [user_ids],
        )
    return batch.ids


def test_notification_batch_inserts_set_based_and_skips_existing(django_capture_on_commit_callbacks):
    users = [UserFactory() for _ in range(3)]
    services.notify(user=users[0], title="已存在", body="", dedupe_key="digest:1")
    with django_capture_on_commit_callbacks(execute=True):
        created = _digest_batch([u.pk for u in users])
        again = _digest_batch([u.pk for u in users])
    assert len(created) == 2 and again == []
    assert Notification.objects.filter(dedupe_key="digest:1").count() == 3
    assert Notification.objects.get(user=users[0]).title == "已存在"
    assert Notification.objects.filter(pk__in=created, status=DeliveryStatus.SENT).count() == 2


def test_bulk_notify_takes_typed_rows_and_skips_existing(django_capture_on_commit_callbacks):
    users = [UserFactory() for _ in range(3)]
    services.notify(user=users[0], title="已存在", body="", dedupe_key="digest:1")
    rows = [services.NotificationRow(user_id=u.pk, kind="digest", title="汇总", body=f"正文{u.pk}", dedupe_key="digest:1")
            for u in users]
    with django_capture_on_commit_callbacks(execute=True):
        created = services.bulk_notify(rows=rows)
        again = services.bulk_notify(rows=rows)
    assert len(created) == 2 and again == []
    assert Notification.objects.get(user=users[1]).body == f"正文{users[1].pk}"
    with pytest.raises(ValidationError) as exc:
        services.bulk_notify(rows=[services.NotificationRow(user_id=users[0].pk, title=" ", body="", dedupe_key="k")])
    assert "title" in exc.value.message_dict


def test_failing_channel_leaves_row_for_the_sweeper(settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_CHANNELS = FAILING
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(user=user, title="标题", body="", dedupe_key="k")
    n.refresh_from_db()
    assert n.status == DeliveryStatus.PENDING and n.attempts == 1
    assert "短信网关不可用" in n.last_error

    settings.NOTIFICATION_CHANNELS = RECORDING
    result = services.notification_sweep()
    n.refresh_from_db()
    assert result["delivered"] == 1
    assert n.status == DeliveryStatus.SENT and n.attempts == 2 and n.last_error == ""
    assert recording.SENT == [(user.pk, "k")]


def test_delivery_gives_up_after_max_attempts(settings):
    settings.NOTIFICATION_CHANNELS = FAILING
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    n = services.notify(user=UserFactory(), title="标题", body="", dedupe_key="k")
    services.notification_sweep()
    n.refresh_from_db()
    assert (n.status, n.attempts) == (DeliveryStatus.PENDING, 1)
    services.notification_sweep()
    n.refresh_from_db()
    assert (n.status, n.attempts) == (DeliveryStatus.FAILED, 2)
    assert services.notification_sweep()["delivered"] == 0


def test_sweep_resends_rows_a_dead_worker_left_sending():
    user = UserFactory()
    n = services.notify(user=user, title="标题", body="", dedupe_key="k")
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Notification.objects.filter(pk=n.pk).update(status=DeliveryStatus.SENDING, claimed_at=long_ago, attempts=1)
    fresh = services.notify(user=user, title="标题2", body="", dedupe_key="k2")
    Notification.objects.filter(pk=fresh.pk).update(status=DeliveryStatus.SENDING, claimed_at=timezone.now(), attempts=1)

    result = services.notification_sweep()
    assert result == {"released": 1, "delivered": 1}
    assert Notification.objects.get(pk=n.pk).status == DeliveryStatus.SENT
    # a row claimed a moment ago may still be in a live worker's hands: not touched
    assert Notification.objects.get(pk=fresh.pk).status == DeliveryStatus.SENDING
    assert recording.SENT == [(user.pk, "k")]


def test_mark_read_and_mark_all_read():
    user, other = UserFactory(), UserFactory()
    a = services.notify(user=user, title="a", body="", dedupe_key="a")
    services.notify(user=user, title="b", body="", dedupe_key="b")
    theirs = services.notify(user=other, title="c", body="", dedupe_key="c")
    services.notification_mark_read(user=user, notification=a)
    assert Notification.objects.get(pk=a.pk).read_at is not None
    with pytest.raises(ValidationError):
        services.notification_mark_read(user=user, notification=theirs)
    assert services.notification_mark_all_read(user=user) == 1
    assert services.notification_mark_all_read(user=user) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None
