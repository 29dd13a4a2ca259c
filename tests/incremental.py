"""One check of an incremental list (``?updated_since=``), shared by the apps' tests.

The rows' times are set around the test's transaction: inside it the database's ``now()`` (which the
``touch_updated_at`` trigger writes) is the transaction's start, so every row a plain ``.update()`` touches gets
that one time; the older change is written with the trigger held off (``core.triggers.untouched``).
"""
from __future__ import annotations

import datetime

from django.utils import timezone

from core import records
from core.triggers import untouched


def check_incremental(client, path: str, model, rows_in: list, rows_out: list) -> None:
    """``rows_in`` (one or two rows the client can read) changed since a moment, ``rows_out`` (rows outside the
    client's scope) changed too, every other row of ``model`` long before: the list answers ``rows_in`` only,
    oldest change first (the higher id changed first, so an order by id would fail), an archivable row as a
    tombstone (``archived_at`` set), each row with its ``updated_at``."""
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=30)
    pks = sorted(row.pk for row in rows_in)
    with untouched(model):
        model.objects.update(updated_at=long_ago)
        if len(pks) > 1:
            model.objects.filter(pk=pks[-1]).update(updated_at=now - datetime.timedelta(hours=2))
    archivable = records.is_archivable(model)
    # a plain .update() bumps the time, whatever it set (here: a time long ago)
    newest = model.objects.filter(pk=pks[0])
    newest.update(archived_at=now) if archivable else newest.update(updated_at=long_ago)
    model.objects.filter(pk__in=[row.pk for row in rows_out]).update(updated_at=long_ago)
    assert model.objects.get(pk=pks[0]).updated_at > now - datetime.timedelta(hours=1)
    assert all(row.updated_at > now - datetime.timedelta(hours=1)
               for row in model.objects.filter(pk__in=[row.pk for row in rows_out]))

    answer = client.get(path, {"updated_since": (now - datetime.timedelta(hours=3)).isoformat()})
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    expected = [pks[-1], pks[0]] if len(pks) > 1 else pks
    assert [row["id"] for row in results] == expected, path
    assert all(row["updated_at"] for row in results)
    if archivable:
        assert results[-1]["archived_at"] is not None  # the tombstone
        # the plain list leaves it out
        assert pks[0] not in [row["id"] for row in client.get(path, {"page_size": 500}).json()["results"]]


class TwoTowns:
    """Two of each listed row in town A (zone a1, village a1, …) and one in town B, and a client of town A's staff."""


def two_towns() -> TwoTowns:
    from tests import factories as f
    from tests.clients import api_client

    w = TwoTowns()
    town_a, town_b = f.TownFactory(), f.TownFactory()
    w.towns = [town_a], [town_b]  # a town's staff reads their own town only
    zones_a = [f.WorkZoneFactory(town=town_a) for _ in range(2)]
    zone_b = f.WorkZoneFactory(town=town_b)
    w.zones = zones_a, [zone_b]
    w.offices = list(zones_a[0].offices.order_by("pk")[:2]), [zone_b.offices.first()]
    w.committee = [f.CommitteeMemberFactory(zone=zones_a[0]) for _ in range(2)], [f.CommitteeMemberFactory(zone=zone_b)]
    w.cadres_sunk = [f.SunkCadrePostingFactory(zone=zones_a[0]) for _ in range(2)], [f.SunkCadrePostingFactory(zone=zone_b)]
    villages_a = [f.VillageFactory(zone=zones_a[0]) for _ in range(2)]
    village_b = f.VillageFactory(zone=zone_b)
    w.villages = villages_a, [village_b]
    w.instructors = ([f.PartyInstructorFactory(village=villages_a[0], cadre=c) for c in w.cadres_sunk[0]],
                     [f.PartyInstructorFactory(village=village_b, cadre=w.cadres_sunk[1][0])])
    w.village_cadres = [f.VillageCadreFactory(village=villages_a[0]) for _ in range(2)], [f.VillageCadreFactory(village=village_b)]
    nvs_a = [f.NaturalVillageFactory(village=villages_a[0]) for _ in range(2)]
    w.natural_villages = nvs_a, [f.NaturalVillageFactory(village=village_b)]
    grids_a = [f.MicroGridFactory(natural_village=nvs_a[0]) for _ in range(2)]
    w.grids = grids_a, [f.MicroGridFactory(natural_village=w.natural_villages[1][0])]
    w.households = [f.HouseholdFactory(grid=grids_a[0]) for _ in range(2)], [f.HouseholdFactory(grid=w.grids[1][0])]
    w.branches = [f.PartyBranchFactory(village=villages_a[0]) for _ in range(2)], [f.PartyBranchFactory(village=village_b)]
    w.members = ([f.PartyMemberFactory(branch=w.branches[0][0]) for _ in range(2)],
                 [f.PartyMemberFactory(branch=w.branches[1][0])])
    w.links = ([f.HouseholdLinkFactory(household=h, member=w.members[0][0]) for h in w.households[0]],
               [f.HouseholdLinkFactory(household=w.households[1][0], member=w.members[1][0])])
    w.client = api_client(f.make_user("town_staff", town_a))
    return w
