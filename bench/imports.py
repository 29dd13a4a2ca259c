#!/usr/bin/env python
"""Excel import (台账导入) of a town's households with their people, end to end (issue 10 §3).

Goals: a 20,000-household town file with people imports in ≤ 60 s end to end (upload → preview →
commit), the preview alone ≤ 20 s, peak memory ≤ 500 MB.

It builds, in the database DATABASE_URL names (migrated; use a throwaway one), a fresh town of
4 zones × 5 villages × 5 natural villages × 10 grids (1,000 grids), a town staff account, and an xlsx of
20,000 households × 1–5 people (≈ 60,000 rows, one row per person, the template's columns). Then, in
one process through the API (DRF test client, multipart upload): POST /api/imports/ (preview), POST
…/commit/, and a second upload of the same file (every household unchanged). Prints the timings, the
statement counts and the peak RSS (resource.getrusage ru_maxrss), and one BENCH_JSON line.

    DATABASE_URL=postgres://…/bench_db python bench/imports.py [--households 20000]

The town stays in the database (a new one, with its own names, on every run).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from config.keys import use_development_keys  # noqa: E402

use_development_keys()  # throwaway bench databases: this checkout's dev keys unless keys are set

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

GOAL_TOTAL_S, GOAL_PREVIEW_S, GOAL_RSS_MB = 60.0, 20.0, 500.0
CPU: dict[str, float] = {}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "秀英桂兰玉梅凤华建国志强明德永福海涛金龙春花丽娟文杰俊峰红霞淑珍宝山成林子涵浩然欣怡雨轩"
RELATIONS = ["配偶", "子女", "子女", "父母", "孙辈", "儿媳/女婿"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def log(message: str) -> None:
    print(f"[imports {time.strftime('%H:%M:%S')}] {message}", flush=True)


def build_town(stamp: str):
    from accounts.models import RoleAssignment, User
    from villages.models import MicroGrid, NaturalVillage, Village
    from zones.models import Town, WorkZone

    town = Town.objects.create(name=f"导入基准街道{stamp}", code=f"9{stamp[-8:]}")
    grids = []
    for z in range(4):
        zone = WorkZone.objects.create(town=town, name=f"第{z + 1}工作区{stamp}")
        for v in range(5):
            village = Village.objects.create(zone=zone, name=f"基准{z + 1}-{v + 1}村{stamp}")
            for n in range(5):
                nv = NaturalVillage.objects.create(village=village, name=f"自然村{n + 1}")
                grids += MicroGrid.objects.bulk_create(
                    [MicroGrid(natural_village=nv, village=village, name=f"第{g + 1}网格") for g in range(10)])
    user = User.objects.create_user(username=f"import_bench_{stamp}", password="x")
    RoleAssignment.objects.create(user=user, role="town_staff", town=town)
    return town, user, MicroGrid.objects.filter(pk__in=[g.pk for g in grids]).select_related("village", "natural_village")


def build_file(grids, households: int, rng: random.Random) -> tuple[bytes, int]:
    from ledgers.kinds import KINDS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("户与户成员")
    ws.append([c.header for c in KINDS["households"].columns])
    grids = list(grids)
    rows = 0
    colors = ["绿色"] * 14 + ["黄色"] * 4 + ["橙色", "红色"]
    for i in range(households):
        grid = grids[i * len(grids) // households]
        head = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        address = f"{grid.natural_village.name}{grid.name}{i % 20 + 1}号"
        phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.8 else None
        color = rng.choice(colors)
        tags = "低保" if rng.random() < 0.05 else None
        n = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])
        people = [(head, "户主")] + [(head[0] + rng.choice(GIVEN) + rng.choice(GIVEN) + str(k), rng.choice(RELATIONS))
                                    for k in range(1, n)]
        for k, (name, relation) in enumerate(people):
            first = k == 0
            ws.append([grid.village.name, grid.natural_village.name, grid.name, address, head,
                       phone if first else None, color if first else None, tags if first else None, None,
                       name, relation, rng.randint(1935, 2020), None])
            rows += 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), rows


def timed(label, fn):
    statements = [0]
    by_kind: dict[str, list] = {}  # the statement's first words -> [count, seconds]

    def count(execute, sql, params, many, context):  # counted, not kept (a list of 100,000 queries is memory)
        statements[0] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = by_kind.setdefault(" ".join(sql[:70].split()), [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        result = fn()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    # this process's CPU beside the wall time: on a shared machine the wall time also counts other processes'
    log(f"{label}: {elapsed:.1f} s ({cpu:.1f} s CPU in this process), {statements[0]} SQL statements, "
        f"peak RSS {rss_mb():.0f} MB, load average {os.getloadavg()[0]:.1f}")
    CPU[label] = round(cpu, 1)
    slowest = sorted(by_kind.items(), key=lambda kv: -kv[1][1])[:5]  # where the database time went
    log("  slowest statements: " + "; ".join(f"{sec:.1f} s in {n} × {sql}…" for sql, (n, sec) in slowest))
    return result, elapsed, statements[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    args = parser.parse_args()
    from django.conf import settings

    settings.DEBUG = False
    rng = random.Random(10)
    stamp = time.strftime("%m%d%H%M%S")
    log(f"database {connection.settings_dict['NAME']}: building a town of 1,000 grids")
    town, user, grids = build_town(stamp)
    content, rows = build_file(grids, args.households, rng)
    log(f"file: {args.households:,} households, {rows:,} rows, {len(content) / 1024 / 1024:.1f} MB; RSS {rss_mb():.0f} MB")
    client = APIClient()
    client.force_authenticate(user)

    def upload():
        file = io.BytesIO(content)
        file.name = "town.xlsx"
        response = client.post("/api/imports/", {"kind": "households", "file": file}, format="multipart", secure=True)
        assert response.status_code == 201, (response.status_code, response.content[:500])
        return response.json()

    batch, preview_s, preview_sql = timed("preview (upload, parse, check every row)", upload)
    assert batch["error_count"] == 0, batch["errors"][:5]
    assert batch["create_count"] == args.households, batch
    response, commit_s, commit_sql = timed("commit", lambda: client.post(f"/api/imports/{batch['id']}/commit/", secure=True))
    assert response.status_code == 200, response.content[:500]
    again, again_s, _ = timed("the same file again (preview)", upload)
    assert again["unchanged_count"] == args.households and again["create_count"] == 0, again
    from villages.models import Household, HouseholdPerson

    households = Household.objects.filter(town=town).count()
    people = HouseholdPerson.objects.filter(household__town=town).count()
    planned = Household.objects.filter(town=town, next_visit_due__isnull=False).count()
    peak = rss_mb()
    total = preview_s + commit_s
    result = {
        "households": households, "people": people, "rows": rows, "file_mb": round(len(content) / 1024 / 1024, 2),
        "preview_s": round(preview_s, 1), "commit_s": round(commit_s, 1), "total_s": round(total, 1),
        "reimport_preview_s": round(again_s, 1), "preview_sql": preview_sql, "commit_sql": commit_sql,
        "peak_rss_mb": round(peak), "planned_households": planned, "cpu_s": CPU,
        "load_average": round(os.getloadavg()[0], 1),
        "goals": {"total_s": GOAL_TOTAL_S, "preview_s": GOAL_PREVIEW_S, "peak_rss_mb": GOAL_RSS_MB},
        "met": total <= GOAL_TOTAL_S and preview_s <= GOAL_PREVIEW_S and peak <= GOAL_RSS_MB,
    }
    log(f"{households:,} households, {people:,} people ({planned:,} with a first visit date): "
        f"end to end {total:.1f} s (goal ≤ {GOAL_TOTAL_S:.0f}), preview {preview_s:.1f} s (≤ {GOAL_PREVIEW_S:.0f}), "
        f"peak RSS {peak:.0f} MB (≤ {GOAL_RSS_MB:.0f})")
    print("BENCH_JSON " + json.dumps(result, ensure_ascii=False), file=sys.__stderr__)


if __name__ == "__main__":
    main()
