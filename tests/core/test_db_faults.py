"""Web requests and database faults (core.middleware): time limits for web statements only, a lock wait or a
cancelled statement or an unreachable database answers 503 in Chinese, /healthz answers 503 when a dependency
is down."""
import datetime
import time
from unittest import mock

import psycopg2
import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from core import middleware
from tests import factories as f
from villages.models import Household
from visits import reminders
from visits.models import Visit


def _grid_member_with_a_household():
    grid = f.MicroGridFactory()
    member = f.PartyMemberFactory(branch=f.PartyBranchFactory(village=grid.village))
    user = f.make_user(Role.GRID_MEMBER, None, member=member, username="zhang")
    household = f.HouseholdFactory(grid=grid, color="red")
    f.HouseholdLinkFactory(member=member, household=household)
    Household.objects.filter(pk=household.pk).update(next_visit_due=timezone.localdate() - datetime.timedelta(days=2))
    return user, household


@pytest.fixture
def job_holding_the_write_lock():
    """Call (after building the data: registering a household adds its reminder) to have another connection hold
    the reminder job's write lock inside a transaction, as the nightly job does."""
    params = connection.get_connection_params()
    conn = psycopg2.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")})

    def hold():
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [reminders.REMINDER_WRITE_KEY])
        return conn

    yield hold
    conn.rollback()
    conn.close()


def _log_visit(client, household):
    return client.post("/api/visits/", {"household": household.pk, "visited_on": timezone.localdate().isoformat()},
                       format="json")


@pytest.mark.django_db(transaction=True)
def test_a_web_write_waiting_for_the_reminder_job_gives_up_after_the_lock_timeout(settings, job_holding_the_write_lock):
    settings.DB_LOCK_TIMEOUT_MS = 300
    user, household = _grid_member_with_a_household()
    job = job_holding_the_write_lock()
    client = APIClient()
    client.force_authenticate(user)
    started = time.monotonic()
    response = _log_visit(client, household)
    assert time.monotonic() - started < 5
    assert response.status_code == 503, response.content
    assert response.json() == {"detail": "系统繁忙，请稍后重试。"}
    assert response["Retry-After"]
    assert not Visit.objects.exists()  # rolled back whole

    job.rollback()  # the job commits
    assert _log_visit(client, household).status_code == 201
    assert Visit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_web_statement_cancelled_by_the_statement_timeout_answers_503(settings, job_holding_the_write_lock, caplog):
    settings.DB_LOCK_TIMEOUT_MS = 60000
    settings.DB_STATEMENT_TIMEOUT_MS = 300
    user, household = _grid_member_with_a_household()
    job_holding_the_write_lock()
    client = APIClient()
    client.force_authenticate(user)
    with caplog.at_level("WARNING", logger="core.db"):
        response = _log_visit(client, household)
    assert response.status_code == 503
    assert response.json() == {"detail": "查询超时，请缩小查询范围或稍后重试。"}
    assert "statement_timeout" in caplog.text and "/api/visits/" in caplog.text
    assert not Visit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_time_limits_apply_to_web_requests_only(settings, monkeypatch):
    monkeypatch.setattr(middleware, "_WEB_PROCESS", True)  # as config.wsgi declares it
    settings.DB_STATEMENT_TIMEOUT_MS = 12345
    settings.DB_LOCK_TIMEOUT_MS = 2345
    connection.close()  # a fresh server session, as a worker's
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"  # the worker and management commands: no limit
    seen = {}

    def probe(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "visits_visit" in sql and not seen:
            raw = context["cursor"].cursor
            raw.execute("SELECT current_setting('statement_timeout'), current_setting('lock_timeout')")
            seen["limits"] = raw.fetchone()
        return result

    user, _household = _grid_member_with_a_household()
    client = APIClient()
    client.force_authenticate(user)
    with connection.execute_wrapper(probe):
        assert client.get("/api/visits/").status_code == 200
    assert seen["limits"] == ("12345ms", "2345ms")  # a read outside any transaction: the session's
    connection.close()  # do not hand the web's session settings to the next test


def _down(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_answers_503_json_under_api_and_a_page_elsewhere(caplog):
    from django.db.backends.postgresql.base import DatabaseWrapper

    def refuse(self, conn_params):
        raise psycopg2.OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    user = f.make_user(Role.DISTRICT_ADMIN, None)
    client = Client()
    client.force_login(user)
    connection.close()  # the server went away: the next request must connect again
    with mock.patch.object(DatabaseWrapper, "get_new_connection", refuse), \
            caplog.at_level("WARNING", logger="core.db"):
        api = client.get("/api/visits/")
        page = client.get("/")
    assert api.status_code == 503
    assert api.json() == {"detail": "数据库暂时不可用，请稍后重试。"}
    assert page.status_code == 503
    text = page.content.decode()
    assert "数据库暂时不可用" in text and "Traceback" not in text and "Connection refused" not in text
    assert caplog.text.count("database fault (unavailable)") == 2
    assert client.get("/api/visits/").status_code == 200  # back: the next request connects again


@pytest.mark.django_db
def test_a_connection_lost_in_the_middle_of_a_request_answers_503():
    user = f.make_user(Role.DISTRICT_ADMIN, None)
    client = Client(raise_request_exception=False)  # a fault in a middleware goes through got_request_exception
    client.force_login(user)
    with connection.execute_wrapper(_down):
        api = client.get("/api/visits/")
        page = client.get("/")
    assert (api.status_code, api.json()) == (503, {"detail": "数据库暂时不可用，请稍后重试。"})
    assert page.status_code == 503 and "数据库暂时不可用" in page.content.decode()


def test_a_database_fault_raised_outside_a_view_is_a_503_too():
    request = RequestFactory().get("/api/households/")
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        response = middleware.server_error(request)
    assert response.status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        assert middleware.server_error(request).status_code == 500


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down():
    from django.db.backends.postgresql.base import DatabaseWrapper

    def refuse(self, name=None):
        raise psycopg2.OperationalError("connection refused")

    with mock.patch.object(DatabaseWrapper, "create_cursor", refuse):
        response = APIClient().get("/healthz", HTTP_ACCEPT="application/json")
    assert response.status_code == 503, response.content
    database = next(v for k, v in response.json().items() if k.startswith("Database"))
    assert database != "OK"
