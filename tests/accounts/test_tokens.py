"""API tokens (django-rest-knox): issued with basic auth, expiring, revocable, read-only for API consumers."""
import base64
import datetime

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories as f
from villages.models import Household

pytestmark = pytest.mark.django_db


def _basic(username, password=f.PASSWORD):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def zone():
    return f.WorkZoneFactory()


def _token(user) -> str:
    client = APIClient()
    response = client.post("/api/auth/token/", HTTP_AUTHORIZATION=_basic(user.username))
    assert response.status_code == 200, response.data
    assert response.data["expiry"]
    return response.data["token"]


def test_basic_auth_gives_a_token_that_works(zone):
    village = f.VillageFactory(zone=zone)
    f.VillageFactory()  # another zone
    user = f.make_user("api_consumer", zone)  # only API consumers may mint tokens
    token = _token(user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/villages/")
    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [village.pk]
    assert client.get("/api/me/").data["username"] == user.username


def test_wrong_password_gets_no_token(zone):
    user = f.make_user("zone_committee", zone)
    response = APIClient().post("/api/auth/token/", HTTP_AUTHORIZATION=_basic(user.username, "wrong"))
    assert response.status_code in (401, 403)
    assert not AuthToken.objects.exists()


def test_revoked_token_is_401(zone):
    token = _token(f.make_user("api_consumer", zone))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/auth/token/revoke/").status_code == 204
    response = client.get("/api/villages/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_revoke_all_revokes_every_token_of_the_user(zone):
    user = f.make_user("api_consumer", zone)
    first, second = _token(user), _token(user)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {first}").post("/api/auth/token/revoke-all/").status_code == 204
    assert APIClient(HTTP_AUTHORIZATION=f"Token {second}").get("/api/villages/").status_code == 401


def test_expired_token_is_401(zone):
    user = f.make_user("zone_committee", zone)
    _instance, token = AuthToken.objects.create(user=user, expiry=datetime.timedelta(seconds=-1))
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/villages/").status_code == 401
    _instance, fresh = AuthToken.objects.create(user=user, expiry=datetime.timedelta(hours=1))
    assert APIClient(HTTP_AUTHORIZATION=f"Token {fresh}").get("/api/villages/").status_code == 200


def test_api_consumer_token_reads_but_cannot_write(zone):
    grid = f.MicroGridFactory(natural_village__village__zone=zone)
    household = f.HouseholdFactory(grid=grid, color="green")
    token = _token(f.make_user("api_consumer", zone))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/households/").data["count"] == 1
    assert client.patch(f"/api/households/{household.pk}/", {"color": "red"}, format="json").status_code == 403
    body = {"grid": grid.pk, "head_name": "钱七", "address": "南街5号", "people_count": 2}
    assert client.post("/api/households/", body, format="json").status_code == 403
    assert client.delete(f"/api/households/{household.pk}/").status_code == 403
    assert Household.objects.get().color == "green"


def test_token_requests_need_no_csrf_but_session_writes_do(zone):
    village = f.VillageFactory(zone=zone)
    user = f.make_user("zone_committee", zone)
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(user)
    assert session.patch(f"/api/villages/{village.pk}/", {"name": "改名村"}, format="json").status_code == 403
    _instance, key = AuthToken.objects.create(user=user)  # a writer's token (the endpoint mints only for API consumers)
    token = APIClient(HTTP_AUTHORIZATION=f"Token {key}", enforce_csrf_checks=True)
    assert token.patch(f"/api/villages/{village.pk}/", {"name": "改名村"}, format="json").status_code == 200


# --- accounts.auth.TokenAuthentication: one statement per request, no cleanup scan, no caching ---------


def _tokens_and_assignments(queries) -> list[str]:
    """The statements that read tokens or role assignments (a prepared one runs as ``EXECUTE cq_…``; its
    ``PREPARE``, once per database connection, reads nothing)."""
    return [q["sql"] for q in queries if not q["sql"].startswith("PREPARE ") and (
        "knox_authtoken" in q["sql"] or "accounts_roleassignment" in q["sql"] or q["sql"].startswith("EXECUTE cq_"))]


def test_token_request_reads_token_user_and_scope_in_one_statement(zone):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    f.VillageFactory(zone=zone)
    user = f.make_user("zone_committee", zone)
    for _ in range(3):  # other tokens of the same user, one of them expired: not listed per request
        AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=user, expiry=datetime.timedelta(seconds=-1))
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/villages/").data["count"] == 1
    reads = _tokens_and_assignments(queries)
    assert len(reads) == 1, reads
    statement = reads[0]
    if statement.startswith("EXECUTE cq_"):  # the text of the prepared statement it runs
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [statement.split()[1].split("(")[0]])
            statement = cursor.fetchone()[0]
    assert "accounts_roleassignment" in statement and "accounts_user" in statement
    assert AuthToken.objects.filter(user=user).count() == 5  # the expired one waits for the daily purge


