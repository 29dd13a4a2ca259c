"""Reads for the inbox."""
from __future__ import annotations

from .models import Notification


def inbox(*, user):
    return Notification.objects.filter(user=user)


def unread_count(*, user) -> int:
    # an index-only count on notification_user_recent (user, created_at) INCLUDE (read_at)
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
