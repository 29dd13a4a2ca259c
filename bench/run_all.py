#!/usr/bin/env python
"""Run the foundation benchmarks and rewrite their section of BENCHMARKS.md.

What it measures (issue 2 §7):
1. `manage.py seed_demo` at district scale (goal ≤ 3 minutes), and with --million at 1,000,000 households;
2. GET /api/households/?page_size=50 on district-scale data, as a zone secretary (zone01) and as town
   staff (town01), under gunicorn on loopback with 20 concurrent clients (wrk, random pages, knox token):
   goal p95 ≤ 100 ms and ≥ 200 requests/s; once as fast as the 20 clients can go (closed loop: the goal
   needs both figures from this run) and once paced at 200 requests/s (open loop: p95 at the goal's rate);
3. beside it the same page in raw SQL (psycopg2, one client): p95 of SELECT … LIMIT 50 + COUNT.

It works on its own database (default: the configured database's name + "_bench"; never the configured
one unless --db names it), which it migrates and seeds with --reset. Then it runs the other issues' scripts
that are there (bench/mediation_bench.py on the district data; bench/visits_reminders.py on the 1,000,000-household
data, with --million); each rewrites its own section. Only the part of BENCHMARKS.md between
<!-- bench:foundation:start --> and <!-- bench:foundation:end --> is rewritten; other sections stay.

    python bench/run_all.py [--db NAME] [--reuse] [--million] [--duration 20] [--keep] [--only-foundation]
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"
LUA = ROOT / "bench" / "households.lua"
START, END = "<!-- bench:foundation:start -->", "<!-- bench:foundation:end -->"
PYTHON = sys.executable
CLIENTS, THREADS, PAGE_SIZE = 20, 2, 50
GOAL_SEED_S, GOAL_P95_MS, GOAL_RPS = 180.0, 100.0, 200.0
USERS = (("zone01", "工作区书记 zone01"), ("town01", "街道工作人员 town01"))


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- databases ------------------------------------------------------------------------------

def base_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    sys.path.insert(0, str(ROOT))
    from core.embedded import embedded_database_url  # starts the embedded PostgreSQL under var/

    return embedded_database_url(ROOT / "var")


def with_db(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def admin_connection(url: str):
    import psycopg2

    connection = psycopg2.connect(with_db(url, "postgres"))
    connection.autocommit = True
    return connection


def ensure_database(url: str, name: str) -> None:
    connection = admin_connection(url)  # not `with connection:`, which would open a transaction block
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not cursor.fetchone():
                cursor.execute(f'CREATE DATABASE "{name}"')
                log(f"created database {name}")
    finally:
        connection.close()


def drop_database(url: str, name: str) -> None:
    connection = admin_connection(url)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()
    log(f"dropped database {name}")


def manage(db_url: str, *args: str, capture: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=db_url)
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, text=True,
                            capture_output=capture)
    if result.returncode:
        sys.stderr.write(result.stdout or "")
        sys.stderr.write(result.stderr or "")
        raise SystemExit(f"manage.py {' '.join(args)} failed ({result.returncode})")
    return result


# --- seeding --------------------------------------------------------------------------------

def seed(db_url: str, scale: str) -> dict:
    manage(db_url, "migrate", "--no-input", "-v0")
    log(f"seed_demo --scale {scale} --reset …")
    started = time.perf_counter()
    result = manage(db_url, "seed_demo", "--scale", scale, "--reset")
    seconds = time.perf_counter() - started
    phases = []
    for line in result.stdout.splitlines():
        match = re.match(r"^\s{2}(\S.*?)\s+([\d.]+) 秒$", line)
        if match:
            phases.append((match.group(1).strip(), float(match.group(2))))
    summary = next((line for line in result.stdout.splitlines() if line.startswith("完成：")), "")
    log(f"seeded in {seconds:.1f} s")
    return {"scale": scale, "seconds": seconds, "phases": phases, "summary": summary}


def has_district_data(db_url: str) -> bool:
    import psycopg2

    try:
        with psycopg2.connect(db_url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM villages_household")
            return cursor.fetchone()[0] >= 250_000
    except psycopg2.Error:
        return False


# --- the web server and the load ----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, db_url: str, workers: int, worker_class: str, threads: int):
        self.port = free_port()
        self.db_url = db_url
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = f"{workers} × {worker_class}" + (f" ({threads} threads)" if worker_class == "gthread" else "")
        command = [PYTHON, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
                   "-k", worker_class, "--backlog", "256", "--log-level", "warning"]
        if worker_class == "gthread":
            command += ["--threads", str(threads)]
        # plain http on loopback, as `make run` serves it (no https redirect); production settings otherwise
        env = dict(os.environ, DATABASE_URL=db_url, LOG_LEVEL="WARNING", DJANGO_SECURE="false")
        self.log = open(ROOT / "var" / "bench-gunicorn.log", "w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/", timeout=2)
            except urllib.error.HTTPError:
                return  # up (401/403 without credentials)
            except OSError:
                time.sleep(0.5)
            else:
                return
        self.stop()
        raise SystemExit("gunicorn did not start; see var/bench-gunicorn.log")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def _proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def cpu_snapshot(server: Gunicorn, db_url: str) -> dict[int, float]:
    """CPU seconds used so far by gunicorn (master + workers) and the PostgreSQL backends of the bench database."""
    import psycopg2

    pids = [server.process.pid, *_children(server.process.pid)]
    with psycopg2.connect(db_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        pids += [row[0] for row in cursor.fetchall()]
    return {pid: _proc_cpu_seconds(pid) for pid in pids}


def token_for(server: Gunicorn, username: str) -> str:
    """A knox token for `username`, made in the database: only API consumers may mint one over the API
    (POST /api/auth/token/), but the benchmark measures the list in a zone's and a town's scope."""
    script = ("from knox.models import AuthToken; from accounts.models import User; "
              f"print(AuthToken.objects.create(user=User.objects.get(username={username!r}))[1])")
    return manage(server.db_url, "shell", "-c", script).stdout.strip().splitlines()[-1]


def households_count(server: Gunicorn, token: str) -> int:
    request = urllib.request.Request(server.url + f"/api/households/?page_size={PAGE_SIZE}")
    request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["count"]


def wrk(server: Gunicorn, token: str, pages: int, seconds: int, rate: int = 0, db_url: str | None = None) -> dict:
    """One wrk run; with db_url also the CPU it cost (server + database + wrk) per request."""
    before = cpu_snapshot(server, db_url) if db_url else {}
    children_before = os.times()
    command = ["wrk", f"-t{THREADS}", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
               "-H", f"Authorization: Token {token}", f"{server.url}/api/households/?page_size={PAGE_SIZE}",
               "--", str(pages), str(rate), str(THREADS)]
    result = subprocess.run(command, text=True, capture_output=True, timeout=seconds + 60)
    line = next((l for l in result.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no summary:\n{result.stdout}\n{result.stderr}")
    summary = json.loads(line.removeprefix("BENCH_JSON "))
    if db_url and summary["requests"]:
        after = cpu_snapshot(server, db_url)
        children_after = os.times()
        server_pids = {server.process.pid, *_children(server.process.pid)}
        web = sum(after[pid] - before.get(pid, 0.0) for pid in after if pid in server_pids)
        database = sum(after[pid] - before.get(pid, 0.0) for pid in after if pid not in server_pids)
        load = (children_after.children_user - children_before.children_user) + (
            children_after.children_system - children_before.children_system)  # wrk itself
        n = summary["requests"]
        summary["cpu_ms_per_request"] = (web + database + load) * 1000 / n
        summary["cpu_split_ms"] = {"gunicorn": web * 1000 / n, "postgres": database * 1000 / n, "wrk": load * 1000 / n}
        log(f"CPU per request: {summary['cpu_split_ms']}")
    return summary


# --- the raw SQL floor -------------------------------------------------------------------------

RAW_PAGE = """
SELECT h.id, h.grid_id, g.name, h.natural_village_id, h.village_id, v.name, h.zone_id, z.name, h.town_id,
       h.head_name, h.address, h.people_count, h.phone_masked, h.tags, h.color, h.next_visit_due,
       l.member_id, m.name, h.created_at, h.updated_at
