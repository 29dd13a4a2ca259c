"""Mediation's beat tasks retry only what a retry can cure (the database gone), never a bug or bad data."""
import pytest
from django.db import OperationalError

from mediation import tasks


def _failing(monkeypatch, exc):
    calls = []

    def boom():
        calls.append(1)
        raise exc

    monkeypatch.setattr(tasks, "follow_ups_schedule", boom)
    return calls


def test_a_value_error_is_not_retried(monkeypatch):
    calls = _failing(monkeypatch, ValueError("bad data"))
    result = tasks.schedule_follow_ups.apply()
    assert result.failed() and isinstance(result.result, ValueError)
    assert len(calls) == 1


def test_a_lost_database_is_retried(monkeypatch):
    calls = _failing(monkeypatch, OperationalError("server closed the connection unexpectedly"))
    result = tasks.schedule_follow_ups.apply()
    assert result.failed()
    assert len(calls) == 1 + tasks.RETRY["max_retries"]


@pytest.mark.parametrize("name", ["schedule_follow_ups", "escalate_idle_cases", "flag_uncovered_shifts"])
def test_every_mediation_task_retries_database_errors_only(name):
    assert set(getattr(tasks, name).autoretry_for) == {OperationalError, tasks.InterfaceError}
