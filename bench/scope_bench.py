#!/usr/bin/env python
"""Reads proportional to scope (issue 9): p95 of every list and dashboard, per role, beside the raw-SQL floor.

For each role (district admin, town staff, zone committee, village cadre, grid worker, linked party member) it
sends the first page of every list (households, members, household links, visits, color changes, reminders,
dispute cases, due households) and every dashboard (overview, tree, visits dashboard) through the whole Django
stack in one process (django.test.Client: middleware, session login, scope, DRF, JSON), one at a time, for
random users of that role. Beside each figure, the raw-SQL floor: the SQL statements of the same request
(captured with server-side prepared statements off) replayed on a psycopg2 connection — only the database's
work, no Python.

Goal (issue 9): a grid member's every list and dashboard p95 ≤ 50 ms; for every endpoint, a narrower scope is
never slower than a wider one.

It needs a database with district-scale demo data (``seed_demo --scale district``); ``--prepare`` adds, once and
set-based, what the demo lacks: an account per town, zone, village, grid worker and linked member; visit states,
one visit per visited household and 12 weeks of coverage snapshots (as bench/visits_reads.py); the reminder job's
rows for today; 50,000 dispute cases (as bench/mediation_bench.py) and 30,000 color changes.

    DATABASE_URL=postgres://…/any python bench/scope_bench.py --db wt_scope_bench [--prepare] [-n 30]
        [--save var/scope_before.json] [--before var/scope_before.json] [--no-write] [--explain grid]

Only the section between <!-- bench:scope:start --> and <!-- bench:scope:end --> of BENCHMARKS.md is rewritten.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import visits_common as vc  # noqa: E402

START, END = "<!-- bench:scope:start -->", "<!-- bench:scope:end -->"
GOAL_GRID_MS = 50.0

# role key -> (label, username prefix of the bench accounts)
ROLES = {
    "district": ("区级管理员", "bench-district"),
    "town": ("街道工作人员", "bench-t"),
    "zone": ("工作区党委", "bench-z"),
    "village": ("村干部", "bench-v"),
    "grid": ("网格员（本网格）", "bench-g"),
    "member": ("联户党员（所联户）", "bench-m"),
}
# endpoint key -> (label, path, params)
ENDPOINTS = {
    "overview": ("首页统计", "/api/overview/", {}),
    "tree": ("层级树（首层）", "/api/tree/", {}),
    "dashboard": ("走访看板", "/api/visits/dashboard/", {}),
    "households": ("户列表", "/api/households/", {}),
    "members": ("党员列表", "/api/members/", {}),
    "links": ("联户列表", "/api/household-links/", {}),
    "visits": ("走访记录", "/api/visits/", {}),
    "color_changes": ("四色变更", "/api/color-changes/", {}),
    "reminders": ("走访提醒", "/api/reminders/", {}),
    "due": ("到期户", "/api/visits/due/", {}),
    "cases": ("纠纷案件", "/api/dispute-cases/", {}),
}
WIDER = {"town": "district", "zone": "town", "village": "zone", "grid": "village", "member": "grid"}


def log(message: str) -> None:
    print(f"[bench scope {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- data -------------------------------------------------------------------------------------

VISITS = """
INSERT INTO visits_visit (household_id, visitor_member_id, visitor_user_id, visitor_name, visited_on, method, color,
    content, duties, concerns, follow_up_needed, follow_up_note, created_by_id, created_at)
SELECT s.household_id, l.member_id, CASE WHEN l.member_id IS NULL THEN g.worker_user_id END,
       left(coalesce(pm.name, g.worker_name, '网格员'), 50), s.last_visited_on, 'in_person', h.color,
       '{}', '{}', '', false, '', NULL, s.last_visited_on::timestamptz
