"""Fixtures shared by the API tests of villages and members: a village, a grid in it, and its cadre's client.

Import them into a test module (``from tests.api_fixtures import village, grid, client``); pytest picks up
imported fixtures like its own.
"""
import json

import pytest

from tests import factories as f
from tests.clients import api_client


@pytest.fixture
def village():
    return f.VillageFactory()


@pytest.fixture
def grid(village):
    return f.MicroGridFactory(natural_village__village=village)


@pytest.fixture
def client(village):
    return api_client(f.make_user("village_cadre", village))


def text(data) -> str:
    """An error body as one string, Chinese kept, to look for a message in it."""
    return json.dumps(data, ensure_ascii=False)
