"""Reorganisation moves that carry rows of several apps along, and the tree's consistency.

The tree's consistency: denormalised ancestors equal the path through the parents.

Households keep their natural village, village, zone and town beside their grid; grids keep their
village; party branches their zone and town; dispute cases their zone and town. The move services keep
them right. This check finds (and with ``repair`` fixes) any row where they drifted, e.g. after a write
outside the services or a restore of part of a table: the truth is always the chain of parents
(household → grid → natural village → village → zone → town).

Each check is one statement over the whole table (seconds on a million households), run weekly.
"""
from __future__ import annotations

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core.moves import node_move
from core.triggers import touch
from mediation.models import DutyOfficer, DutyShift, FollowUp, MediationRoom
from members.models import PartyBranch, PartyMember
from villages import events as village_events
from villages.models import Household, MicroGrid, NaturalVillage, Village, VillageCadre
from zones.models import CommitteeMember, PartyInstructor, SunkCadrePosting, WorkZone, ZoneOffice
from zones.selectors import current_q


@dataclasses.dataclass(frozen=True)
class TreeCheck:
    code: str
    label: str
    count_sql: str
    repair_sql: str


CHECKS = (
    TreeCheck(
        "grid_village", "微网格的村/社区与其自然村不一致",
        """SELECT count(*) FROM villages_microgrid g JOIN villages_naturalvillage n ON n.id = g.natural_village_id
           WHERE g.village_id <> n.village_id""",
        """UPDATE villages_microgrid g SET village_id = n.village_id FROM villages_naturalvillage n
           WHERE n.id = g.natural_village_id AND g.village_id <> n.village_id""",
    ),
    TreeCheck(
        "household_ancestors", "户的自然村/村/工作区/街道与其网格不一致",
        """SELECT count(*) FROM villages_household h
           JOIN villages_microgrid g ON g.id = h.grid_id
           JOIN villages_naturalvillage n ON n.id = g.natural_village_id
           JOIN villages_village v ON v.id = n.village_id
           JOIN zones_workzone z ON z.id = v.zone_id
           WHERE (h.natural_village_id, h.village_id, h.zone_id, h.town_id) IS DISTINCT FROM (n.id, v.id, z.id, z.town_id)""",
        """UPDATE villages_household h
           SET natural_village_id = n.id, village_id = v.id, zone_id = z.id, town_id = z.town_id
           FROM villages_microgrid g, villages_naturalvillage n, villages_village v, zones_workzone z
           WHERE g.id = h.grid_id AND n.id = g.natural_village_id AND v.id = n.village_id AND z.id = v.zone_id
             AND (h.natural_village_id, h.village_id, h.zone_id, h.town_id) IS DISTINCT FROM (n.id, v.id, z.id, z.town_id)""",
    ),
    TreeCheck(
        "branch_village_ancestors", "村党组织的工作区/街道与其村不一致",
        """SELECT count(*) FROM members_partybranch b
           JOIN villages_village v ON v.id = b.village_id JOIN zones_workzone z ON z.id = v.zone_id
           WHERE (b.zone_id, b.town_id) IS DISTINCT FROM (z.id, z.town_id)""",
        """UPDATE members_partybranch b SET zone_id = z.id, town_id = z.town_id
           FROM villages_village v, zones_workzone z
           WHERE v.id = b.village_id AND z.id = v.zone_id AND (b.zone_id, b.town_id) IS DISTINCT FROM (z.id, z.town_id)""",
    ),
    TreeCheck(
        "branch_zone_town", "工作区党组织的街道与其工作区不一致",
        """SELECT count(*) FROM members_partybranch b JOIN zones_workzone z ON z.id = b.zone_id
           WHERE b.village_id IS NULL AND b.town_id <> z.town_id""",
        """UPDATE members_partybranch b SET town_id = z.town_id FROM zones_workzone z
           WHERE z.id = b.zone_id AND b.village_id IS NULL AND b.town_id <> z.town_id""",
    ),
    TreeCheck(
        "case_ancestors", "纠纷案件的工作区/街道与其村不一致",
        """SELECT count(*) FROM mediation_disputecase c
           JOIN villages_village v ON v.id = c.village_id JOIN zones_workzone z ON z.id = v.zone_id
           WHERE (c.zone_id, c.town_id) IS DISTINCT FROM (z.id, z.town_id)""",
        """UPDATE mediation_disputecase c SET zone_id = z.id, town_id = z.town_id
           FROM villages_village v, zones_workzone z
           WHERE v.id = c.village_id AND z.id = v.zone_id AND (c.zone_id, c.town_id) IS DISTINCT FROM (z.id, z.town_id)""",
    ),
)