FROM (SELECT id FROM villages_household WHERE {column} = %s ORDER BY id LIMIT 50 OFFSET %s) page
JOIN villages_household h ON h.id = page.id
JOIN villages_microgrid g ON g.id = h.grid_id
JOIN villages_village v ON v.id = h.village_id
JOIN zones_workzone z ON z.id = h.zone_id
LEFT JOIN members_householdlink l ON l.household_id = h.id
LEFT JOIN members_partymember m ON m.id = l.member_id
ORDER BY h.id
"""
RAW_COUNT = "SELECT count(*) FROM villages_household WHERE {column} = %s"
# What the list ran before the deferred join: the joined query itself paged with OFFSET.
JOINED_PAGE = """
SELECT h.*, g.*, v.*, z.*, l.*, m.*
FROM villages_household h
JOIN villages_microgrid g ON g.id = h.grid_id
JOIN villages_village v ON v.id = h.village_id
JOIN zones_workzone z ON z.id = h.zone_id
LEFT JOIN members_householdlink l ON l.household_id = h.id
LEFT JOIN members_partymember m ON m.id = l.member_id
WHERE h.{column} = %s ORDER BY h.id LIMIT 50 OFFSET %s
"""


def raw_sql(db_url: str, column: str, node_id: int, pages: int, page_sql: str = RAW_PAGE, iterations: int = 600) -> dict:
    """p50/p95 of COUNT + one page of 50 rows (with the list's joins), one client, random pages."""
    import psycopg2

    rng = random.Random(7)
    timings = []
    with psycopg2.connect(db_url) as connection, connection.cursor() as cursor:
        for i in range(iterations + 50):
            offset = (rng.randint(1, pages) - 1) * PAGE_SIZE
            started = time.perf_counter()
            cursor.execute(RAW_COUNT.format(column=column), [node_id])
            cursor.fetchone()
            cursor.execute(page_sql.format(column=column), [node_id, offset])
            rows = cursor.fetchall()
            if i >= 50:  # the first 50 warm the cache
                timings.append((time.perf_counter() - started) * 1000)
            assert rows
    timings.sort()
    return {"p50_ms": statistics.median(timings), "p95_ms": timings[int(len(timings) * 0.95) - 1],
            "iterations": len(timings)}


def scope_node(db_url: str, username: str) -> tuple[str, int]:
    import psycopg2

    with psycopg2.connect(db_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.town_id, a.zone_id FROM accounts_roleassignment a JOIN accounts_user u ON u.id = a.user_id "
            "WHERE u.username = %s", [username])
        town_id, zone_id = cursor.fetchone()
    return ("zone_id", zone_id) if zone_id else ("town_id", town_id)


def in_process_profile(db_url: str) -> dict:
    """Python CPU and SQL per request inside one Django process (bench/in_process.py)."""
    env = dict(os.environ, DATABASE_URL=db_url, LOG_LEVEL="WARNING", DJANGO_SECURE="false")  # plain http, as the server
    result = subprocess.run([PYTHON, str(ROOT / "bench" / "in_process.py")], cwd=ROOT, env=env, text=True,
                            capture_output=True, timeout=600)
    line = next((l for l in result.stderr.splitlines() if l.startswith("BENCH_JSON ")), None)
    if result.returncode or line is None:
        log(f"in-process profile failed: {result.stderr[-2000:]}")
        return {}
    return json.loads(line.removeprefix("BENCH_JSON "))


def wait_until_quiet(limit_s: int) -> None:
    """On a shared machine, wait (at most limit_s) until the 1-minute load is below half the cores."""
    threshold = (os.cpu_count() or 1) * 0.5
    deadline = time.time() + limit_s
    while os.getloadavg()[0] >= threshold and time.time() < deadline:
        log(f"load {os.getloadavg()[0]:.2f} ≥ {threshold:.1f}: waiting for a quieter machine")
        time.sleep(30)


def api_bench(db_url: str, duration: int, workers: int, worker_class: str, threads: int, quiet_wait: int = 0) -> dict:
    if shutil.which("wrk") is None:
        return {"error": "wrk 未安装（apt-get install -y wrk），未测 API。"}
    if quiet_wait:
        wait_until_quiet(quiet_wait)
    server = Gunicorn(db_url, workers, worker_class, threads)
    results = {"server": server.config, "users": {}, "load": os.getloadavg()[0]}
    try:
        for username, label in USERS:
            token = token_for(server, username)
            count = households_count(server, token)
            pages = max(1, math.ceil(count / PAGE_SIZE))
            log(f"{username}: {count} households, {pages} pages — warm-up")
            wrk(server, token, pages, 5)
            log(f"{username}: closed loop, {CLIENTS} clients, {duration} s")
            closed = wrk(server, token, pages, duration, db_url=db_url)
            log(f"{username}: {closed['rps']:.0f} req/s, p95 {closed['p95_ms']:.1f} ms; paced at {GOAL_RPS:.0f} req/s")
            paced = wrk(server, token, pages, duration, rate=int(GOAL_RPS))
            column, node_id = scope_node(db_url, username)
            raw = raw_sql(db_url, column, node_id, pages)
            joined = raw_sql(db_url, column, node_id, pages, page_sql=JOINED_PAGE, iterations=200)
            results["users"][username] = {"label": label, "households": count, "pages": pages, "closed": closed,
                                          "paced": paced, "raw": raw, "joined": joined}
    finally:
        server.stop()
    results["in_process"] = in_process_profile(db_url)
    return results


# --- the report -----------------------------------------------------------------------------

def machine() -> dict:
    mem_kb = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "memory_gib": mem_kb / 1024 / 1024, "cpu": cpu, "load": os.getloadavg(),
            "python": platform.python_version()}


