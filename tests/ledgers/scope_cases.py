"""Scope-matrix expectations for /api/imports/ (see tests/accounts/scope_world.py): import records hang on the
uploader's node; only the roles that import read them; they are never edited or deleted (uploads are
multipart, tested in test_imports.py)."""
from __future__ import annotations

from ledgers.models import ImportBatch
from tests.accounts.scope_world import VILLAGE_UP, Case


def _populate(world):
    user = world.roles["district"].user  # reads follow the batch's place, not its uploader
    for level in ("zone", "village"):
        for place in world.places_at(level):
            loc = place.loc
            batch = ImportBatch.objects.create(
                kind="households", status="ready", file_name=f"{place.key}.xlsx", file_sha256="0" * 64,
                rows={"columns": [], "data": []}, created_by=user, town_id=loc.get("town"), zone_id=loc.get("zone"),
                village_id=loc.get("village"))
            world.add(batch, {k: v for k, v in loc.items() if k in ("town", "zone", "village")})


def _readable(world, role):
    """As the hierarchy rule, through the grants of importing roles only (an API consumer's grant reads none)."""
    rows = world.rows.get(ImportBatch, {})
    out = set()
    for grant in role.grants:
        if grant.role not in VILLAGE_UP:
            continue
        if grant.place is None:
            return set(rows)
        out |= {pk for pk, loc in rows.items() if loc.get(grant.place.level) == grant.place.obj.pk}
    return out


CASES = {
    "imports": Case(model=ImportBatch, level="village", writers=VILLAGE_UP, readers=VILLAGE_UP, populate=_populate,
                    append_only=True, expect=_readable),
}
