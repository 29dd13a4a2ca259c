"""The visit pages added for the forms: policies (places one may set), colour review, follow-ups; menus by role."""
import json
import re

import pytest
from django.test import Client

from tests.clients import page_client

pytestmark = pytest.mark.django_db
PAGES = ["/visits/policies/", "/visits/color-review/", "/visits/follow-ups/"]


def _json(response, name):
    text = response.content.decode()
    return json.loads(re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', text, re.S).group(1))


def _menu_paths(response):
    group = next(i for i in _json(response, "platform-menu")["items"] if i["title"] == "四色走访")
    return [c["path"] for c in group["children"]]


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_a_login_and_render(world, path):
    assert Client().get(path).status_code == 302
    assert page_client(world.zone_user).get(path).status_code == 200


def test_policy_page_offers_only_the_places_one_may_set(world):
    town = _json(page_client(world.town_user).get("/visits/policies/"), "page-data")
    assert [t["id"] for t in town["towns"]] == [world.town.pk]
    assert {z["id"] for z in town["zones"]} == {world.zone.pk, world.other_zone.pk}
    zone = _json(page_client(world.zone_user).get("/visits/policies/"), "page-data")
    assert zone["towns"] == [] and [z["id"] for z in zone["zones"]] == [world.zone.pk]
    cadre = _json(page_client(world.cadre_user).get("/visits/policies/"), "page-data")
    assert cadre["towns"] == [] and cadre["zones"] == []


def test_menu_entries_follow_the_roles(world):
    zone = _menu_paths(page_client(world.zone_user).get("/visits/my/"))
    assert {"/visits/policies/", "/visits/color-review/", "/visits/follow-ups/"} <= set(zone)
    worker = _menu_paths(page_client(world.worker_user).get("/visits/my/"))
    assert "/visits/follow-ups/" in worker and "/visits/policies/" not in worker
