#!/usr/bin/env python
"""Mediation benchmark (issue 4 §5): case list and statistics p95 at district scale with 50,000 cases.

Goals: GET /api/dispute-cases/ (50 per page) p95 ≤ 100 ms; GET /api/dispute-cases/statistics/ p95 ≤ 300 ms.

It needs a database with district-scale demo data (``manage.py seed_demo``, users admin/town01/zone01) and
adds 50,000 cases to it with set-based SQL (INSERT … SELECT generate_series; audit triggers off for the
load), with their parties, events and follow-ups, unless they are there already. Then, in one process
(Django's test client: the full middleware, session auth, scope, filters, serializers and JSON), it sends
each request N times sequentially (random pages / periods) and reports p50/p95/p99, and beside it the raw-SQL
floor: the SQL statements of the same request (captured) replayed on a psycopg2 connection.

Only the section between <!-- bench:mediation:start --> and <!-- bench:mediation:end --> of BENCHMARKS.md is
rewritten.

    DATABASE_URL=postgres://…/h_med_big python bench/mediation_bench.py [--cases 50000] [--requests 200] [--regenerate]
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from config.keys import use_development_keys  # noqa: E402

use_development_keys()  # throwaway bench databases: this checkout's dev keys unless keys are set
BENCHMARKS = ROOT / "BENCHMARKS.md"
START, END = "<!-- bench:mediation:start -->", "<!-- bench:mediation:end -->"
GOAL_LIST_MS, GOAL_STATS_MS = 100.0, 300.0

GENERATE_CASES = """
WITH v AS (SELECT array_agg(id ORDER BY id) AS ids FROM villages_village),
base AS (
    SELECT g, v.ids[1 + floor(random() * array_length(v.ids, 1))::int] AS village_id,
           now() - random() * interval '365 days' AS received_at,
           random() AS r_out, random() AS r_src, random() AS r_cat, random() AS r_dur, random() AS r_urg,
           random() AS r_open
    FROM generate_series(1, %(n)s) AS g, v
),
shaped AS (
    SELECT b.*,
        CASE WHEN r_src < .35 THEN 'grid' WHEN r_src < .55 THEN 'hotline' WHEN r_src < .65 THEN 'police'
             WHEN r_src < .73 THEN 'petition' WHEN r_src < .80 THEN 'judicial' ELSE 'walk_in' END AS source,
        CASE WHEN r_cat < .30 THEN 'neighbour' WHEN r_cat < .50 THEN 'family' WHEN r_cat < .70 THEN 'land'
             WHEN r_cat < .78 THEN 'property' WHEN r_cat < .86 THEN 'labour' WHEN r_cat < .94 THEN 'contract'
             ELSE 'other' END AS category,
        CASE WHEN r_out < .55 THEN 'village' WHEN r_out < .70 THEN 'zone' WHEN r_out < .75 THEN 'town'
             WHEN r_out < .82 THEN 'referred' ELSE 'open' END AS outcome
    FROM base b
),
timed AS (
    SELECT s.*,
        CASE
            WHEN outcome = 'village' AND r_dur < .35 THEN received_at + r_dur * interval '8 hours'
            WHEN outcome = 'village' THEN received_at + r_dur * interval '10 days'
            WHEN outcome = 'zone' THEN received_at + interval '3 days' + r_dur * interval '15 days'
            WHEN outcome = 'town' THEN received_at + interval '10 days' + r_dur * interval '30 days' END AS resolved_raw,
        CASE WHEN outcome = 'referred' THEN received_at + r_dur * interval '5 days' END AS referred_raw
    FROM shaped s
),
final AS (
    SELECT t.*,
        CASE WHEN resolved_raw IS NOT NULL THEN LEAST(now(), resolved_raw) END AS resolved,  -- LEAST skips NULLs
        CASE WHEN referred_raw IS NOT NULL THEN LEAST(now(), referred_raw) END AS referred,
        CASE WHEN outcome = 'open' THEN
                 (ARRAY['received', 'classified', 'mediating', 'unresolved', 'escalated'])[1 + floor(r_open * 5)::int]
             WHEN received_at < now() - interval '45 days' THEN 'closed' ELSE 'follow_up' END AS state
    FROM timed t
)
INSERT INTO mediation_disputecase (
    title, source, category, urgency, description, village_id, zone_id, town_id, state, level, level_deadline, received_at,
    last_activity_at, zone_escalated_at, town_escalated_at, resolved_at, resolved_level, on_the_spot, referred_at,
    referral_kind, referral_target, closed_at, created_at, updated_at)
