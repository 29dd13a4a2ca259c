"""Writes for towns and work zones. Moves that carry villages, households and branches along are
cross-level: ``organization.services``."""
from __future__ import annotations

from django.db import transaction

from .models import OfficeKind, WorkZone, ZoneOffice


@transaction.atomic
def zone_create(*, town, name: str, brand: str = "") -> WorkZone:
    """A work zone comes with its five offices."""
    zone = WorkZone(town=town, name=name, brand=brand)
    zone.full_clean()
    zone.save()
    ZoneOffice.objects.bulk_create([ZoneOffice(zone=zone, kind=kind) for kind in OfficeKind.values])
    return zone
