"""Writes for notifications: create at most once per (user, dedupe_key), deliver by claiming rows.

``notify`` is the interface other apps code against (visits reminders, mediation
cases …); ``bulk_notify`` (typed rows) and ``notification_batch`` (a staging table a
set-based job fills from its own tables) are its bulk twins for jobs that notify
thousands of users with one ``INSERT … SELECT … ON CONFLICT DO NOTHING``. No SQL
fragment is passed in: the staging table's name and columns are the contract.
"""
from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from .channels import all_passive, configured_channels
from .models import DeliveryStatus, Notification

logger = logging.getLogger("notifications")

TABLE = Notification._meta.db_table
COLUMNS = ("user_id", "kind", "title", "body", "link", "dedupe_key")
_FIELD_MAX = {"kind": 40, "title": 100, "link": 300, "dedupe_key": 200}


def _max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 5))


def _validate(*, user, title: str, kind: str, link: str, dedupe_key: str) -> None:
    errors: dict[str, str] = {}
    if user is None or getattr(user, "pk", None) is None:
        errors["user"] = "收件人不能为空。"
    if not (title or "").strip():
        errors["title"] = "标题不能为空。"
    if not (dedupe_key or "").strip():
        errors["dedupe_key"] = "去重键不能为空。"
    labels = {"kind": "类型", "title": "标题", "link": "链接", "dedupe_key": "去重键"}
    for name, value in {"kind": kind, "title": title, "link": link, "dedupe_key": dedupe_key}.items():
        if value and len(value) > _FIELD_MAX[name] and name not in errors:
            errors[name] = f"{labels[name]}不能超过{_FIELD_MAX[name]}个字符。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def notify(*, user, title: str, body: str, link: str = "", kind: str = "", dedupe_key: str) -> Notification | None:
    """Create one notification for `user` unless one with the same `dedupe_key` exists; deliver after commit.

    Returns the new notification, or None when it already existed (nothing is sent twice).
    """
    _validate(user=user, title=title, kind=kind, link=link, dedupe_key=dedupe_key)
    passive = all_passive()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}, status, sent_at) VALUES (%s, %s, %s, %s, %s, %s, %s, "
            f"{_SENT_AT if passive else 'NULL'}) ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING id",
            [user.pk, kind, title.strip(), body or "", link, dedupe_key, _status(passive)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    if not passive:
        _deliver_on_commit([row[0]])
    return Notification.objects.get(pk=row[0])


_SENT_AT = "now()"


def _status(passive: bool) -> str:
    # only passive channels (the in-app inbox): the stored row is the delivery
    return DeliveryStatus.SENT if passive else DeliveryStatus.PENDING


@dataclasses.dataclass(frozen=True)
class NotificationRow:
    """One notification to create (at most once per (user, dedupe_key))."""

    user_id: int
    title: str
    body: str
    dedupe_key: str
    kind: str = ""
    link: str = ""


STAGE = "notifications_batch_stage"  # columns: COLUMNS, in that order


@dataclasses.dataclass
class NotificationBatch:
    """A set-based job's batch: it fills ``table`` (columns ``columns``) with one row per notification, e.g. with
    ``INSERT INTO {batch.table} SELECT …`` over its own tables in the same transaction; on leaving
    ``notification_batch()`` the rows are created (``ids``: the new ones)."""

    table: str = STAGE
    columns: tuple[str, ...] = COLUMNS
    ids: list[int] = dataclasses.field(default_factory=list)


@contextmanager
def notification_batch() -> Iterator[NotificationBatch]:
    """Stage rows, then create them all with one ``INSERT … SELECT … ON CONFLICT DO NOTHING``: already
    existing (user, dedupe_key) pairs are skipped; the new ones are delivered after commit. Inside one
    transaction (the caller's, or its own), so a job can claim what it notifies about and notify together."""
    batch = NotificationBatch()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (user_id bigint, kind varchar(40), title varchar(100), "
                "body text, link varchar(300), dedupe_key varchar(200)) ON COMMIT DROP"
            )
            cursor.execute(f"TRUNCATE {STAGE}")
        yield batch
        batch.ids = _insert_staged()


def _insert_staged() -> list[int]:
    passive = all_passive()
    status = f"'{_status(passive)}'"
    sent_at = _SENT_AT if passive else "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}, status, sent_at) "
            f"SELECT {', '.join(COLUMNS)}, {status}, {sent_at} FROM {STAGE} "
            "ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING id"
        )
        ids = [r[0] for r in cursor.fetchall()]
    if ids and not passive:
        _deliver_on_commit(ids)
    return ids


def bulk_notify(*, rows: Iterable[NotificationRow]) -> list[int]:
    """Create many notifications at once (each at most once per (user, dedupe_key)); returns the new ids."""
    rows = list(rows)
    for row in rows:
        _validate(user=_Recipient(row.user_id), title=row.title, kind=row.kind, link=row.link,
                  dedupe_key=row.dedupe_key)
    with notification_batch() as batch:
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {batch.table} ({', '.join(batch.columns)}) VALUES (%s, %s, %s, %s, %s, %s)",
                    [(r.user_id, r.kind, r.title.strip(), r.body or "", r.link, r.dedupe_key) for r in rows],
                )
    return batch.ids


