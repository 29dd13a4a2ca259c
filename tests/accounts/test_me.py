"""/api/me/: who am I, which roles, may I reveal, what may I write."""
import pytest
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_me_lists_roles_reveal_and_writable_models():
    zone = f.WorkZoneFactory(name="闫满工作区")
    grid = f.MicroGridFactory(natural_village__village__zone=zone)
    user = f.make_user("zone_committee", zone)
    f.add_role(user, "grid_member", grid)
    client = APIClient()
    client.force_authenticate(user)
    data = client.get("/api/me/").data
    assert {(a["role"], a["level"], a["node_name"]) for a in data["assignments"]} == {
        ("zone_committee", "zone", "闫满工作区"), ("grid_member", "grid", grid.name)}
    assert data["can_reveal"] is True
    assert {"household", "village", "workzone"} <= set(data["writable"]) and "town" not in data["writable"]


def test_me_for_a_grid_member_and_for_anonymous():
    client = APIClient()
    assert client.get("/api/me/").status_code in (401, 403)
    client.force_authenticate(f.make_user("grid_member", f.MicroGridFactory()))
    data = client.get("/api/me/").data
    assert data["can_reveal"] is False
    assert "household" not in data["writable"] and "partymember" not in data["writable"]
