"""Delivery channels behind one interface: the in-app inbox and a log line ship now;
SMS or WeCom plug in later by adding a dotted path to ``settings.NOTIFICATION_CHANNELS``.

A channel receives a batch of notifications and either delivers all of them or
raises; the service then leaves the batch for the sweeper to re-send, so an
external channel must tolerate an occasional repeat (at-least-once).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("notifications")


class Channel:
    """A way to bring a notification to its recipient."""

    name: str = ""
    # A passive channel has nothing to send: the stored row is the delivery (the in-app inbox). When every
    # configured channel is passive, notifications are stored as sent and no delivery pass runs.
    passive: bool = False

    def send(self, notifications: Sequence) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class InAppChannel(Channel):
    """站内信：the stored row is the inbox entry, so there is nothing more to send."""

    name = "in_app"
    passive = True

    def send(self, notifications: Sequence) -> None:
        return None


class LogChannel(Channel):
    """One log line per notification (for operators, and a model for SMS/WeCom channels)."""

    name = "log"

    def send(self, notifications: Sequence) -> None:
        for n in notifications:
            logger.info("notification user=%s kind=%s key=%s title=%s", n.user_id, n.kind, n.dedupe_key, n.title)


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> tuple[Channel, ...]:
    channels = []
    for path in paths:
        cls = import_string(path)
        if not (isinstance(cls, type) and issubclass(cls, Channel)):
            raise TypeError(f"{path} 不是消息渠道（notifications.channels.Channel 的子类）。")
        channels.append(cls())
    return tuple(channels)


def configured_channels() -> tuple[Channel, ...]:
    return _load(tuple(getattr(settings, "NOTIFICATION_CHANNELS", ["notifications.channels.InAppChannel"])))


def all_passive() -> bool:
    return all(channel.passive for channel in configured_channels())