def pg_version(db_url: str) -> str:
    import psycopg2

    with psycopg2.connect(db_url) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def mark(ok: bool | None) -> str:
    return "—" if ok is None else ("✅ 达标" if ok else "❌ 未达标")


def render(report: dict) -> str:
    m = report["machine"]
    lines = [
        START,
        "## 基础平台（issue 2）：演示数据生成与户列表",
        "",
        f"由 `make bench`（`bench/run_all.py`）于 {report['date']} 生成；本节每次运行整体重写，其余章节不动。",
        "",
        f"- 机器：{m['nproc']} 核（{m['cpu']}），内存 {m['memory_gib']:.1f} GiB；PostgreSQL {report['postgres']}，"
        f"Python {m['python']}；开始时负载 {m['load'][0]:.2f} / {m['load'][1]:.2f} / {m['load'][2]:.2f}，"
        f"结束时 {report['load_after'][0]:.2f}（本机与其他进程共用两个核，负载高时数字偏低）。",
        f"- 数据：`seed_demo --scale district`：{report['seed']['summary'].removeprefix('完成：') if report.get('seed') else '（沿用已有数据）'}",
    ]
    api = report.get("api", {})
    if api.get("server"):
        lines.append(f"- 服务：gunicorn {api['server']}，本机回环；负载工具 wrk（{THREADS} 线程、{CLIENTS} 个并发连接，"
                     f"每次请求随机页码，knox 令牌认证），每轮 {report['duration']} 秒，先预热 5 秒；API 测试开始时 1 分钟负载 {api['load']:.2f}。")
    lines += ["", "### 目标与结果", "", "| 项目 | 目标 | 实测 | 结论 |", "|---|---|---|---|"]
    if report.get("seed"):
        s = report["seed"]["seconds"]
        lines.append(f"| `seed_demo` 章丘规模（30万户） | ≤ {GOAL_SEED_S:.0f} 秒 | {s:.1f} 秒 | {mark(s <= GOAL_SEED_S)} |")
    if report.get("million"):
        s = report["million"]["seconds"]
        lines.append(f"| `seed_demo --scale million`（100万户） | （无目标，仅记录） | {s:.1f} 秒 | — |")
    for username, r in api.get("users", {}).items():
        c = r["closed"]
        ok = c["rps"] >= GOAL_RPS and c["p95_ms"] <= GOAL_P95_MS and c["non_2xx"] == 0 and c["socket_errors"] == 0
        lines.append(
            f"| 户列表 50条/页，{r['label']}（{r['households']:,}户，{r['pages']}页），{CLIENTS}并发 | "
            f"p95 ≤ {GOAL_P95_MS:.0f} ms 且 ≥ {GOAL_RPS:.0f} 请求/秒 | {c['rps']:.0f} 请求/秒，p95 {c['p95_ms']:.1f} ms | {mark(ok)} |"
        )
    if api.get("error"):
        lines.append(f"| 户列表 | p95 ≤ {GOAL_P95_MS:.0f} ms 且 ≥ {GOAL_RPS:.0f} 请求/秒 | {api['error']} | — |")
    if api.get("users"):
        lines += [
            "", "### 户列表明细（毫秒）", "",
            "| 用户 | 方式 | 请求/秒 | p50 | p90 | p95 | p99 | 最大 | 非2xx | CPU 毫秒/请求 |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for username, r in api["users"].items():
            for key, label in (("closed", f"{CLIENTS}并发，尽快发送"), ("paced", f"{CLIENTS}并发，按 {GOAL_RPS:.0f} 请求/秒匀速发送")):
                x = r[key]
                cpu = f"{x['cpu_ms_per_request']:.1f}" if "cpu_ms_per_request" in x else "—"
                lines.append(f"| {username} | {label} | {x['rps']:.0f} | {x['p50_ms']:.1f} | {x['p90_ms']:.1f} | "
                             f"{x['p95_ms']:.1f} | {x['p99_ms']:.1f} | {x['max_ms']:.1f} | {x['non_2xx'] + x['socket_errors']} | {cpu} |")
            raw = r["raw"]
            lines.append(f"| {username} | 原生 SQL 下限（psycopg2 单连接：COUNT + 先取50个id再关联） | — | {raw['p50_ms']:.2f} | — | "
                         f"{raw['p95_ms']:.2f} | — | — | — |")
            if r.get("joined"):
                j = r["joined"]
                lines.append(f"| {username} | 对照：改前的 SQL（COUNT + 关联查询直接 OFFSET 分页） | — | {j['p50_ms']:.2f} | — | "
                             f"{j['p95_ms']:.2f} | — | — | — |")
        estimates = [
            f"{u} 约 {m['nproc'] * 1000 / r['closed']['cpu_ms_per_request']:.0f} 请求/秒"
            for u, r in api["users"].items() if r["closed"].get("cpu_ms_per_request")
        ]
        if estimates:
            lines += ["", "“CPU 毫秒/请求”是该轮中 gunicorn 各进程、本库的 PostgreSQL 后端与 wrk 自身用掉的 CPU 时间除以请求数，"
                      "不受其他进程抢占的影响；按它折算，两个核全部归本服务时的吞吐上限：" + "，".join(estimates) + "。"]
        profile = api.get("in_process", {})
        if profile:
            lines += [
                "", "### 一个请求的时间花在哪里（单个 Django 进程内，无 HTTP、无并发，200 次随机页的平均）", "",
                "| 用户 | 请求 | Python CPU（毫秒） | SQL 条数 | SQL 往返（毫秒，墙钟） | 进程内总耗时（毫秒） |",
                "|---|---|---|---|---|---|",
            ]
            for username, parts in profile.items():
                for key, label in (("households", "户列表 50条/页"), ("trivial", "对照：/api/towns/?page_size=1")):
                    x = parts[key]
                    lines.append(f"| {username} | {label} | {x['cpu_ms']:.1f} | {x['sql_statements']:.0f} | "
                                 f"{x['sql_ms']:.1f} | {x['wall_ms']:.1f} |")
            lines += ["", "对照行是任何一个已认证的列表请求都要付出的部分（令牌、用户与权限范围 1 条 SQL、中间件、分页计数）。"]
    if report.get("seed"):
        lines += ["", "### `seed_demo` 各阶段（秒）", "", "| 阶段 | 章丘规模 |" + (" 百万户 |" if report.get("million") else ""),
                  "|---|---|" + ("---|" if report.get("million") else "")]
        million = dict(report["million"]["phases"]) if report.get("million") else {}
        for name, seconds in report["seed"]["phases"]:
            lines.append(f"| {name} | {seconds:.1f} |" + (f" {million.get(name, 0):.1f} |" if million else ""))
        lines.append(f"| **合计（含 Django 启动）** | **{report['seed']['seconds']:.1f}** |" +
                     (f" **{report['million']['seconds']:.1f}** |" if million else ""))
    missed = any(
        not (r["closed"]["rps"] >= GOAL_RPS and r["closed"]["p95_ms"] <= GOAL_P95_MS) for r in api.get("users", {}).values()
    )
    if report.get("others"):
        lines += ["", "其他议题的基准（各自写入本文件中自己的章节）：" + "；".join(
            f"`bench/{o['script']}` {o['status']}" + (f"（{o['seconds']:.0f} 秒）" if "seconds" in o else "")
            for o in report["others"]) + "。"]
    lines += ["", "### 做法与说明", ""] + NOTES + ([MISSED_NOTE] if missed else []) + [END]
    return "\n".join(lines) + "\n"


NOTES = [
    "- 生成：内存中按固定随机种子生成整棵树，逐表用 PostgreSQL `COPY` 写入（每批 5 万行），主键从各表序列预留，"
    "一个事务内完成；pghistory 审计触发器在导入期间用 `pgtrigger.ignore` 跳过（审计记录从生成完成后开始），"
    "最后 `VACUUM ANALYZE`（使计数走仅索引扫描）。身份证号用 stdnum `cn.ric` 计算校验位，地区码为济南各区县在出生年份有效的代码。",
    "- 户列表“延迟关联”：先在 `(zone_id, id)`/`(town_id, id)` 索引上取本页 50 个 id，再只取这 50 行及其关联；"
    "原来直接对关联查询分页，深页时 PostgreSQL 要把 OFFSET 跳过的每一行都做关联（改前改后的 SQL 见上表“对照”行）。"
    "本页数据用一条 `values()` 查询按序列化器的字段生成（输出与 `HouseholdSerializer` 逐键一致，字段无法这样取时自动退回序列化器），"
    "比模型实例 + DRF 字段快约 5 倍。",
    "- “尽快发送”一轮中 20 个连接始终占满，按 Little 定律平均延迟 ≈ 20 / 吞吐量，因此同一轮同时满足 p95 ≤ 100 ms "
    "与 ≥ 200 请求/秒需要约 250 请求/秒以上的余量；“匀速发送”一轮给出目标速率下的 p95。",
    "- 原生 SQL 下限与 API 同一次运行、同一数据、同样的随机页，只含数据库往返，不含 HTTP、认证、权限范围与 JSON。",
    "- 没有过滤或排序参数时跳过 django-filter 与排序过滤器（它们此时不改变结果，却要构造并校验 15 个过滤器的表单，约占请求的 13%）。",
    "- 令牌认证（`accounts.auth.TokenAuthentication`）：一条 SQL 同时取令牌、用户与其角色分配（权限范围只挂在本次请求的用户对象上，"
    "不跨请求缓存：吊销、停用、改角色在下一个请求即生效）；knox 原本每个请求列出该用户全部令牌以清理过期者，改由每日 beat 任务清理。",
    "- 每个请求都跑的两条语句（令牌，以及本页 50 行）由 `core.sql.CompiledQuery` 处理：ORM 查询只编译一次成 SQL，"
    "并在每个数据库连接上 `PREPARE` 一次、之后 `EXECUTE`（连接保持 `DB_CONN_MAX_AGE` 秒），PostgreSQL 不再每次规划"
    "（规划这两条语句比执行它们还贵，各约 1–1.4 毫秒）。在事务模式的连接池（pgbouncer `pool_mode = transaction`）后面须设 "
    "`DB_PREPARED_STATEMENTS=0`。",
    "- 本页日期时间字段按当前时区整页只查一次时区（输出与序列化器逐字一致）。",
    "- 列表不含已归档的户（`archived_at IS NULL`）：`(zone_id, id)`、`(town_id, id)` 另有只含未归档户的部分索引"
    "（villages 迁移 0009），计数与取本页 id 都是仅索引扫描；没有它们时要逐页读堆表检查 `archived_at`，"
    "街道一级计数从约 2 毫秒变成 8 毫秒，town01 吞吐从 274 降到 148 请求/秒（2026-12-03 对照）。",
]
MISSED_NOTE = (
    "- 户列表未达标的原因（见“时间花在哪里”与“CPU 毫秒/请求”）：一个户列表请求在 Django 进程内的 Python CPU 与 SQL 往返见上表，"
    "其中约一半是任何已认证列表都要付出的框架开销（对照行：令牌与权限范围 1 条 SQL、中间件、分页计数）；"
    "再加 gunicorn 与 PostgreSQL 进程自身的 CPU，按“CPU 毫秒/请求”折算，两核全归本服务时的上限仍低于目标，本机还另有进程同时占用 CPU。"
    "要在 20 并发下同时达到 ≥ 200 请求/秒与 p95 ≤ 100 ms，每请求总 CPU 需压到约 7 ms 以下，接近本栈（Django + DRF + knox + "
    "每请求权限范围查询）一个空列表的开销，或在独占的机器上测量。"
)


def write_report(text: str) -> None:
    if BENCHMARKS.exists():
        current = BENCHMARKS.read_text(encoding="utf-8")
    else:
        current = "# 性能基准（BENCHMARKS）\n\n各功能的基准测试结果，每节由对应的 `bench/` 脚本生成。\n\n"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        _, tail = rest.split(END, 1)
        updated = head + text.rstrip("\n") + tail
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    BENCHMARKS.write_text(updated, encoding="utf-8")
    log(f"wrote {BENCHMARKS.relative_to(ROOT)}")


# Other issues' benchmarks: (script, which data it needs, its arguments). Each rewrites its own section.
OTHER_BENCHES = (
    ("mediation_bench.py", "district", []),
    ("security_bench.py", "district", ["--db", "{db_name}"]),
    ("scope_bench.py", "district", ["--db", "{db_name}", "--prepare"]),
    ("visits_reminders.py", "million", ["--db", "{db_name}"]),
)


def run_other(script: str, base: str, db_name: str, args: list[str]) -> dict:
    path = ROOT / "bench" / script
    if not path.exists():
        return {"script": script, "status": "absent"}
    env = dict(os.environ, DATABASE_URL=with_db(base, db_name) if "{db_name}" not in " ".join(args) else base)
    command = [PYTHON, str(path), *(a.format(db_name=db_name) for a in args)]
    log(f"running {script} on {db_name}")
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True)
    seconds = time.perf_counter() - started
    if result.returncode:
        log(f"{script} failed ({result.returncode}): {(result.stderr or result.stdout)[-1500:]}")
    return {"script": script, "status": "ok" if result.returncode == 0 else f"failed ({result.returncode})",
            "seconds": seconds}


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from config.keys import use_development_keys

    use_development_keys()  # the benchmark databases are throwaway: this checkout's dev keys (var/), inherited by every step
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="benchmark database (default: <configured database>_bench)")
    parser.add_argument("--reuse", action="store_true", help="keep district data already in the benchmark database (no seed timing)")
    parser.add_argument("--million", action="store_true", help="also time seed_demo --scale million (own database, dropped afterwards)")
    parser.add_argument("--million-db", help="database for the 1,000,000-household run (default: <db>_million)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--only-foundation", action="store_true",
                        help="skip the other issues' benchmark scripts (bench/mediation_bench.py, bench/visits_reminders.py)")
    parser.add_argument("--quiet-wait", type=int, default=0,
                        help="wait up to this many seconds for the 1-minute load to drop below half the cores before the API runs")
    args = parser.parse_args()

    url = base_url()
    configured = urllib.parse.urlsplit(url).path.lstrip("/") or "zones"
    name = args.db or f"{configured}_bench"
    db_url = with_db(url, name)
    (ROOT / "var").mkdir(exist_ok=True)
    report = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "machine": machine(), "duration": args.duration}
    ensure_database(url, name)
    if args.reuse and has_district_data(db_url):
        log(f"reusing district data in {name}")
        manage(db_url, "migrate", "--no-input", "-v0")
    else:
        report["seed"] = seed(db_url, "district")
    report["postgres"] = pg_version(db_url)
    report["api"] = api_bench(db_url, args.duration, args.workers, args.worker_class, args.threads, args.quiet_wait)
    others = [] if args.only_foundation else [o for o in OTHER_BENCHES]
    report["others"] = [run_other(script, url, name, extra) for script, data, extra in others if data == "district"]
    if args.million:
        million_name = args.million_db or f"{name}_million"
        ensure_database(url, million_name)
        try:
            report["million"] = seed(with_db(url, million_name), "million")
            report["others"] += [run_other(script, url, million_name, extra)
                                 for script, data, extra in others if data == "million"]
        finally:
            if not args.keep:
                drop_database(url, million_name)
    else:
        report["others"] += [{"script": script, "status": "skipped (needs --million)"}
                             for script, data, _ in others if data == "million"]
    report["load_after"] = os.getloadavg()
    if not args.keep and not args.db:
        drop_database(url, name)
    write_report(render(report))


if __name__ == "__main__":
    main()
