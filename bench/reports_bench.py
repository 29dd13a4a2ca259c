#!/usr/bin/env python
"""Figures and reports benchmark (issue 11 §4) at district scale, beside the raw-SQL floor.

Goals: one zone's yearly report assembled ≤ 2 s, one town's ≤ 5 s, the PDF ≤ 10 s; every figure for the whole
district and a year ≤ 2 s; ``GET /api/metrics/values/`` p95 ≤ 300 ms at 20 clients.

It needs a database with district-scale demo data and its year of activity (``manage.py seed_demo``, users
admin/town01/zone01). "Assembled" is what ``GET /api/reports/{id}/`` does: every figure of the registry for
the node and period, and last year's beside it. The floor replays the SQL statements the registry sent
(captured) on a plain psycopg2 connection: what the work costs without Python. The API is measured as deployed:
gunicorn with production settings on loopback and 20 concurrent connections from wrk (``apt-get install wrk``),
once with the figures cache warmed as the beat entry does, once with every request computed.

Only the block between <!-- bench:<section>:start --> and <!-- bench:<section>:end --> of BENCHMARKS.md is
rewritten (``--section reports``, the default, at district scale; ``--section reports-million`` on a
``seed_demo --scale million`` database).

    DATABASE_URL=postgres://…/bench_district python bench/reports_bench.py [--seconds 20] [--no-write] [--section …]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from config.keys import use_development_keys  # noqa: E402

use_development_keys()  # throwaway bench databases: this checkout's dev keys unless keys are set

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from knox.models import AuthToken  # noqa: E402

from accounts.models import User  # noqa: E402
from core import metrics  # noqa: E402
from core.metrics import NodeSet, Period  # noqa: E402
from reports.api_reports import figure_rows  # noqa: E402
from reports.models import Report  # noqa: E402
from reports.outputs import report_pdf  # noqa: E402
from reports.selectors import figures_warm  # noqa: E402
from zones.models import Town, WorkZone  # noqa: E402

BENCHMARKS = ROOT / "BENCHMARKS.md"


def timed(work, repeat: int = 3) -> tuple[float, list[str]]:
    """Best wall time of `work` in seconds over `repeat` runs, and the SQL of the last run."""
    best = float("inf")
    sql: list[str] = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            work()
            best = min(best, time.perf_counter() - started)
        sql = [q["sql"] for q in queries.captured_queries]
    return best, sql


def floor(sql: list[str], repeat: int = 3) -> float:
    """The same statements replayed on a plain connection: best of `repeat`, seconds."""
    settings = connection.settings_dict
    raw = psycopg2.connect(dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"] or None,
                           port=settings["PORT"] or None, password=settings["PASSWORD"] or None)
    best = float("inf")
    try:
        with raw.cursor() as cursor:
            for _ in range(repeat):
                started = time.perf_counter()
                for statement in sql:
                    if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                        cursor.execute(statement)
                        cursor.fetchall()
                best = min(best, time.perf_counter() - started)
    finally:
        raw.close()
    return best


def unsaved_report(kind: str, node, year: int) -> Report:
    """A yearly report of a node as the API assembles it (not saved: the bench writes nothing)."""
    period = Period.parse(str(year))
    zone = node if kind == "zone_yearly" else None
    town = node.town if zone is not None else node
    return Report(kind=kind, town=town, zone=zone, period=period.key, period_start=period.start,
                  period_end=period.end, due_on=period.end, title=f"{node.name}{year}", id=0)


def api_p95(seconds: int, *, cache_seconds: int) -> dict:
    """p50/p95 of ``GET /api/metrics/values/`` served as deployed: gunicorn (2 × cores + 1 sync workers, the
    production settings) on loopback, 20 concurrent connections (wrk), each request one town's zones × 5 figures
    for this year, the town chosen at random. With the figures cache (``METRICS_CACHE_SECONDS``) it is first
    warmed as the beat entry does; with 0 every request computes."""
    import shutil
    import subprocess
    import tempfile

    sys.path.insert(0, str(ROOT / "bench"))
    from run_all import CLIENTS, THREADS, Gunicorn

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    year = timezone.localdate().year
    paths = []
    for town in Town.objects.order_by("id"):
        zones = list(WorkZone.objects.filter(town=town).values_list("pk", flat=True))
        paths.append(f"/api/metrics/values/?node={','.join(f'zone:{z}' for z in zones)}&period={year}"
                     "&codes=visits.people_served,visits.coverage,mediation.received,mediation.share_in_village,"
                     "members.link_coverage")
    instance, token = AuthToken.objects.create(User.objects.get(username="admin"))
    caches["figures"].clear()
    warm_seconds = None
    os.environ["METRICS_CACHE_SECONDS"] = str(cache_seconds)  # the server's setting
    if cache_seconds:
        with override_settings(METRICS_CACHE_SECONDS=cache_seconds):
            started = time.perf_counter()
            figures_warm()  # what the beat entry reports-warm-figures does every METRICS_WARM_MINUTES
            warm_seconds = time.perf_counter() - started
    os.environ["DJANGO_DEBUG"] = "false"  # the server runs with production settings
    server = Gunicorn(os.environ["DATABASE_URL"], workers=2 * (os.cpu_count() or 1) + 1, worker_class="sync", threads=1)
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
            listing.write("\n".join(paths))
            listing.flush()
            base = ["wrk", f"-t{THREADS}", f"-c{CLIENTS}", "--timeout", "30s", "-s", str(ROOT / "bench" / "metrics.lua"),
                    "-H", f"Authorization: Token {token}", server.url + "/", "--", listing.name]
            subprocess.run([*base[:3], "-d3s", *base[3:]], capture_output=True, timeout=120)  # workers warm up
            result = subprocess.run([*base[:3], f"-d{seconds}s", *base[3:]], text=True, capture_output=True,
                                    timeout=seconds + 120)
    finally:
        server.stop()
        instance.delete()
        os.environ.pop("METRICS_CACHE_SECONDS", None)
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no summary:\n{result.stdout}\n{result.stderr}")
    summary = json.loads(line.removeprefix("BENCH_JSON "))
    if summary["non_2xx"] or summary["socket_errors"]:
        raise SystemExit(f"errors during the run: {summary}")
    return {"n": summary["requests"], "p50": summary["p50_ms"], "p95": summary["p95_ms"], "rps": summary["rps"],
            "towns": len(paths), "warm": warm_seconds, "clients": CLIENTS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each API load run (20 clients)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--section", default="reports",
                        help="the BENCHMARKS.md block to rewrite: reports (district scale) or reports-million")
    args = parser.parse_args()

    year = timezone.localdate().year
    households = connection.cursor()
    households.execute("SELECT count(*) FROM villages_household")
    scale = households.fetchone()[0]
    zone = WorkZone.objects.order_by("id").first()
    town = max(Town.objects.all(), key=lambda t: t.zones.count())
    rows = []

    zone_report = unsaved_report("zone_yearly", zone, year)
    seconds, sql = timed(lambda: figure_rows(zone_report))
    rows.append(("一个工作区的年度报告（全部指标+上年同期）", seconds, floor(sql), 2.0, len(sql)))
    town_report = unsaved_report("town_yearly", town, year)
    seconds, sql = timed(lambda: figure_rows(town_report))
    rows.append((f"一个街道(镇)的年度报告（{town.zones.count()} 个工作区）", seconds, floor(sql), 5.0, len(sql)))
    figures = figure_rows(zone_report)[0]
    seconds, _ = timed(lambda: report_pdf(zone_report, figures), repeat=2)
    rows.append(("一个工作区年度报告的 PDF（WeasyPrint，不含取数）", seconds, None, 10.0, 0))
    codes = [m.code for m in metrics.all_metrics()]
    seconds, sql = timed(lambda: metrics.evaluate(codes, NodeSet("district", (None,)), Period.parse(str(year))))
    rows.append((f"全区一年的全部 {len(codes)} 个指标", seconds, floor(sql), 2.0, len(sql)))
    api = api_p95(args.seconds, cache_seconds=300)
    live = api_p95(args.seconds, cache_seconds=0)

    lines = [
        f"Measured {datetime.date.today().isoformat()} on {platform.node()} ({os.cpu_count()} cores), "
        f"{scale:,} households, year {year} (the demo's year of activity). `python bench/reports_bench.py`.",
        "",
        "| work | time | raw-SQL floor | goal | SQL statements |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, seconds, floor_seconds, goal, statements in rows:
        floor_text = f"{floor_seconds:.2f} s" if floor_seconds is not None else "—"
        mark = "✓" if seconds <= goal else "✗"
        lines.append(f"| {name} | {seconds:.2f} s {mark} | {floor_text} | ≤ {goal:.0f} s | {statements or '—'} |")
    mark = "✓" if api["p95"] <= 300 else "✗"
    lines += [
        "",
        f"`GET /api/metrics/values/` (one town's zones × 5 figures, this year; the town at random of {api['towns']}), "
        f"served by gunicorn ({2 * (os.cpu_count() or 1) + 1} sync workers, production settings) on loopback, "
        f"{api['clients']} concurrent clients (wrk), {args.seconds} s a run:",
        "",
        f"- with the figures cache as deployed (`METRICS_CACHE_SECONDS=300`, warmed by `reports.tasks.warm_figures`, "
        f"which took {api['warm']:.1f} s for every node's {len(codes)} figures × this year, quarter and month): "
        f"p50 {api['p50']:.0f} ms, **p95 {api['p95']:.0f} ms** {mark} (goal ≤ 300 ms), {api['rps']:.1f} requests/s "
        f"({api['n']} requests);",
        f"- every request computed (`METRICS_CACHE_SECONDS=0`): p50 {live['p50']:.0f} ms, p95 {live['p95']:.0f} ms, "
        f"{live['rps']:.1f} requests/s ({live['n']} requests).",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        body = BENCHMARKS.read_text(encoding="utf-8")
        start, end = f"<!-- bench:{args.section}:start -->", f"<!-- bench:{args.section}:end -->"
        block = f"{start}\n{text}\n{end}"
        if start in body:
            head, rest = body.split(start, 1)
            body = head + block + rest.split(end, 1)[1]
        else:
            body = body.rstrip() + "\n\n" + block + "\n"
        BENCHMARKS.write_text(body, encoding="utf-8")


if __name__ == "__main__":
    main()