FROM visits_householdvisitstate s JOIN villages_household h ON h.id = s.household_id
JOIN villages_microgrid g ON g.id = h.grid_id
LEFT JOIN members_householdlink l ON l.household_id = h.id LEFT JOIN members_partymember pm ON pm.id = l.member_id
WHERE l.member_id IS NOT NULL OR g.worker_user_id IS NOT NULL
"""
COLOR_CHANGES = """
INSERT INTO visits_colorchange (household_id, from_color, to_color, reason, source, changed_at, next_visit_due)
SELECT id, CASE WHEN color = 'green' THEN 'yellow' ELSE 'green' END, color, '基准数据', 'manual',
       now() - (id % 300) * interval '1 day', next_visit_due
FROM villages_household WHERE id % 10 = 3
"""
VILLAGE_CADRES = (
    "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
    "is_active, date_joined, display_name, must_change_password) SELECT '!', false, 'bench-v' || v.id, '', '', '', false, true, now(), "
    "left(v.name, 50), false FROM villages_village v ON CONFLICT (username) DO NOTHING",
    "INSERT INTO accounts_roleassignment (user_id, role, village_id, created_at) "
    "SELECT u.id, 'village_cadre', v.id, now() FROM villages_village v JOIN accounts_user u ON u.username = 'bench-v' || v.id "
    "WHERE NOT EXISTS (SELECT 1 FROM accounts_roleassignment r WHERE r.user_id = u.id)",
)


def prepare() -> None:
    import datetime

    from django.db import connection
    from django.utils import timezone

    from accounts.models import RoleAssignment, User

    started = time.perf_counter()
    today = timezone.localdate()
    log(f"accounts: {vc.ensure_accounts()}")
    with connection.cursor() as cursor:
        for sql in VILLAGE_CADRES:
            cursor.execute(sql)
    admin, _ = User.objects.get_or_create(username="bench-district", defaults={"display_name": "区级管理员"})
    RoleAssignment.objects.get_or_create(user=admin, role="district_admin")
    conn = vc.raw_connection()
    from visits_reads import prepare_visit_data

    prepare_visit_data(conn, today)
    conn.close()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # audit triggers off for the bulk load
        cursor.execute("SELECT count(*) FROM visits_visit")
        if cursor.fetchone()[0] == 0:
            cursor.execute(VISITS)
            log(f"visits: {cursor.rowcount:,}")
            cursor.execute("UPDATE visits_householdvisitstate s SET last_visit_id = v.id FROM visits_visit v "
                           "WHERE v.household_id = s.household_id")
        cursor.execute("SELECT count(*) FROM visits_colorchange")
        if cursor.fetchone()[0] == 0:
            cursor.execute(COLOR_CHANGES)
            log(f"color changes: {cursor.rowcount:,}")
        cursor.execute("SET session_replication_role = origin")
    from visits.models import Reminder

    if not Reminder.objects.exists():
        from visits.reminders import reminder_job_run

        stats = reminder_job_run(on=today - datetime.timedelta(days=1))
        log(f"reminder job: {stats}")
    import mediation_bench

    mediation_bench.generate(50_000, regenerate=False)
    with connection.cursor() as cursor:
        for table in ("visits_visit", "visits_colorchange", "visits_reminder", "accounts_user",
                      "accounts_roleassignment", "notifications_notification"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    log(f"prepared in {time.perf_counter() - started:.1f} s")


# --- measuring ---------------------------------------------------------------------------------

def users_of(role: str, k: int, rng: random.Random) -> list:
    from accounts.models import User

    prefix = ROLES[role][1]
    if role == "district":
        return list(User.objects.filter(username=prefix))
    names = list(User.objects.filter(username__regex=rf"^{re.escape(prefix)}[0-9]+$").values_list("username", flat=True))
    return list(User.objects.filter(username__in=rng.sample(names, min(k, len(names)))))


def floor_statements(client, path: str, params: dict) -> list[str]:
    """The SQL of one request as plain statements (no server-side PREPARE/EXECUTE), for the replay."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    with override_settings(DB_PREPARED_STATEMENTS=False), CaptureQueriesContext(connection) as ctx:
        client.get(path, params)
    return [q["sql"] for q in ctx.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))]


def replay(conn, statements: list[str]) -> float:
    started = time.perf_counter()
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
    return time.perf_counter() - started


