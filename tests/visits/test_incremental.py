"""``?updated_since=`` on the visits: changed rows oldest first, only the client's town; the visits of households
that move with their village are stamped, so the new zone's consumer pulls them."""
import datetime

import pytest
from django.utils import timezone

from core.triggers import untouched
from organization.services import village_move
from tests import factories as f
from tests.clients import api_client
from tests.incremental import check_incremental, two_towns
from visits.models import Visit
from visits.services import visit_log

pytestmark = pytest.mark.django_db


def _visit(household, admin, days_ago: int) -> Visit:
    return visit_log(household=household, author=admin, visitor_user=admin,
                     visited_on=timezone.localdate() - datetime.timedelta(days=days_ago))


@pytest.fixture
def world():
    w = two_towns()
    admin = f.make_user("district_admin", username="qu")
    (h1, h2), (h3,) = w.households
    w.visits = [_visit(h1, admin, 0), _visit(h2, admin, 0)], [_visit(h3, admin, 0)]
    return w


def test_updated_since_on_the_visits(world):
    rows_in, rows_out = world.visits
    check_incremental(world.client, "/api/visits/", Visit, rows_in, rows_out)


def test_a_moved_villages_visits_are_stamped_for_the_new_zone(world):
    (zone_a1, zone_a2), _ = world.zones
    village = world.villages[0][0]
    consumer = api_client(f.make_user("api_consumer", zone_a2))
    long_ago = timezone.now() - datetime.timedelta(days=30)
    with untouched(Visit):
        Visit.objects.update(updated_at=long_ago)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert consumer.get("/api/visits/", {"updated_since": since}).json()["results"] == []
    village_move(village=village, to_zone=zone_a2, apply=True)
    pulled = consumer.get("/api/visits/", {"updated_since": since}).json()["results"]
    assert sorted(row["id"] for row in pulled) == sorted(v.pk for v in world.visits[0])
