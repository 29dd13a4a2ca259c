"""OpenAPI: valid with no warnings, served with local Swagger UI; a short schemathesis run on list endpoints."""
import re

import pytest
import yaml
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.drainage import reset_generator_stats
from rest_framework.test import APIClient

from config.api import router


def test_spectacular_validates_with_no_warnings(tmp_path, capsys):
    reset_generator_stats()
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    err = capsys.readouterr().err
    assert "warning" not in err.lower() and "error" not in err.lower(), err
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    for prefix, _viewset, _basename in router.registry:
        assert f"/api/{prefix}/" in schema["paths"], prefix


@pytest.mark.django_db
def test_schema_and_docs_are_served_from_local_files():
    client = APIClient()
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert "/api/households/" in schema["paths"]

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(not a.startswith(("http:", "https:", "//")) for a in assets), assets
    assert "cdn" not in html.lower()
    bundle = next(a for a in assets if a.endswith("swagger-ui-bundle.js"))
    assert bundle.startswith("/static/drf_spectacular_sidecar/")
    served = client.get(bundle)
    assert served.status_code == 200
    assert b"".join(served.streaming_content if served.streaming else [served.content])[:20]

    redoc = client.get("/api/redoc/").content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/" in redoc and "cdn." not in redoc.lower()


LIST_ENDPOINTS = ["/api/households/", "/api/members/", "/api/household-links/", "/api/villages/", "/api/grids/",
                  "/api/zones/", "/api/sunk-cadres/"]


@pytest.mark.django_db
def test_schemathesis_list_endpoints_never_fail_and_match_the_schema():
    """Generated query strings (filters, ordering, paging) on a few lists: never a 500, 200s match the schema."""
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from hypothesis import HealthCheck, given, settings
    from knox.models import AuthToken
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from tests import factories as f

    link = f.HouseholdLinkFactory(household__color="red", household__tags=["低保"])
    zone = link.household.zone
    f.SunkCadrePostingFactory(zone=zone)
    _token_obj, token = AuthToken.objects.create(user=f.make_user("zone_committee", zone))
    headers = {"Authorization": f"Token {token}"}

    # In-process WSGI calls share the test's connection and transaction: keep Django from closing it
    # after each request (its test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
        for path in LIST_ENDPOINTS:
            operation = schema[path]["GET"]

            @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def run(case):
                response = case.call_and_validate(headers=headers,
                                                  checks=[not_a_server_error, response_schema_conformance])
                assert response.status_code in (200, 400, 404), (case.query, response.status_code,
                                                                  response.text[:300])

            run()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Token revocation would end the run's own token; everything else is fuzzed.
EXCLUDED = {("POST", "/api/auth/token/revoke/"), ("POST", "/api/auth/token/revoke-all/")}
EXAMPLES = 6  # per operation: enough to reach each documented status, small enough for ~3 minutes


def _existing_ids():
    """Path prefix → the ids of its rows, so detail operations also reach real rows (not only 404s)."""
    ids = {}
    for prefix, viewset, _basename in router.registry:
        queryset = viewset.queryset if viewset.queryset is not None else viewset().get_scoped_queryset()
        ids[f"/api/{prefix}/"] = sorted(queryset.model._default_manager.values_list("pk", flat=True))
    return ids


@pytest.mark.django_db
def test_every_operation_answers_only_documented_statuses_and_bodies():
    """schemathesis over every operation as the district admin of a small world: never a 500, every status
    documented, every body (errors included) matching its schema. Each example runs in a rolled-back
    savepoint, so deletes and moves never starve the next examples of rows."""
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from django.db import transaction
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from knox.models import AuthToken
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    from tests.accounts.scope_world import build_world, discover_cases

    world = build_world(discover_cases())
    _token_obj, token = AuthToken.objects.create(user=world.roles["district"].user)
    headers = {"Authorization": f"Token {token}"}
    ids = _existing_ids()
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    failures, covered = [], 0
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in EXCLUDED:
                continue
            covered += 1
            known = next((rows for prefix, rows in ids.items() if operation.path.startswith(prefix)), [])

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(), data=st.data())
            def run(case, data):
                for name in list(case.path_parameters or {}):
                    if known and data.draw(st.booleans(), label="real row"):
                        case.path_parameters[name] = data.draw(st.sampled_from(known), label=name)
                with transaction.atomic():
                    case.call_and_validate(headers=headers, checks=checks)
                    transaction.set_rollback(True)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, then report them all
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:3000])
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert covered >= 180, covered
    assert not failures, f"{len(failures)} operations fail:\n\n" + "\n\n".join(failures)