def measure(n: int, k: int, roles: list[str], endpoints: list[str]) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client

    rng = random.Random(9)
    conn = vc.raw_connection()
    conn.autocommit = True
    results: dict = {}
    for role in roles:
        users = users_of(role, k, rng)
        clients = []
        for user in users:
            client = Client()
            client.force_login(user)
            clients.append(client)
        for key in endpoints:
            _label, path, params = ENDPOINTS[key]
            for client in clients[:3]:  # warm-up: caches, prepared statements, the buffer pool
                client.get(path, params)
            ours, floor, rows, queries = [], [], [], []
            for i in range(n):
                client = clients[i % len(clients)]
                started = time.perf_counter()
                response = client.get(path, params)
                ours.append(time.perf_counter() - started)
                assert response.status_code == 200, (role, path, response.status_code, response.content[:300])
                body = response.json()
                rows.append(body.get("count", body.get("households", len(body) if isinstance(body, list) else 0))
                            if isinstance(body, dict) else len(body))
                if i < len(clients):
                    statements = floor_statements(client, path, params)
                    queries.append(len(statements))
                    replay(conn, statements)  # warm
                    floor.append(replay(conn, statements))
            reset_queries()
            results.setdefault(role, {})[key] = {
                "ours": vc.summary_ms(ours), "floor": vc.summary_ms(floor), "rows": sum(rows) / len(rows),
                "queries": max(queries),
            }
            r = results[role][key]
            log(f"{role:8} {key:13} p50 {r['ours']['p50']:7.1f}  p95 {r['ours']['p95']:7.1f}  "
                f"floor p95 {r['floor']['p95']:6.1f}  rows {r['rows']:,.0f}")
    conn.close()
    connection.close()
    return results