def tree_check(*, repair: bool = False) -> dict[str, dict]:
    """Rows per check whose ancestors drifted (``found``), and how many were repaired.

    The grid check runs (and repairs) before the household check: households read their village
    through the natural village, never through the grid's copy, so the order only matters for the report.
    """
    report = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for check in CHECKS:
            cursor.execute(check.count_sql)
            found = cursor.fetchone()[0]
            repaired = 0
            if repair and found:
                cursor.execute(check.repair_sql)
                repaired = cursor.rowcount
            report[check.code] = {"label": check.label, "found": found, "repaired": repaired}
    return report


# --- Reorganisation: a node moves with everything below it --------------------------------------------

def _refuse_archived(target, field: str, label: str) -> None:
    """A move's target must be in use: an archived town or zone takes nothing in (a 400 naming the field)."""
    if getattr(target, "archived_at", None) is not None:
        raise ValidationError({field: f"目标{label}“{target.name}”已归档，不能迁入；请先恢复它。"})


def _current_instructors(village):
    return PartyInstructor.objects.filter(village=village).filter(current_q())


def _touch_carried(**villages) -> None:
    """Stamp the rows below the moved villages that a move carries along without changing them (their place in
    the tree changes through a parent; the rows the move rewrites are stamped by the database): a consumer whose
    scope they enter pulls them by ``updated_since`` (core.triggers.touch). Household links follow their
    households by members' own handler of ``households_moved``."""
    for model in (NaturalVillage, MicroGrid, VillageCadre, PartyInstructor):
        touch(model.objects.filter(**villages))
    touch(PartyMember.objects.filter(**{f"branch__{key}": value for key, value in villages.items()}))
    touch(FollowUp.objects.filter(**{f"case__{key}": value for key, value in villages.items()}))


def village_move(*, village, to_zone: WorkZone, apply: bool) -> dict:
    """Move a village (with its grids, households and village branches) to another zone.

    Returns a preview of what moves; with ``apply`` it also moves it, in one transaction. Not into an
    archived zone.
    """
    _refuse_archived(to_zone, "zone", "工作区")

    def carry():
        Household.objects.filter(village=village).update(zone=to_zone, town_id=to_zone.town_id)
        PartyBranch.objects.filter(village=village).update(zone=to_zone, town_id=to_zone.town_id)
        _current_instructors(village).update(end_date=datetime.date.today())
        _touch_carried(village__in=[village.pk])
        village_events.households_moved.emit(village_id=village.pk)

    return node_move(village, key="village", parent="zone", to=to_zone, labels=("工作区", "村/社区"), counts={
        "natural_villages": NaturalVillage.objects.filter(village=village),
        "grids": MicroGrid.objects.filter(village=village),
        "households": Household.objects.filter(village=village),
        "branches": PartyBranch.objects.filter(village=village),
        "members": PartyMember.objects.filter(branch__village=village),
        # "1+1" instructors are sunk cadres of the old zone: their postings end with the move.
        "instructors_ended": _current_instructors(village),
    }, carry=carry, apply=apply)


def zone_move(*, zone: WorkZone, to_town, apply: bool) -> dict:
    """Move a work zone (with its villages' households and branches) to another town.

    Returns a preview of what moves; with ``apply`` it also moves it, in one transaction. Dispute cases
    follow by the database triggers of mediation's migration 0003. Not into an archived town.
    """
    _refuse_archived(to_town, "town", "街道(镇)")

    def carry():
        Household.objects.filter(zone=zone).update(town=to_town)
        PartyBranch.objects.filter(zone=zone).update(town=to_town)
        touch(Village.objects.filter(zone=zone))
        for model in (ZoneOffice, CommitteeMember, SunkCadrePosting):
            touch(model.objects.filter(zone=zone))
        touch(MediationRoom.objects.filter(zone=zone))
        touch(DutyOfficer.objects.filter(room=zone.pk))
        touch(DutyShift.objects.filter(room=zone.pk))
        _touch_carried(village__in=Village.objects.filter(zone=zone).values("pk"))
        touch(PartyMember.objects.filter(branch__zone=zone, branch__village__isnull=True))  # the zone's own branches
        village_events.households_moved.emit(zone_id=zone.pk)

    return node_move(zone, key="zone", parent="town", to=to_town, labels=("街道(镇)", "工作区"), counts={
        "villages": Village.objects.filter(zone=zone),
        "households": Household.objects.filter(zone=zone),
        "branches": PartyBranch.objects.filter(zone=zone),
    }, carry=carry, apply=apply)
