"""Where one households page spends its time, measured inside one Django process (no HTTP, no other clients).

Run by bench/run_all.py with DATABASE_URL pointing at the benchmark database; prints one BENCH_JSON line:
per user, the Python CPU per request, the SQL round trips (count and wall time) and, for comparison,
the same figures for a trivial list (/api/towns/?page_size=1: authentication, scope, middleware, paging).
"""
import json
import os
import random
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
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from knox.models import AuthToken  # noqa: E402

from accounts.models import User  # noqa: E402

REQUESTS = 200


def measure(client: Client, urls: list[str]) -> dict:
    for url in urls[:10]:
        assert client.get(url).status_code == 200
    cpu = wall = sql_ms = 0.0
    statements = 0
    for url in urls:
        started, cpu_started = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        cpu += time.process_time() - cpu_started
        wall += time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        statements += len(queries.captured_queries)
        sql_ms += sum(float(q["time"]) for q in queries.captured_queries) * 1000
    n = len(urls)
    return {"cpu_ms": cpu * 1000 / n, "wall_ms": wall * 1000 / n, "sql_statements": statements / n, "sql_ms": sql_ms / n}


def main() -> None:
    rng = random.Random(3)
    out = {}
    for username in ("zone01", "town01"):
        user = User.objects.get(username=username)
        instance, token = AuthToken.objects.create(user)
        client = Client(HTTP_AUTHORIZATION=f"Token {token}")
        count = client.get("/api/households/?page_size=50").json()["count"]
        pages = max(1, (count + 49) // 50)
        households = measure(client, [f"/api/households/?page_size=50&page={rng.randint(1, pages)}" for _ in range(REQUESTS)])
        floor = measure(client, [f"/api/towns/?page_size=1&n={i}" for i in range(REQUESTS)])
        out[username] = {"households": households, "trivial": floor}
        instance.delete()
    print("BENCH_JSON " + json.dumps(out), file=sys.__stderr__)


if __name__ == "__main__":
    main()
