#!/usr/bin/env python
"""Benchmarks of the visit reads, each beside the raw-SQL floor of the same query measured in the same run.

- a member's due list (GET /api/visits/due/?mine=true, 我的走访) on 1,000,000 households: goal p95 ≤ 50 ms;
- the town dashboard (GET /api/visits/dashboard/?town=…) on district-scale data (300,000 households):
  goal p95 ≤ 200 ms; the district one (all 300,000, as the district administrator): goal p95 ≤ 500 ms.

Requests go through the whole Django stack in-process (django.test.Client, session login, scoping, DRF,
JSON), one at a time; the floor is the SQL of the same result over psycopg2.

    DATABASE_URL=postgres://…/any python bench/visits_reads.py --member-db h_visits_big --district-db h_visits_district
"""
from __future__ import annotations

import argparse
import datetime
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import visits_common as vc  # noqa: E402

MINE = """
WITH mine AS (
  SELECT l.household_id AS id FROM members_partymember pm JOIN members_householdlink l ON l.member_id = pm.id
  WHERE pm.user_id = %(user)s AND pm.left_on IS NULL
  UNION SELECT h.id FROM villages_microgrid g JOIN villages_household h ON h.grid_id = g.id WHERE g.worker_user_id = %(user)s)
"""
MEMBER_FLOOR = MINE + """
SELECT h.id, h.head_name, h.address, h.phone_masked, h.people_count, h.tags, h.color, h.grid_id, g.name, h.village_id,
       v.name, h.next_visit_due, s.last_visited_on, pm.name
FROM mine JOIN villages_household h ON h.id = mine.id
JOIN villages_microgrid g ON g.id = h.grid_id JOIN villages_village v ON v.id = h.village_id
LEFT JOIN visits_householdvisitstate s ON s.household_id = h.id
LEFT JOIN members_householdlink l ON l.household_id = h.id LEFT JOIN members_partymember pm ON pm.id = l.member_id
WHERE h.next_visit_due <= %(today)s + 7
ORDER BY h.next_visit_due, h.id LIMIT 50
"""
MEMBER_COUNT = MINE + """
SELECT count(*) FROM mine JOIN villages_household h ON h.id = mine.id WHERE h.next_visit_due <= %(today)s + 7
"""
DASH_FLOOR = [
    """SELECT count(*), count(*) FILTER (WHERE h.next_visit_due < %(today)s),
              count(*) FILTER (WHERE h.next_visit_due <= %(today)s + 7),
              count(*) FILTER (WHERE s.last_visited_on >= %(today)s - CASE h.color WHEN 'green' THEN 90 WHEN 'yellow' THEN 30
                                 WHEN 'orange' THEN 14 ELSE 7 END),
              count(*) FILTER (WHERE h.color = 'green'), count(*) FILTER (WHERE h.color = 'yellow'),
              count(*) FILTER (WHERE h.color = 'orange'), count(*) FILTER (WHERE h.color = 'red'),
              count(*) FILTER (WHERE h.next_visit_due < %(today)s AND h.color = 'green'),
              count(*) FILTER (WHERE h.next_visit_due < %(today)s AND h.color = 'yellow'),
              count(*) FILTER (WHERE h.next_visit_due < %(today)s AND h.color = 'orange'),
              count(*) FILTER (WHERE h.next_visit_due < %(today)s AND h.color = 'red')
       FROM villages_household h LEFT JOIN visits_householdvisitstate s ON s.household_id = h.id {where}""",
    """SELECT h.village_id, count(*), count(*) FILTER (WHERE h.next_visit_due < %(today)s),
              count(*) FILTER (WHERE h.next_visit_due < %(today)s AND h.color = 'red')
       FROM villages_household h {where} GROUP BY h.village_id ORDER BY 3 DESC, 1""",
    """SELECT taken_on, sum(households), sum(covered), sum(overdue) FROM visits_coveragesnapshot {swhere}
       AND taken_on > %(today)s - 84 AND taken_on < %(today)s GROUP BY taken_on ORDER BY taken_on""",
]