def explain(role: str, endpoints: list[str]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement of one user's requests: where the time goes."""
    from django.test import Client

    rng = random.Random(9)
    user = users_of(role, 1, rng)[0]
    client = Client()
    client.force_login(user)
    conn = vc.raw_connection()
    conn.autocommit = True
    for key in endpoints:
        _label, path, params = ENDPOINTS[key]
        client.get(path, params)
        print(f"\n===== {role} ({user.username}) {path}")
        for sql in floor_statements(client, path, params):
            if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql:
                continue
            with conn.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            total = next((line for line in plan if line.startswith("Execution Time")), "")
            print(f"--- {total}\n{sql[:600]}\n" + "\n".join(plan[:40]))
    conn.close()


# --- report --------------------------------------------------------------------------------------

def render(results: dict, before: dict | None, machine: str, n: int) -> str:
    roles = [r for r in ROLES if r in results]
    endpoints = [e for e in ENDPOINTS if any(e in results[r] for r in roles)]
    grid = results.get("grid", {})
    grid_ok = all(v["ours"]["p95"] <= GOAL_GRID_MS for v in grid.values()) if grid else None
    inversions = []
    for role in roles:
        wider = WIDER.get(role)
        for key in endpoints:
            if wider in results and key in results[role] and key in results[wider]:
                mine, theirs = results[role][key]["ours"]["p95"], results[wider][key]["ours"]["p95"]
                if mine > theirs * 1.1 + 2:  # beyond run-to-run noise
                    inversions.append(f"{ENDPOINTS[key][0]}：{ROLES[role][0]} {mine:.1f} > {ROLES[wider][0]} {theirs:.1f}")
    lines = [
        "## 读取与可见范围成正比（issue 9）",
        "",
        f"由 `bench/scope_bench.py` 于 {vc.stamp()} 生成。机器：{machine}。",
        "数据：`seed_demo --scale district`（30万户），加上（`--prepare`，集合式 SQL）每个街道/工作区/村/网格员/联户党员一个账号、"
        "约18万条走访记录与最近走访状态、12 周覆盖率快照、当日提醒任务生成的提醒、5 万件纠纷案件、3 万条四色变更。",
        f"方法：同一进程内 Django 测试客户端（完整中间件、会话认证、权限范围、DRF、JSON），每个角色随机取若干账号轮流请求第一页，"
        f"每项 {n} 次（先预热）；原生 SQL 下限为同一请求的全部 SQL 语句（关闭服务端预备语句后捕获）在 psycopg2 单连接上重放，只含数据库往返。",
        "",
        "| 项目 | 目标 | 实测 | 结论 |",
        "|---|---|---|---|",
        f"| 网格员的每个列表与看板 | p95 ≤ {GOAL_GRID_MS:.0f} ms | 最慢 "
        + (f"{max(v['ours']['p95'] for v in grid.values()):.1f} ms（{ENDPOINTS[max(grid, key=lambda e: grid[e]['ours']['p95'])][0]}）"
           if grid else "—")
        + f" | {'✅ 达标' if grid_ok else '❌ 未达标'} |",
        f"| 每个角色：范围更窄的不比更宽的慢（p95，容差 10% + 2 ms） | 0 处倒挂 | {len(inversions)} 处"
        + (f"：{'；'.join(inversions)}" if inversions else "") + f" | {'✅ 达标' if not inversions else '❌ 未达标'} |",
        "",
        "p95 毫秒（括号内为原生 SQL 下限 p95；行数为列表总数或看板户数的平均）：",
        "",
        "| 接口 | " + " | ".join(ROLES[r][0] for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for key in endpoints:
        cells = []
        for role in roles:
            r = results[role].get(key)
            cells.append("—" if r is None else f"{r['ours']['p95']:.1f}（{r['floor']['p95']:.1f}）· {r['rows']:,.0f}")
        lines.append(f"| {ENDPOINTS[key][0]} | " + " | ".join(cells) + " |")
    if before:
        lines += [
            "",
            "改前（同一数据、同一脚本，改动前的代码）p95 毫秒 → 改后：",
            "",
            "| 接口 | " + " | ".join(ROLES[r][0] for r in roles if r in before) + " |",
            "|---|" + "---|" * len([r for r in roles if r in before]),
        ]
        for key in endpoints:
            cells = []
            for role in roles:
                if role not in before:
                    continue
                old, new = before[role].get(key), results[role].get(key)
                cells.append("—" if not old or not new else f"{old['ours']['p95']:.1f} → {new['ours']['p95']:.1f}")
            lines.append(f"| {ENDPOINTS[key][0]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_section(body: str, notes: str) -> None:
    text = vc.BENCHMARKS.read_text(encoding="utf-8")
    block = f"{START}\n{body.strip()}\n\n{notes.strip()}\n{END}"
    if START in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    vc.BENCHMARKS.write_text(text, encoding="utf-8")


NOTES_MARK = "<!-- bench:scope:notes -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="h_scope_district", help="district-scale database (seed_demo --scale district)")
    parser.add_argument("--prepare", action="store_true", help="add accounts, visits, reminders, cases (once, set-based)")
    parser.add_argument("-n", type=int, default=30, help="requests per role and endpoint")
    parser.add_argument("-k", type=int, default=10, help="random users per role")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--save", help="write the raw figures to this JSON file")
    parser.add_argument("--before", help="JSON figures of a run on the code before the change, shown beside")
    parser.add_argument("--explain", help="print EXPLAIN ANALYZE of one user of this role's requests, and stop")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite BENCHMARKS.md")
    args = parser.parse_args()
    vc.setup_django(args.db)
    if args.prepare:
        prepare()
    endpoints = args.endpoints.split(",")
    if args.explain:
        explain(args.explain, endpoints)
        return
    machine = vc.machine()
    results = measure(args.n, args.k, args.roles.split(","), endpoints)
    if args.save:
        Path(args.save).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.no_write:
        return
    before = json.loads(Path(args.before).read_text(encoding="utf-8")) if args.before else None
    text = vc.BENCHMARKS.read_text(encoding="utf-8")
    notes = ""
    if START in text:  # hand-written notes below the marker survive a re-run
        section = text[text.index(START):text.index(END)]
        if NOTES_MARK in section:
            notes = section[section.index(NOTES_MARK):]
    write_section(render(results, before, machine, args.n), notes or NOTES_MARK)
    log("BENCHMARKS.md updated")


if __name__ == "__main__":
    main()
