"""Writes for towns and work zones, including reorganisation."""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import OfficeKind, PartyInstructor, WorkZone, ZoneOffice


@transaction.atomic
def zone_create(*, town, name: str, brand: str = "") -> WorkZone:
    """A work zone comes with its five offices."""
    zone = WorkZone(town=town, name=name, brand=brand)
    zone.full_clean()
    zone.save()
    ZoneOffice.objects.bulk_create([ZoneOffice(zone=zone, kind=kind) for kind in OfficeKind.values])
    return zone


def _current_instructors(village):
    from .selectors import current_q

    return PartyInstructor.objects.filter(village=village).filter(current_q())


def village_move(*, village, to_zone: WorkZone, apply: bool) -> dict:
    """Move a village (with its grids, households and village branches) to another zone.

    Returns a preview of what moves; with ``apply`` it also moves it, in one transaction.
    """
    from members.models import PartyBranch, PartyMember
    from villages.models import Household, MicroGrid, NaturalVillage

    if to_zone.pk == village.zone_id:
        raise ValidationError({"zone": "目标工作区与当前工作区相同。"})
    if type(village).objects.filter(zone=to_zone, name=village.name).exclude(pk=village.pk).exists():
        raise ValidationError({"zone": f"目标工作区已有同名村/社区“{village.name}”。"})
    preview = {
        "village": village.name,
        "from_zone": village.zone.name,
        "to_zone": to_zone.name,
        "natural_villages": NaturalVillage.objects.filter(village=village).count(),
        "grids": MicroGrid.objects.filter(village=village).count(),
        "households": Household.objects.filter(village=village).count(),
        "branches": PartyBranch.objects.filter(village=village).count(),
        "members": PartyMember.objects.filter(branch__village=village).count(),
        # "1+1" instructors are sunk cadres of the old zone: their postings end with the move.
        "instructors_ended": _current_instructors(village).count(),
        "applied": False,
    }
    if not apply:
        return preview
    with transaction.atomic():
        type(village).objects.select_for_update().filter(pk=village.pk).update(zone=to_zone)
        Household.objects.filter(village=village).update(zone=to_zone, town_id=to_zone.town_id)
        PartyBranch.objects.filter(village=village).update(zone=to_zone, town_id=to_zone.town_id)
        _current_instructors(village).update(end_date=datetime.date.today())
    village.refresh_from_db()
    preview["applied"] = True
    return preview