SELECT
    CASE category WHEN 'neighbour' THEN '邻里纠纷' WHEN 'family' THEN '婚姻家庭纠纷' WHEN 'land' THEN '宅基地边界纠纷'
        WHEN 'property' THEN '物业服务纠纷' WHEN 'labour' THEN '拖欠工资纠纷' WHEN 'contract' THEN '土地流转合同纠纷'
        ELSE '其他纠纷' END || '（基准' || g || '）',
    source, category,
    CASE WHEN r_urg < .8 THEN 'normal' WHEN r_urg < .95 THEN 'urgent' ELSE 'critical' END,
    '双方多次协商未果，申请调解。', village_id, vv.zone_id, zz.town_id, state,
    CASE WHEN outcome IN ('zone', 'town') THEN outcome WHEN state = 'escalated' THEN 'zone' ELSE 'village' END,
    (received_at + interval '10 days')::date, received_at,
    COALESCE(resolved, referred, received_at),
    CASE WHEN outcome IN ('zone', 'town') OR state = 'escalated' THEN received_at + interval '2 days' END,
    CASE WHEN outcome = 'town' THEN received_at + interval '8 days' END,
    resolved,
    CASE WHEN outcome IN ('village', 'zone', 'town') THEN outcome ELSE '' END,
    outcome = 'village' AND (resolved AT TIME ZONE 'Asia/Shanghai')::date = (received_at AT TIME ZONE 'Asia/Shanghai')::date,
    referred,
    CASE WHEN outcome = 'referred' THEN (CASE WHEN r_dur < .5 THEN 'department' ELSE 'court' END) ELSE '' END,
    CASE WHEN outcome = 'referred' THEN (CASE WHEN r_dur < .5 THEN '区住建局' ELSE '章丘区人民法院' END) ELSE '' END,
    CASE WHEN state = 'closed' THEN COALESCE(resolved, referred) + interval '31 days' END,
    received_at, now()
FROM final JOIN villages_village vv ON vv.id = final.village_id JOIN zones_workzone zz ON zz.id = vv.zone_id
"""

GENERATE_PARTIES = """
INSERT INTO mediation_disputeparty (case_id, role, name, name_pinyin, phone_encrypted, phone_hash, phone_masked,
    id_number_encrypted, id_number_hash, id_number_masked, address, confirmed_at)
SELECT c.id, r.role,
    (ARRAY['张','王','李','刘','陈','杨','赵','黄','周','吴','高','孙'])[1 + (c.id * r.k) % 12] ||
    (ARRAY['德福','秀英','长贵','建国','桂兰','立本','海燕','志强','玉兰','明亮'])[1 + (c.id * 7 + r.k) % 10],
    '', '', '', CASE WHEN r.role = 'applicant' THEN '138****' || lpad((c.id % 10000)::text, 4, '0') ELSE '' END,
    '', '', '', '', c.resolved_at
FROM mediation_disputecase c
CROSS JOIN (VALUES ('applicant', 3), ('respondent', 5)) AS r(role, k)
"""

GENERATE_EVENTS = """
INSERT INTO mediation_caseevent (case_id, action, from_state, to_state, from_level, to_level, note, created_at)
SELECT id, 'intake', '', 'received', '', 'village', '来源：基准数据', received_at FROM mediation_disputecase
UNION ALL
SELECT id, CASE WHEN state IN ('follow_up', 'closed') THEN 'schedule_follow_up' ELSE 'classify' END,
       'received', state, 'village', level, '', last_activity_at
