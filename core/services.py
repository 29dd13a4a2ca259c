"""Writes owned by core: the personal-data key canaries and key rotation."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pgtrigger
from django.db import connection, transaction

from core import pii


def _canary_row(key: pii.PiiKey):
    from core.models import PiiCanary

    return PiiCanary(key_id=key.id, ciphertext=key.fernet.encrypt(pii.CANARY_TEXT.encode()).decode(),
                     digest=pii._hmac(key, pii.CANARY_TEXT))


def _holds_protected_data() -> bool:
    return any(model._base_manager.exclude(**{f"{field}_hash": ""}).exists()
               for model, fields in pii.protected_models() for field in fields)


@transaction.atomic
def pii_canary_ensure() -> list[str]:
    """Record the newest key (and, the first time on a database that already holds data, every key).

    A canary row says "data under this key may exist here": the start-up check then requires
    the key. The first time, we cannot tell which configured key wrote the data already there,
    so every key of the ring is recorded; pii_rotate retires the old ones once nothing uses them.
    Returns the key ids recorded now.
    """
    from core.models import PiiCanary

    if PiiCanary._meta.db_table not in connection.introspection.table_names():
        return []
    existing = set(PiiCanary.objects.values_list("key_id", flat=True))
    ring = pii.key_ring()
    wanted = ring if not existing and _holds_protected_data() else ring[:1]
    new = [_canary_row(key) for key in wanted if key.id not in existing]
    PiiCanary.objects.bulk_create(new, ignore_conflicts=True)
    return [canary.key_id for canary in new]


# --- Rotation ------------------------------------------------------------------------------

@dataclasses.dataclass
class RotationTarget:
    """One protected field of one table: the live model or its pghistory event table."""

    model: type
    field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


def rotation_targets() -> list[RotationTarget]:
    """Every table holding a ciphertext and hash of personal data, audit copies included.

    The pghistory event tables keep copies of old values; leaving them under a retired key
    would make that key necessary forever (and keep a leaked key useful), so they rotate too.
    """
    from django.apps import apps

    targets = [RotationTarget(model, field) for model, fields in pii.protected_models() for field in fields]
    tracked = {model: fields for model, fields in pii.protected_models()}
    for model in apps.get_models():
        fields = tracked.get(getattr(model, "pgh_tracked_model", None), ())
        names = {f.name for f in model._meta.get_fields()}
        targets += [RotationTarget(model, field) for field in fields
                    if f"{field}_encrypted" in names and f"{field}_hash" in names]
    return targets


def _stale_filter(field: str, primary: str) -> tuple[str, list]:
    # left(…) rather than LIKE: a key id may contain "_", a LIKE wildcard.
    prefix = f"{primary}{pii.HASH_SEPARATOR}"
    return (f'"{field}_hash" <> \'\' AND left("{field}_hash", %s) <> %s', [len(prefix), prefix])


def pii_stale_count(target: RotationTarget) -> int:
    """Rows of a target whose protected field is not yet under the newest key."""
    where, params = _stale_filter(target.field, pii.primary_key_id())
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{target.model._meta.db_table}" WHERE {where}', params)
        return cursor.fetchone()[0]


def _rotate_batch(target: RotationTarget, after, batch_size: int, uris: list[str]) -> tuple[int, object, int]:
    """Re-encrypt and re-hash one batch; returns (rows read, last key read, rows written)."""
    table, pk = target.model._meta.db_table, target.model._meta.pk.column
    enc, hsh = f"{target.field}_encrypted", f"{target.field}_hash"
    where, params = _stale_filter(target.field, pii.primary_key_id())
    with transaction.atomic(), pgtrigger.ignore(*uris), connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "{pk}", "{enc}", "{hsh}" FROM "{table}" WHERE "{pk}" > %s AND {where} ORDER BY "{pk}" LIMIT %s',
            [after, *params, batch_size],
        )
        rows = cursor.fetchall()
        if not rows:
            return 0, after, 0
        values = []
        for row_pk, token, old_hash in rows:
            plain = pii.decrypt(token)  # raises when the key that wrote it is no longer configured
            values += [row_pk, pii.encrypt(plain), pii.keyed_hash(plain), old_hash]
        placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
        # Only rows unchanged since they were read: a service may have rewritten one meanwhile
        # (under the newest key already), and it must not be overwritten with the old value.
        cursor.execute(
            f'UPDATE "{table}" AS t SET "{enc}" = v.enc, "{hsh}" = v.hsh '
            f'FROM (VALUES {placeholders}) AS v(pk, enc, hsh, old_hsh) '
            f'WHERE t."{pk}" = v.pk AND t."{hsh}" = v.old_hsh',
            values,
        )
        return len(rows), rows[-1][0], cursor.rowcount


@dataclasses.dataclass
class RotationResult:
    rotated: int = 0
    remaining: int = 0
    retired_keys: list[str] = dataclasses.field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.remaining == 0


def pii_rotate(*, batch_size: int = 1000, limit: int | None = None,
               progress: Callable[[str], None] = lambda line: None) -> RotationResult:
    """Move every protected field of every table onto the newest key of PII_KEYS.

    Batches of ``batch_size`` rows, each in its own short transaction, so live traffic is not
    blocked and an interruption loses at most one batch. Resumable: rows already under the
    newest key are skipped, so a re-run continues where the last stopped. ``limit`` stops after
    that many rows (an operator's dry step; the tests' interruption). The audit triggers are
    ignored: a rotation changes no personal data, and 300,000 "hash changed" events would bury
    the real ones. When nothing is left on an older key, the older keys' canaries are retired,
    so those keys may be removed from PII_KEYS.
    """
    from core.models import PiiCanary

    pii_canary_ensure()
    uris = [f"{model._meta.label}:{trigger.name}" for model, trigger in pgtrigger.registry.registered()]
    result = RotationResult()
    primary = pii.primary_key_id()
    for target in rotation_targets():
        total = pii_stale_count(target)
        if not total:
            continue
        progress(f"{target.label}：{total} 行待换用密钥“{primary}”")
        done, after = 0, 0
        while limit is None or result.rotated < limit:
            size = batch_size if limit is None else min(batch_size, limit - result.rotated)
            read, after, written = _rotate_batch(target, after, size, uris)
            if not read:
                break
            done += written
            result.rotated += written
            progress(f"  {target.label}：{done}/{total}")
    result.remaining = sum(pii_stale_count(target) for target in rotation_targets())
    if result.complete:
        retired = PiiCanary.objects.exclude(key_id=primary)
        result.retired_keys = sorted(retired.values_list("key_id", flat=True))
        retired.delete()
    return result
