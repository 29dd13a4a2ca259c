"""Shared by the visits benchmarks: Django set-up on a bench database, accounts for every member, the report."""
from __future__ import annotations

import datetime
import os
import platform
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"
START, END = "<!-- bench:visits:start -->", "<!-- bench:visits:end -->"


def log(message: str) -> None:
    print(f"[bench visits {time.strftime('%H:%M:%S')}] {message}", flush=True)


def db_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("请设置 DATABASE_URL（基准测试在其服务器上的独立数据库中运行）。")
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def setup_django(name: str) -> None:
    os.environ["DATABASE_URL"] = db_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    from config.keys import use_development_keys  # noqa: E402

    use_development_keys()  # throwaway bench databases: this checkout's dev keys unless keys are set
    import django

    django.setup()


def raw_connection():
    """A plain psycopg2 connection to the same database, for the raw-SQL floor."""
    import psycopg2
    from django.db import connection

    params = connection.get_connection_params()
    return psycopg2.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")})


def ensure_accounts() -> dict:
    """Give the demo data the accounts a real district has (set-based, idempotent):
    every linked member and every grid worker an account, a zone-committee account per zone, a town-staff one per town.
    """
    from django.db import connection

    steps = {
        "members": (
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, display_name, must_change_password) SELECT '!', false, 'bench-m' || m.id, '', '', '', false, true, now(), "
            "left(m.name, 50), false FROM members_partymember m WHERE m.user_id IS NULL "
            "AND EXISTS (SELECT 1 FROM members_householdlink l WHERE l.member_id = m.id) ON CONFLICT (username) DO NOTHING",
            "UPDATE members_partymember m SET user_id = u.id FROM accounts_user u "
            "WHERE m.user_id IS NULL AND u.username = 'bench-m' || m.id",
            "INSERT INTO accounts_roleassignment (user_id, role, created_at) SELECT u.id, 'grid_member', now() "
            "FROM accounts_user u WHERE u.username LIKE 'bench-m%%' AND NOT EXISTS "
            "(SELECT 1 FROM accounts_roleassignment r WHERE r.user_id = u.id)",
        ),
        "grid_workers": (
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, display_name, must_change_password) SELECT '!', false, 'bench-g' || g.id, '', '', '', false, true, now(), "
            "left(coalesce(nullif(g.worker_name, ''), g.name), 50), false FROM villages_microgrid g WHERE g.worker_user_id IS NULL "
            "ON CONFLICT (username) DO NOTHING",
            "UPDATE villages_microgrid g SET worker_user_id = u.id FROM accounts_user u "
            "WHERE g.worker_user_id IS NULL AND u.username = 'bench-g' || g.id",
            "INSERT INTO accounts_roleassignment (user_id, role, grid_id, created_at) "
            "SELECT u.id, 'grid_member', g.id, now() FROM villages_microgrid g JOIN accounts_user u ON u.id = g.worker_user_id "
            "WHERE u.username LIKE 'bench-g%%' AND NOT EXISTS (SELECT 1 FROM accounts_roleassignment r WHERE r.user_id = u.id)",
        ),
        "zone_committees": (
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, display_name, must_change_password) SELECT '!', false, 'bench-z' || z.id, '', '', '', false, true, now(), "
            "left(z.name, 50), false FROM zones_workzone z ON CONFLICT (username) DO NOTHING",
            "INSERT INTO accounts_roleassignment (user_id, role, zone_id, created_at) "
            "SELECT u.id, 'zone_committee', z.id, now() FROM zones_workzone z JOIN accounts_user u ON u.username = 'bench-z' || z.id "
            "WHERE NOT EXISTS (SELECT 1 FROM accounts_roleassignment r WHERE r.user_id = u.id)",
        ),
        "town_staff": (
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, display_name, must_change_password) SELECT '!', false, 'bench-t' || t.id, '', '', '', false, true, now(), "
            "left(t.name, 50), false FROM zones_town t ON CONFLICT (username) DO NOTHING",
            "INSERT INTO accounts_roleassignment (user_id, role, town_id, created_at) "
            "SELECT u.id, 'town_staff', t.id, now() FROM zones_town t JOIN accounts_user u ON u.username = 'bench-t' || t.id "
            "WHERE NOT EXISTS (SELECT 1 FROM accounts_roleassignment r WHERE r.user_id = u.id)",
        ),
    }
    created = {}
    with connection.cursor() as cursor:
        for name, statements in steps.items():
            created[name] = 0
            for sql in statements:
                cursor.execute(sql)
                if sql.startswith("INSERT INTO accounts_user"):
                    created[name] += cursor.rowcount
        cursor.execute("ANALYZE accounts_user; ANALYZE accounts_roleassignment; ANALYZE members_partymember; "
                       "ANALYZE villages_microgrid")
    return created


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(samples: list[float]) -> dict:
    ms = [s * 1000 for s in samples]
    return {"n": len(ms), "p50": statistics.median(ms), "p95": percentile(ms, 95), "max": max(ms)}


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg = cursor.fetchone()[0].split(" on ")[0]
    load = os.getloadavg()
    return (f"{os.cpu_count()} 核，{pg}，Python {platform.python_version()}；"
            f"开始时负载 {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}（本机与其他进程共用，负载高时数字偏慢）")


def write_part(key: str, markdown: str) -> None:
    """Rewrite one part of the visits section of BENCHMARKS.md (between its own markers); the rest stays."""
    start, end = f"<!-- bench:visits:{key}:start -->", f"<!-- bench:visits:{key}:end -->"
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# 性能基准（BENCHMARKS）\n"
    if START not in text:
        text = text.rstrip("\n") + "\n\n" + START + "\n## 四色走访（issue 3）\n\n" + END + "\n"
    section = text[text.index(START):text.index(END)]
    block = f"{start}\n{markdown.strip()}\n{end}"
    if start in section:
        section = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _m: block, section, flags=re.S)
    else:
        section = section.rstrip("\n") + "\n\n" + block + "\n"
    text = text[:text.index(START)] + section + text[text.index(END):]
    BENCHMARKS.write_text(text, encoding="utf-8")


def stamp() -> str:
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
