"""Writes for towns and work zones. Moves that carry villages, households and branches along are
cross-level: ``organization.services``."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.records import ArchiveRefused, is_archivable, record_archive

from .models import OfficeKind, WorkZone, ZoneOffice


@transaction.atomic
def zone_create(*, town, name: str, brand: str = "") -> WorkZone:
    """A work zone comes with its five offices; not under an archived town."""
    if town.archived_at is not None:
        raise ValidationError({"town": f"街道(镇)“{town.name}”已归档，不能在其下新增工作区。"})
    zone = WorkZone(town=town, name=name, brand=brand)
    zone.full_clean()
    zone.save()
    ZoneOffice.objects.bulk_create([ZoneOffice(zone=zone, kind=kind) for kind in OfficeKind.values])
    return zone


@transaction.atomic
def zone_archive(zone: WorkZone) -> WorkZone:
    """Archive a work zone (soft). Refused while villages hang under it: once villages are archivable
    ``record_archive`` counts the active ones; until then every village counts."""
    villages = zone.villages.all()  # the reverse relation: zones import no higher app
    if not is_archivable(villages.model) and villages.exists():
        raise ArchiveRefused(
            f"不能归档：其下还有未归档的记录（{villages.model._meta.verbose_name} {villages.count()} 条），请先迁出或归档。")
    return record_archive(zone)
