"""Real Celery worker processes for tests: their own queue, the test database, either broker we support;
and waiting for something to become true (servers, workers, locks)."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from celery import Celery
from django.conf import settings
from django.db import connection

from tests.conftest import require

BASE_DIR = Path(settings.BASE_DIR)


class Broker:
    """A client app on the filesystem or Redis broker, with a queue of our own: no other worker takes our tasks."""

    def __init__(self, kind: str, tmp_path: Path, *, prefix: str = "test"):
        self.kind = kind
        self.queue = f"{prefix}-{uuid.uuid4().hex[:10]}"
        if kind == "filesystem":
            root = tmp_path / "broker"
            for sub in ("queue", "processed", "results", "control"):
                (root / sub).mkdir(parents=True, exist_ok=True)
            self.app = Celery("client", broker="filesystem://", backend=f"file://{root / 'results'}")
            self.app.conf.broker_transport_options = {
                "data_folder_in": str(root / "queue"), "data_folder_out": str(root / "queue"),
                "processed_folder": str(root / "processed"), "control_folder": str(root / "control"),
            }
            self.env = {"CELERY_BROKER_DIR": str(root), "REDIS_URL": ""}
        else:
            url = os.environ.get("REDIS_URL", "")
            require(bool(url), "未设置 REDIS_URL，跳过 Redis 消息队列测试")
            self.app = Celery("client", broker=url, backend=url)
            self.env = {"REDIS_URL": url}

    def send(self, task: str, **kwargs):
        return self.app.send_task(task, kwargs=kwargs, queue=self.queue)

    def run(self, task: str, *, timeout: float = 90, **kwargs):
        """Send ``task`` and wait for its result."""
        return self.send(task, **kwargs).get(timeout=timeout)

    def cleanup(self) -> None:
        """Redis: drop our queue and any message a killed worker left unacknowledged (only ours)."""
        if self.kind != "redis":
            return
        client = self.app.connection().channel().client
        client.delete(self.queue)
        for tag, payload in client.hscan_iter("unacked"):
            try:
                _message, _exchange, routing_key = json.loads(payload)
            except (ValueError, TypeError):
                continue
            if routing_key == self.queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


@contextlib.contextmanager
def worker(broker: Broker, log: Path, *, extra_env: dict | None = None, name: str = "w"):
    """A worker process (solo pool: the task runs in this very process) on the broker's queue."""
    env = {**os.environ, **broker.env, "DATABASE_NAME": connection.settings_dict["NAME"], **(extra_env or {})}
    out = log.open("a")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", broker.queue, "--pool", "solo",
         "-n", f"{name}-{broker.queue}@%h", "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        stop(process, timeout=30)
        out.close()


def stop(process, *, timeout: float) -> None:
    """Ask a child process to end (SIGTERM), then kill it if it has not within ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def kill(process) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_for(condition, *, timeout: float = 90, interval: float = 0.2, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"等待超时：{what}")


def backends_waiting_on(table: str) -> list[int]:
    """Backends of the test database waiting for a lock on `table` (by the lock itself: the text of a long
    statement is cut short in pg_stat_activity)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT pid FROM pg_locks WHERE relation = %s::regclass AND NOT granted AND pid <> pg_backend_pid()",
            [table],
        )
        return [r[0] for r in cursor.fetchall()]


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None
