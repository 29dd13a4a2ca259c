"""PostgreSQL restarted under load (a private cluster, the real web server): requests during the outage fail
cleanly (503, a Chinese message, no stack trace), succeed again once it is back, and nothing is half-written."""
import json
import threading
import time

import pytest
from django.utils import timezone

from .servers import PrivatePostgres, http, manage, wait_until, web_server

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


def test_requests_fail_cleanly_while_postgres_restarts_and_nothing_is_half_written(tmp_path):
    db = PrivatePostgres()
    try:
        env = {"DATABASE_URL": db.url, "DATABASE_NAME": "faults", "REDIS_URL": "",
               "CELERY_BROKER_DIR": str(tmp_path / "broker"), "DB_CONNECT_TIMEOUT": "2",
               "DJANGO_SECURE": "false"}  # gunicorn on plain http: no redirect to https
        seeded = json.loads(manage(env, "shell", "-c", open(__file__.replace("test_postgres_restart.py", "seed.py")).read())
                            .strip().splitlines()[-1])
        token, households = seeded["token"], seeded["households"]
        with web_server(env, tmp_path / "gunicorn.log") as base:
            assert http("GET", base + "/healthz?format=json")[0] == 200
            answers, stop = [], threading.Event()

            def client(n):
                i = n
                while not stop.is_set():
                    household = households[i % len(households)]
                    i += 1
                    status, kind, text = http("POST", base + "/api/visits/", {
                        "household": household, "visited_on": timezone.localdate().isoformat()}, token=token)
                    answers.append((time.monotonic(), status, kind, text))
                    time.sleep(0.05)

            threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
            for thread in threads:
                thread.start()
            try:
                time.sleep(2)
                outage_from = time.monotonic()
                db.stop("fast")  # terminates every session, in the middle of whatever they were doing
                time.sleep(2)
                health = http("GET", base + "/healthz?format=json")
                page = http("GET", base + "/households/")
                db.start()
                back_at = time.monotonic()
                wait_until(lambda: any(t > back_at and s == 201 for t, s, _, _ in answers), what="数据库恢复后请求成功")
                time.sleep(1)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=60)
    finally:
        with_rows = None
        try:
            with_rows = db.query(
                "SELECT h.id, h.next_visit_due, s.visits, (SELECT count(*) FROM visits_visit v WHERE v.household_id = h.id) "
                "FROM villages_household h LEFT JOIN visits_householdvisitstate s ON s.household_id = h.id")
        finally:
            db.cleanup()

    statuses = [s for _, s, _, _ in answers]
    assert health[0] == 503, health  # the probe says unavailable, not a server error
    assert page[0] == 503 and "数据库暂时不可用" in page[2] and "Traceback" not in page[2], page
    assert 500 not in statuses and 0 not in statuses, sorted(set(statuses))
    assert set(statuses) <= {201, 503}, sorted(set(statuses))
    failed = [(k, t) for _, s, k, t in answers if s == 503]
    assert failed, "no request met the outage"
    for kind, text in failed:
        assert kind.startswith("application/json") and "Traceback" not in text
        assert json.loads(text)["detail"] in ("数据库暂时不可用，请稍后重试。", "系统繁忙，请稍后重试。")
    assert any(t < outage_from and s == 201 for t, s, _, _ in answers)
    assert any(t > back_at and s == 201 for t, s, _, _ in answers)
    # nothing half-written: every visit moved its household's due date and counted in its state, or none did
    today = timezone.localdate()
    created = statuses.count(201)
    assert sum(v for _, _, _, v in with_rows) == created
    for household, due, state_visits, visits in with_rows:
        assert (state_visits or 0) == visits, (household, state_visits, visits)
        if visits:
            assert due > today, (household, due)
