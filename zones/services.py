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


def zone_move(*, zone: WorkZone, to_town, apply: bool) -> dict:
    """Move a work zone (with its villages' households and branches) to another town.

    Returns a preview of what moves; with ``apply`` it also moves it, in one transaction. Dispute cases
    follow by the database triggers of mediation's migration 0003.
    """
    from members.models import PartyBranch
    from villages.models import Household, Village

    if to_town.pk == zone.town_id:
        raise ValidationError({"town": "目标街道(镇)与当前街道(镇)相同。"})
    if WorkZone.objects.filter(town=to_town, name=zone.name).exclude(pk=zone.pk).exists():
        raise ValidationError({"town": f"目标街道(镇)已有同名工作区“{zone.name}”。"})
    preview = {
        "zone": zone.name,
        "from_town": zone.town.name,
        "to_town": to_town.name,
        "villages": Village.objects.filter(zone=zone).count(),
        "households": Household.objects.filter(zone=zone).count(),
        "branches": PartyBranch.objects.filter(zone=zone).count(),
        "applied": False,
    }
    if not apply:
        return preview
    with transaction.atomic():
        WorkZone.objects.select_for_update().filter(pk=zone.pk).update(town=to_town)
        Household.objects.filter(zone=zone).update(town=to_town)
        PartyBranch.objects.filter(zone=zone).update(town=to_town)
    zone.refresh_from_db()
    preview["applied"] = True
    return preview