@dataclasses.dataclass(frozen=True)
class _Recipient:
    pk: int | None


def _deliver_on_commit(ids: list[int]) -> None:
    # robust: a failing channel must not turn the caller's committed write into an error;
    # undelivered rows stay 'pending' for the sweeper.
    transaction.on_commit(partial(notification_deliver, ids=ids), robust=True)


def _chunks(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])


def _claim(*, ids: list[int] | None, limit: int) -> list[Notification]:
    """Move up to `limit` pending rows to 'sending' (skipping rows another worker holds)."""
    where = "status = 'pending'"
    params: list = []
    if ids is not None:
        where += " AND id = ANY(%s)"
        params.append(ids)
    params.append(limit)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET status = 'sending', claimed_at = now(), attempts = attempts + 1 "
            f"WHERE id IN (SELECT id FROM {TABLE} WHERE {where} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) "
            "RETURNING id, user_id, kind, title, body, link, dedupe_key, created_at, attempts",
            params,
        )
        rows = cursor.fetchall()
    batch = []
    for row in rows:
        n = Notification(
            id=row[0], user_id=row[1], kind=row[2], title=row[3], body=row[4], link=row[5], dedupe_key=row[6],
            created_at=row[7], attempts=row[8], status=DeliveryStatus.SENDING,
        )
        n._state.adding = False
        batch.append(n)
    return batch


def _finish(batch: list[Notification], *, error: str | None) -> None:
    ids = [n.id for n in batch]
    with transaction.atomic(), connection.cursor() as cursor:
        if error is None:
            cursor.execute(
                f"UPDATE {TABLE} SET status = 'sent', sent_at = now(), last_error = '' "
                "WHERE id = ANY(%s) AND status = 'sending'",
                [ids],
            )
        else:
            cursor.execute(
                f"UPDATE {TABLE} SET status = CASE WHEN attempts >= %s THEN 'failed' ELSE 'pending' END, "
                "last_error = %s WHERE id = ANY(%s) AND status = 'sending'",
                [_max_attempts(), error[:2000], ids],
            )


def notification_deliver(*, ids: Sequence[int] | None = None, batch_size: int = 1000) -> int:
    """Deliver pending notifications (the given ids, or all pending) through every configured channel.

    Rows are claimed by status with SKIP LOCKED, so two deliverers never send the same row at once.
    Returns how many were delivered.
    """
    channels = configured_channels()
    delivered = 0
    id_batches = _chunks(list(ids), batch_size) if ids is not None else None
    while True:
        if id_batches is not None:
            chunk = next(id_batches, None)
            if chunk is None:
                break
            batch = _claim(ids=chunk, limit=len(chunk))
        else:
            batch = _claim(ids=None, limit=batch_size)
            if not batch:
                break
        if not batch:
            continue
        try:
            for channel in channels:
                channel.send(batch)
        except Exception as exc:  # the batch stays for the sweeper; stop sweeping a broken channel
            logger.exception("notification delivery failed")
            _finish(batch, error=f"{type(exc).__name__}: {exc}")
            if id_batches is None:
                break
            continue
        _finish(batch, error=None)
        delivered += len(batch)
    return delivered


def notification_sweep(*, stale_after: datetime.timedelta | None = None) -> dict:
    """Re-send what is stuck: rows left 'sending' by a dead worker, and rows still 'pending'."""
    if stale_after is None:
        stale_after = datetime.timedelta(minutes=int(getattr(settings, "NOTIFICATION_STALE_MINUTES", 10)))
    cutoff = timezone.now() - stale_after
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET status = CASE WHEN attempts >= %s THEN 'failed' ELSE 'pending' END "
            "WHERE status = 'sending' AND claimed_at < %s",
            [_max_attempts(), cutoff],
        )
        released = cursor.rowcount
    delivered = notification_deliver()
    return {"released": released, "delivered": delivered}


@transaction.atomic
def notification_mark_read(*, user, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise ValidationError({"notification": "只能标记自己的消息。"})
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


@transaction.atomic
def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