def timed(fn, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def prepare_visit_data(conn, today: datetime.date) -> None:
    """Visit states (last visit) for ~60 % of households and 12 weeks of daily coverage snapshots, set-based, once."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM visits_householdvisitstate")
        if cursor.fetchone()[0] == 0:
            cursor.execute(
                "INSERT INTO visits_householdvisitstate (household_id, last_visited_on, visits) "
                "SELECT id, next_visit_due - CASE color WHEN 'green' THEN 90 WHEN 'yellow' THEN 30 WHEN 'orange' THEN 14 "
                "ELSE 7 END, 1 FROM villages_household WHERE (id * 7919) % 10 < 6")
        cursor.execute("SELECT count(*) FROM visits_coveragesnapshot")
        if cursor.fetchone()[0] == 0:
            conn.commit()
            from visits import reminders

            reminders.coverage_snapshot_take(on=today - datetime.timedelta(days=1))
            cursor.execute(
                "INSERT INTO visits_coveragesnapshot (taken_on, village_id, zone_id, town_id, households, covered, overdue) "
                "SELECT taken_on - d, village_id, zone_id, town_id, households, GREATEST(covered - d * 7, 0), overdue + d "
                "FROM visits_coveragesnapshot, generate_series(1, 83) AS d")
        cursor.execute("ANALYZE visits_householdvisitstate; ANALYZE visits_coveragesnapshot")
    conn.commit()


def bench_member_list(n: int) -> dict:
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User

    today = timezone.localdate()
    conn = vc.raw_connection()
    prepare_visit_data(conn, today)
    users = list(User.objects.filter(username__startswith="bench-m").values_list("id", flat=True))
    rng = random.Random(7)
    sample = [rng.choice(users) for _ in range(n)]
    client = Client()
    by_user = {u: User.objects.get(pk=u) for u in set(sample)}
    ours, floor, rows = [], [], []
    for user_id in sample:
        client.force_login(by_user[user_id])
        started = time.perf_counter()
        response = client.get("/api/visits/due/", {"mine": "true", "within_days": 7})
        ours.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
        rows.append(response.json()["count"])
        started = time.perf_counter()
        with conn.cursor() as cursor:
            cursor.execute(MEMBER_COUNT, {"user": user_id, "today": today})
            cursor.fetchone()
            cursor.execute(MEMBER_FLOOR, {"user": user_id, "today": today})
            cursor.fetchall()
        floor.append(time.perf_counter() - started)
    conn.close()
    return {"ours": vc.summary_ms(ours), "floor": vc.summary_ms(floor), "rows": sum(rows) / len(rows)}


def bench_dashboards(n: int) -> dict:
    from django.test import Client
    from django.utils import timezone

    from accounts.models import RoleAssignment, User
    from zones.models import Town

    today = timezone.localdate()
    conn = vc.raw_connection()
    prepare_visit_data(conn, today)
    admin, _ = User.objects.get_or_create(username="bench-district", defaults={"display_name": "区级管理员"})
    RoleAssignment.objects.get_or_create(user=admin, role="district_admin")
    towns = list(Town.objects.values_list("id", flat=True))
    staff = {t: User.objects.get(username=f"bench-t{t}") for t in towns}
    rng = random.Random(11)
    client = Client()
    result = {}
    for label in ("town", "district"):
        ours, floor, households = [], [], []
        for _ in range(n):
            if label == "town":
                town = rng.choice(towns)
                client.force_login(staff[town])
                params, where, swhere, fparams = {"town": town}, "WHERE h.town_id = %(town)s", "WHERE town_id = %(town)s", {"town": town}
            else:
                client.force_login(admin)
                params, where, swhere, fparams = {}, "", "WHERE true", {}
            started = time.perf_counter()
            response = client.get("/api/visits/dashboard/", params)
            ours.append(time.perf_counter() - started)
            assert response.status_code == 200, response.content[:300]
            households.append(response.json()["households"])
            started = time.perf_counter()
            with conn.cursor() as cursor:
                for sql in DASH_FLOOR:
                    cursor.execute(sql.format(where=where, swhere=swhere), {"today": today, **fparams})
                    cursor.fetchall()
            floor.append(time.perf_counter() - started)
        result[label] = {"ours": vc.summary_ms(ours), "floor": vc.summary_ms(floor),
                         "households": sum(households) / len(households)}
    conn.close()
    return result


def run_child(db: str, part: str, n: int) -> dict:
    """Each database in its own process (Django is configured once per process)."""
    import json
    import os

    out = subprocess.run([sys.executable, __file__, "--child", part, "--db", db, "-n", str(n)], cwd=vc.ROOT,
                         env=dict(os.environ), capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"{part} on {db} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--member-db", default="h_visits_big")
    parser.add_argument("--district-db", default="h_visits_district")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--child")
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.child:
        import json

        vc.setup_django(args.db)
        vc.ensure_accounts()
        data = bench_member_list(args.n) if args.child == "member" else bench_dashboards(args.n)
        data["machine"] = vc.machine()
        print(json.dumps(data))
        return
    member = run_child(args.member_db, "member", args.n)
    vc.log(f"member list: {member}")
    dashboards = run_child(args.district_db, "dashboards", max(20, args.n // 5))
    vc.log(f"dashboards: {dashboards}")
    write(member, dashboards)


def _verdict(ok: bool) -> str:
    return "✅ 达标" if ok else "❌ 未达标"


def write(member: dict, dash: dict) -> None:
    town, district = dash["town"], dash["district"]
    lines = [
        "### 读取：我的走访列表与走访看板",
        "",
        f"由 `bench/visits_reads.py` 于 {vc.stamp()} 生成。机器：{member['machine']}。",
        "请求在进程内走完整的 Django 栈（会话登录、权限范围、DRF、JSON），逐个发送；原生 SQL 下限为同一结果的 SQL（psycopg2）。"
        "数据：约60%的户有最近走访记录，覆盖率快照 12 周（SQL 生成）。",
        "",
        "| 项目 | 目标 | 实测 p50 / p95（毫秒） | 原生 SQL p50 / p95（毫秒） | 结论 |",
        "|---|---|---|---|---|",
        f"| 联户党员“我的走访”（百万户，{member['ours']['n']} 名随机党员，平均每人 {member['rows']:.1f} 户到期） "
        f"| p95 ≤ 50 | {member['ours']['p50']:.1f} / {member['ours']['p95']:.1f} "
        f"| {member['floor']['p50']:.1f} / {member['floor']['p95']:.1f} | {_verdict(member['ours']['p95'] <= 50)} |",
        f"| 街道看板（30万户的区，随机街道，平均 {town['households']:,.0f} 户，{town['ours']['n']} 次） | p95 ≤ 200 "
        f"| {town['ours']['p50']:.1f} / {town['ours']['p95']:.1f} | {town['floor']['p50']:.1f} / {town['floor']['p95']:.1f} "
        f"| {_verdict(town['ours']['p95'] <= 200)} |",
        f"| 全区看板（{district['households']:,.0f} 户，区级管理员，{district['ours']['n']} 次） | p95 ≤ 500 "
        f"| {district['ours']['p50']:.1f} / {district['ours']['p95']:.1f} "
        f"| {district['floor']['p50']:.1f} / {district['floor']['p95']:.1f} | {_verdict(district['ours']['p95'] <= 500)} |",
    ]
    vc.write_part("reads", "\n".join(lines))
    vc.log("BENCHMARKS.md updated")


if __name__ == "__main__":
    main()
