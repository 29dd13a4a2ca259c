"""Every endpoint of the API router × every role: exactly the in-scope rows, 404 outside, 403/400 on writes.

Expectations come from the world's construction (``scope_world``) and the
cases in ``tests/*/scope_cases.py``; an endpoint registered in
``config.api.router`` without a case fails here.
"""
from __future__ import annotations

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from config.api import router

from .scope_world import ROLE_NAMES, build_world, discover_cases

CASES = discover_cases()
PREFIXES = [prefix for prefix, _viewset, _basename in router.registry]
CASES_BY_MODEL = {case.model: case for case in CASES.values()}
DENIED_ANONYMOUS = {401, 403}
SAMPLE = 3


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            built = build_world(CASES)
            yield built
            transaction.set_rollback(True)


def _sample(ids, n=SAMPLE):
    ids = sorted(ids)
    if len(ids) <= n:
        return ids
    step = len(ids) / n
    return [ids[int(i * step)] for i in range(n)]


def _client(role):
    client = APIClient()
    if role.user is not None:
        client.force_authenticate(role.user)
    return client


def _place_row_loc(case, place):
    """Where a row created under `place` lands (a new node is below its parent, never the node itself)."""
    loc = dict(place.loc) if place is not None else {}
    if case.node:
        loc[case.level] = -1
    return loc


def test_every_endpoint_has_a_case():
    missing = [prefix for prefix in PREFIXES if prefix not in CASES]
    assert not missing, f"这些接口没有范围测试预期（在 tests/<app>/scope_cases.py 中补充 Case）：{missing}"
    for prefix, viewset, _ in router.registry:
        assert viewset.queryset.model is CASES[prefix].model, prefix


def test_world_has_rows_of_every_model_in_every_place(world):
    for prefix, case in CASES.items():
        rows = world.rows.get(case.model, {})
        assert rows, f"{prefix}: 世界里没有数据"
        for place in world.places_at(case.level) if case.expect is None else []:
            here = [pk for pk, loc in rows.items() if loc.get(case.level) == place.obj.pk]
            assert here, f"{prefix}: {place.key} 没有数据"
        # the rows recorded are the rows in the table: nothing unexpected hides in the database
        assert set(case.model.objects.values_list("pk", flat=True)) == set(rows), prefix


@pytest.mark.parametrize("role_name", ROLE_NAMES)
@pytest.mark.parametrize("prefix", PREFIXES)
def test_scope_matrix(world, db, prefix, role_name):
    case = CASES.get(prefix)
    if case is None:
        pytest.fail(f"/api/{prefix}/ 没有范围测试预期")
    role = world.roles[role_name]
    client = _client(role)
    base = f"/api/{prefix}/"
    model = case.model
    all_ids = world.ids(model)

    if role.user is None:
        assert client.get(base).status_code in DENIED_ANONYMOUS
        some = min(all_ids)
        assert client.get(f"{base}{some}/").status_code in DENIED_ANONYMOUS
        assert client.patch(f"{base}{some}/", {}, format="json").status_code in DENIED_ANONYMOUS
        assert client.post(base, {}, format="json").status_code in DENIED_ANONYMOUS
        return

    if case.readers is not None and not any(g.role in case.readers for g in role.grants):
        some = min(all_ids)
        assert client.get(base).status_code == 403
        assert client.get(f"{base}{some}/").status_code == 403
        assert client.patch(f"{base}{some}/", {}, format="json").status_code == 403
        assert client.post(base, {}, format="json").status_code == 403
        return

    # --- reads: exactly the in-scope rows; outside is 404 -----------------------------
    expected = world.readable(role, case)
    response = client.get(base, {"page_size": 500})
    assert response.status_code == 200, response.content
    got = [row["id"] for row in response.data["results"]]
    assert len(got) == len(set(got)), f"{prefix}: 列表有重复行"
    assert set(got) == expected, f"{prefix} as {role_name}: 多出 {set(got) - expected}，缺少 {expected - set(got)}"
    assert response.data["count"] == len(expected)

    outside = all_ids - expected
    for pk in _sample(expected):
        assert client.get(f"{base}{pk}/").status_code == 200
    for pk in _sample(outside):
        assert client.get(f"{base}{pk}/").status_code == 404, f"{prefix} #{pk} 应不可见"

    # --- writes on existing rows ---------------------------------------------------------
    if case.read_only:
        for pk in _sample(all_ids, 2):
            assert client.patch(f"{base}{pk}/", {}, format="json").status_code == case.read_only_status
            assert client.delete(f"{base}{pk}/").status_code == case.read_only_status
        before = model.objects.count()
        assert client.post(base, {}, format="json").status_code == case.read_only_status
        assert model.objects.count() == before + (1 if case.refusal_logged else 0)
        return
    writer = world.writer(role, case)
    not_allowed = 405 if writer else 403  # a method the endpoint lacks: 405 once the role may write at all
    for pk in _sample(expected):
        allowed = world.writable(role, case, world.loc_of(model, pk))
        if allowed and case.update_ok is not None:
            allowed = case.update_ok(world, role, pk)
        status = client.patch(f"{base}{pk}/", {}, format="json").status_code
        want = not_allowed if case.append_only else (200 if allowed else 403)
        assert status == want, f"PATCH {prefix} #{pk} as {role_name}: {status}"
    for pk in _sample(outside, 2):
        want = 404 if writer else 403
        assert client.patch(f"{base}{pk}/", {}, format="json").status_code == (not_allowed if case.append_only else want)
        deletable = case.deletable and not case.append_only
        assert client.delete(f"{base}{pk}/").status_code == (want if deletable else not_allowed)
        assert model.objects.filter(pk=pk).exists()

    # --- creates: FK outside the scope is 400, landing outside the write scope is 403 -----
    if case.payload is None:
        return
    places = [None] if case.parent_level is None else world.places_at(case.parent_level)
    if case.parent_level == "natural_village" or case.parent_level == "grid":
        places = [p for p in places if not p.key.endswith("g2")]
    for place in places:
        body = case.payload(world, place)
        targets = case.fks(world, place)
        before = model.objects.count()
        if not writer:
            want = 403
        elif not all(world.readable_obj(role, target, CASES_BY_MODEL) for target in targets):
            want = 400
        elif world.writable(role, case, _place_row_loc(case, place)):
            want = 201 if case.create_ok else 400
        else:
            want = 403
        response = client.post(base, body, format="json")
        where = place.key if place else "全区"
        assert response.status_code == want, f"POST {prefix} under {where} as {role_name}: {response.status_code} {response.data}"
        if want == 201:
            assert model.objects.count() == before + 1
            assert client.get(f"{base}{response.data['id']}/").status_code == 200
        else:
            assert model.objects.count() == before, f"POST {prefix} under {where}: 拒绝后仍写入了数据"
        if want == 400 and writer:
            fk_fields = {name for name, value in body.items() if isinstance(value, int) and value in {t.pk for t in targets}}
            assert fk_fields & set(response.data), response.data


def test_ancestors_readable_not_writable(world, db):
    """A zone committee sees its town in /api/towns/ but cannot edit it."""
    role = world.roles["zone_a1"]
    client = _client(role)
    town = world.place("A").obj
    response = client.get("/api/towns/")
    assert [row["id"] for row in response.data["results"]] == [town.pk]
    assert client.patch(f"/api/towns/{town.pk}/", {"code": "1"}, format="json").status_code == 403
    assert client.get(f"/api/towns/{world.place('B').obj.pk}/").status_code == 404
    zones = client.get("/api/zones/").data["results"]
    assert [row["id"] for row in zones] == [world.place("A1").obj.pk]