FROM mediation_disputecase WHERE state <> 'received'
"""

GENERATE_FOLLOW_UPS = """
INSERT INTO mediation_followup (case_id, sequence, due_date, done_on, method, satisfaction, agreement_performed,
    note, created_at)
SELECT c.id, f.seq, d.due, CASE WHEN d.due <= current_date THEN d.due END,
    CASE WHEN d.due <= current_date THEN (CASE WHEN random() < .6 THEN 'visit' ELSE 'phone' END) ELSE '' END,
    CASE WHEN d.due > current_date THEN ''
         ELSE (CASE WHEN d.r < .80 THEN 'satisfied' WHEN d.r < .95 THEN 'basic' ELSE 'dissatisfied' END) END,
    CASE WHEN d.due <= current_date THEN true END, '', now()
FROM mediation_disputecase c
CROSS JOIN (VALUES (1, 7), (2, 30)) AS f(seq, days)
CROSS JOIN LATERAL (
    SELECT ((COALESCE(c.resolved_at, c.referred_at) AT TIME ZONE 'Asia/Shanghai')::date + f.days) AS due, random() AS r
) AS d
WHERE c.state IN ('follow_up', 'closed')
"""


def log(message: str) -> None:
    print(f"[mediation-bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def generate(n: int, regenerate: bool) -> dict:
    from django.db import connection, transaction

    from mediation.models import DisputeCase

    existing = DisputeCase.objects.count()
    if existing and not regenerate:
        log(f"已有 {existing:,} 件案件，直接测量（--regenerate 可重建）")
        return {"generated": False, "seconds": None}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # audit triggers off for the bulk load
        cursor.execute(
            "TRUNCATE mediation_followup, mediation_caseevent, mediation_disputeparty, mediation_mediationagreement, "
            "mediation_disputecase RESTART IDENTITY CASCADE"
        )
        cursor.execute(GENERATE_CASES, {"n": n})
        cursor.execute(GENERATE_PARTIES)
        cursor.execute(GENERATE_EVENTS)
        cursor.execute(GENERATE_FOLLOW_UPS)
    with connection.cursor() as cursor:
        for table in ("mediation_disputecase", "mediation_disputeparty", "mediation_caseevent", "mediation_followup"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    seconds = time.perf_counter() - started
    log(f"生成 {n:,} 件案件（含当事人、办理记录、回访）用时 {seconds:.1f} 秒")
    return {"generated": True, "seconds": seconds}


def measure(client, url_fn, n: int, warmup: int = 10):
    """Latencies (ms) of n sequential requests, and the SQL of the last one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        client.get(*url_fn())
    latencies, captured = [], None
    for i in range(n):
        path, params = url_fn()
        if i == n - 1:
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(path, params)
                latencies.append((time.perf_counter() - started) * 1000)
            captured = [q["sql"] for q in ctx.captured_queries]
        else:
            started = time.perf_counter()
            response = client.get(path, params)
            latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, params, response.status_code, response.content[:300])
    return latencies, captured, response


