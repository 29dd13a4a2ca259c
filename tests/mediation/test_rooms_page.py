"""The rooms and officers page: for those who set rooms up; the rota page leads there."""
import json
import re

import pytest
from django.test import Client

from tests.clients import page_client

pytestmark = pytest.mark.django_db


def _menu(response):
    text = response.content.decode()
    menu = json.loads(re.search(r'<script id="platform-menu" type="application/json">(.*?)</script>', text, re.S).group(1))
    group = next(item for item in menu["items"] if item["title"] == "轮值调解室")
    return [c["path"] for c in group["children"]]


def test_rooms_page_renders_for_the_zone_and_is_in_its_menu_only(world):
    assert Client().get("/mediation/rooms/").status_code == 302
    response = page_client(world.zone_a_user).get("/mediation/rooms/")
    assert response.status_code == 200
    assert "/mediation/rooms/" in _menu(response)
    assert "/mediation/rooms/" not in _menu(page_client(world.cadre_a1).get("/mediation/"))
    rota = page_client(world.zone_a_user).get("/mediation/rota/").content.decode()
    assert "/mediation/rooms/" in rota
