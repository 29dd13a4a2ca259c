"""Reads for the inbox."""
from __future__ import annotations

from .models import Notification


def inbox(*, user):
    return Notification.objects.filter(user=user)


def unread_count(*, user) -> int:
    # the partial index notification_user_unread makes this an index-only count
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