def raw_floor(dsn: str, sql_fn, n: int) -> list[float]:
    """Replay the mediation statements of a request on a plain psycopg2 connection: the database floor."""
    import psycopg2

    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    latencies = []
    try:
        with connection.cursor() as cursor:
            for i in range(n + 5):
                statements = sql_fn()
                started = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
                if i >= 5:
                    latencies.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="只打印，不改 BENCHMARKS.md")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from accounts.scoping import user_scope
    from mediation.models import DisputeCase

    settings.ALLOWED_HOSTS = ["*"]
    db = settings.DATABASES["default"]
    log(f"数据库 {db['NAME']}")
    if not User.objects.filter(username__in=["admin", "town01", "zone01"]).count() == 3:
        log("缺少演示账号：请先运行 manage.py seed_demo（章丘规模）")
        return 2
    load_before = os.getloadavg()
    generated = generate(args.cases, args.regenerate)
    total = DisputeCase.objects.count()

    rng = random.Random(2024)
    today = datetime.date.today()
    users = {name: User.objects.get(username=name) for name in ("zone01", "town01", "admin")}
    counts = {name: user_scope(u).filter(DisputeCase.objects.all()).count() for name, u in users.items()}
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)

    def list_url(name):
        pages = max(1, -(-counts[name] // 50))
        return lambda: ("/api/dispute-cases/", {"page": rng.randint(1, pages), "page_size": 50})

    def filtered_url(name):
        return lambda: ("/api/dispute-cases/", {"state": "follow_up", "page_size": 50, "ordering": "level_deadline"})

    def stats_url(group_by):
        def make():
            end = today - datetime.timedelta(days=rng.randint(0, 30))
            return ("/api/dispute-cases/statistics/", {
                "group_by": group_by, "received_after": (end - datetime.timedelta(days=365)).isoformat(),
                "received_before": end.isoformat()})
        return make

    scenarios = [
        ("list", "zone01", "案件列表 50条/页，工作区书记 zone01，随机页", list_url("zone01")),
        ("list", "town01", "案件列表 50条/页，街道工作人员 town01，随机页", list_url("town01")),
        ("list", "admin", "案件列表 50条/页，区级管理员（全部 5 万件），随机页", list_url("admin")),
        ("list", "town01", "案件列表，town01，状态=回访，按期限排序", filtered_url("town01")),
        ("stats", "zone01", "统计 按村，zone01，近一年", stats_url("village")),
        ("stats", "town01", "统计 按工作区，town01，近一年", stats_url("zone")),
        ("stats", "admin", "统计 按街道，区级管理员（全区），近一年", stats_url("town")),
        ("stats", "admin", "统计 按村（525行），区级管理员（全区），近一年", stats_url("village")),
    ]
    dsn = f"dbname={db['NAME']} user={db['USER']} host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}"
    if db.get("PASSWORD"):
        dsn += f" password={db['PASSWORD']}"
    results = []
    for kind, user, label, url_fn in scenarios:
        latencies, captured, response = measure(clients[user], url_fn, args.requests)
        mediation_sql = [q for q in captured if "mediation_" in q]
        # replay the same statements with fresh random pages/periods is not possible from captured text: the last
        # request's statements are replayed as they were (same page), which is the floor for that request.
        floor = raw_floor(dsn, lambda: mediation_sql, max(50, args.requests // 2))
        body = response.json()
        rows = body.get("count") if kind == "list" else len(body["rows"])
        results.append({
            "kind": kind, "user": user, "label": label, "n": len(latencies), "rows": rows,
            "p50": pct(latencies, 50), "p95": pct(latencies, 95), "p99": pct(latencies, 99), "max": max(latencies),
            "queries": len(captured), "floor_p50": pct(floor, 50), "floor_p95": pct(floor, 95),
            "goal": GOAL_LIST_MS if kind == "list" else GOAL_STATS_MS,
        })
        r = results[-1]
        log(f"{label}: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms（SQL {r['queries']} 条；原生 SQL p95 {r['floor_p95']:.1f} ms）")
    load_after = os.getloadavg()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('mediation_disputecase'))")
        table_size = cursor.fetchone()[0]
    section = render(results, total, counts, generated, load_before, load_after, pg_version, table_size, args)
    print(section)
    if not args.no_write:
        write_section(section)
        log(f"已写入 {BENCHMARKS.relative_to(ROOT)}")
    return 0 if all(r["p95"] <= r["goal"] for r in results) else 1


def render(results, total, counts, generated, load_before, load_after, pg_version, table_size, args) -> str:
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        START,
        "## 轮值调解室（issue 4）：案件列表与统计",
        "",
        f"由 `bench/mediation_bench.py` 于 {now} 生成；本节每次运行整体重写，其余章节不动。",
        "",
        f"- 机器：{os.cpu_count()} 核，与其他进程共用；PostgreSQL {pg_version.removeprefix('PostgreSQL ')}，"
        f"Python {platform.python_version()}；开始时负载 {' / '.join(f'{x:.2f}' for x in load_before)}，"
        f"结束时 {load_after[0]:.2f}。",
        f"- 数据：`seed_demo --scale district`（18个街道、75个工作区、525个村、30万户）上用集合式 SQL 加 {total:,} 件案件"
        f"（近一年内随机受理；55% 村内化解、15% 工作区化解、5% 街道化解、7% 转办、18% 在办），每件2名当事人、"
        f"1–2条办理记录，化解/转办的每件2次回访；案件表 {table_size}。"
        + (f"生成用时 {generated['seconds']:.1f} 秒。" if generated.get("seconds") else ""),
        f"- 范围内案件数：zone01 {counts['zone01']:,} 件，town01 {counts['town01']:,} 件，admin {counts['admin']:,} 件。",
        f"- 方法：同一进程内用 Django 测试客户端顺序发送（完整中间件、会话认证、权限范围、筛选、序列化与 JSON），"
        f"每项先预热10次再测 {args.requests} 次；原生 SQL 下限为同一请求中访问调解表的 SQL 语句在 psycopg2 单连接上重放"
        f"（只含数据库往返）。单客户端顺序请求，不含并发排队（并发吞吐见基础平台一节的方法）。",
        "",
        "| 项目 | 目标 | 行数 | p50 | p95 | p99 | 最大 | SQL 条数 | 原生 SQL p50 / p95 | 结论 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        unit = "件" if r["kind"] == "list" else "组"
        ok = "✅ 达标" if r["p95"] <= r["goal"] else "❌ 未达标"
        lines.append(
            f"| {r['label']} | p95 ≤ {r['goal']:.0f} ms | {r['rows']:,}{unit} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {r['max']:.1f} | {r['queries']} | {r['floor_p50']:.1f} / {r['floor_p95']:.1f} | {ok} |"
        )
    lines += [
        "",
        "单位：毫秒。",
        "",
        "### 做法与说明",
        "",
        "- 统计口径只有一处定义（`mediation/selectors.py` 的 `case_statistics`，API、页面与报表共用）：按受理日期取一批案件，"
        "一条哈希分组聚合算出全部计数（各来源、各类别、现场化解、化解、转办、村内/工作区内化解、上交工作区/街道，均为 "
        "`COUNT(*) FILTER`）与化解用时之和（平均用时 = 和 / 件数）；`percentile_cont(0.9)` 是有序集聚合、必须排序，"
        "所以单独在已化解案件的两个时间列上按组算一次、全部算一次；回访满意度从案件一侧连接回访记录按组计数；合计行由各组相加。"
        "每次调用至多 5 条 SQL，都不连接层级表。统计页经指标登记表（`core/metrics.py`，与 `/api/metrics/values/` 同一个数）"
        "取数：合计按所查节点算一次（只算合计，不算各组的百分位数与名称），各行按下级节点算一次（不算合计的百分位数），"
        "再加权限范围与节点检查，共 11–12 条。",
        "- 案件上冗余存放所在工作区与街道（`zone_id`、`town_id`，由服务按村写入；村迁往别的工作区、工作区改属别的街道时，"
        "迁移 0004 建的数据库触发器同步改写案件），权限范围与分组都是单列条件，"
        "并有 `(zone_id|town_id|village_id, received_at DESC, id DESC)` 索引。",
        "- 列表用“延迟关联”：先只按 id 分页（索引扫描，跳过的行不做任何关联），再取本页50行及其村、工作区、承办人。",
        "- 改进前（经由村→工作区关联做权限过滤，且承办人 `OR` 条件使索引失效；统计按名称分组、排序溢出到磁盘）同样条件下："
        "列表 p95 132–216 ms，统计 p95 232–725 ms（全区按街道）。",
        "- 时段条件写成 `received_at` 的左闭右开区间（按 Asia/Shanghai 的日界），不对列做函数运算，可走索引。",
        END,
    ]
    return "\n".join(lines)


def write_section(section: str) -> None:
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# 性能基准（BENCHMARKS）\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    BENCHMARKS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
