"""Channels for tests: one that records what it was given, one that always fails."""
from notifications.channels import Channel

SENT: list[tuple[int, str]] = []


class RecordingChannel(Channel):
    name = "recording"

    def send(self, notifications):
        SENT.extend((n.user_id, n.dedupe_key) for n in notifications)


class FailingChannel(Channel):
    name = "failing"

    def send(self, notifications):
        raise ConnectionError("短信网关不可用")