def test_token_deleted_elsewhere_is_refused_on_the_next_request(zone):
    user = f.make_user("zone_committee", zone)
    instance, token = AuthToken.objects.create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/villages/").status_code == 200
    AuthToken.objects.filter(pk=instance.pk).delete()  # e.g. by an administrator
    assert client.get("/api/villages/").status_code == 401


def test_deactivated_user_is_refused_on_the_next_request(zone):
    user = f.make_user("zone_committee", zone)
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/villages/").status_code == 200
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/villages/").status_code == 401


def test_expired_token_is_refused_and_deleted_without_the_purge(zone):
    user = f.make_user("zone_committee", zone)
    expired, token = AuthToken.objects.create(user=user, expiry=datetime.timedelta(seconds=-1))
    response = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/villages/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(pk=expired.pk).exists()


def test_wrong_token_with_a_known_key_is_refused(zone):
    user = f.make_user("zone_committee", zone)
    _instance, token = AuthToken.objects.create(user=user)
    forged = token[:15] + ("0" if token[15] != "0" else "1") + token[16:]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {forged}").get("/api/villages/").status_code == 401
    assert APIClient(HTTP_AUTHORIZATION="Token nothex-!").get("/api/villages/").status_code == 401


def test_role_change_counts_from_the_next_token_request(zone):
    village = f.VillageFactory(zone=zone)
    other = f.VillageFactory()  # another zone
    user = f.make_user("zone_committee", zone)
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert {row["id"] for row in client.get("/api/villages/").data["results"]} == {village.pk}
    f.add_role(user, "village_cadre", other)
    assert {row["id"] for row in client.get("/api/villages/").data["results"]} == {village.pk, other.pk}
    user.assignments.all().delete()
    assert client.get("/api/villages/").data["count"] == 0


@pytest.mark.parametrize("kind", ["town", "zone", "village", "grid", "grid_member_no_grid", "district", "none",
                                  "superuser", "several"])
def test_scope_from_the_token_statement_equals_user_scope(kind):
    from accounts.auth import TokenAuthentication
    from accounts.scoping import user_scope

    grid = f.MicroGridFactory()
    village, zone = grid.village, grid.village.zone
    user = f.UserFactory(is_superuser=kind == "superuser")
    roles = {
        "town": [("town_staff", zone.town)], "zone": [("zone_committee", zone)],
        "village": [("village_cadre", village)], "grid": [("grid_member", grid)],
        "grid_member_no_grid": [("grid_member", None)], "district": [("district_admin", None)],
        "none": [], "superuser": [],
        "several": [("town_staff", f.TownFactory()), ("village_cadre", village), ("api_consumer", zone)],
    }[kind]
    for role, node in roles:
        f.add_role(user, role, node)
    _instance, token = AuthToken.objects.create(user=user)
    authed, auth_token = TokenAuthentication().authenticate_credentials(token.encode())
    assert authed == user and auth_token.pk == _instance.pk and auth_token.user is authed
    assert {field.attname: getattr(authed, field.attname) for field in user._meta.concrete_fields} == {
        field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields
    }
    fresh = type(user).objects.get(pk=user.pk)
    expected = user_scope(fresh)
    got = authed._zones_scope
    key = lambda g: (g.role, g.level, sorted(g.chain.items()))  # noqa: E731
    assert sorted(map(key, got.grants)) == sorted(map(key, expected.grants))
    assert got.user_id == expected.user_id == user.pk


def test_compiled_statement_returns_what_the_queryset_returns(zone):
    from accounts.auth import _TokenStatement

    user = f.make_user("zone_committee", zone)
    f.add_role(user, "api_consumer", zone.town)
    _instance, token = AuthToken.objects.create(user=user)
    statement = _TokenStatement()
    key = token[:15]
    assert statement.compiled.sql("default", 1) is not None
    assert sorted(statement.rows(key), key=repr) == sorted(statement.queryset(key), key=repr)
    assert statement.rows("no-such-key") == []


def test_purge_task_deletes_only_expired_tokens(zone):
    from accounts.tasks import purge_expired_tokens

    user, other = f.make_user("zone_committee", zone), f.make_user("api_consumer", zone)
    expired = [AuthToken.objects.create(user=u, expiry=datetime.timedelta(seconds=-1))[0] for u in (user, other)]
    valid = AuthToken.objects.create(user=user)[0]
    forever = AuthToken.objects.create(user=other, expiry=None)[0]
    assert purge_expired_tokens.apply().get() == 2
    assert set(AuthToken.objects.values_list("pk", flat=True)) == {valid.pk, forever.pk}
    assert not AuthToken.objects.filter(pk__in=[t.pk for t in expired]).exists()


def test_purge_task_is_on_the_beat_schedule():
    from django.conf import settings

    assert any(entry["task"] == "accounts.tasks.purge_expired_tokens" for entry in settings.CELERY_BEAT_SCHEDULE.values())
