"""Writes of an Excel import: preview (an ImportBatch with every bad row, nothing else written), then commit.

The commit re-reads the stored rows against the database as it is now, inside one transaction, and
writes everything through the apps' services (households_create for new households, set-based, and
household_update / household_set_people, member_create, household_link_create, record_create), so their
domain events fire as for a hand-entered record (new households' once per chunk); any
error (a row that became bad since the preview, a service refusing) rolls back every row.
"""
from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.scoping import user_scope

from .kinds import KINDS, Kind
from .models import ImportBatch, ImportStatus
from .sheets import build_template, read_rows

ERRORS_KEPT = 20_000  # a preview keeps this many error rows (the count is always exact)


class CommitRefused(Exception):
    """The batch cannot be committed (already committed, file changed, data changed since the preview): 409."""


def kind_of(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValidationError({"kind": f"未知的导入类型“{key}”，应为{'、'.join(KINDS)}之一。"}) from None


def _check_allowed(kind: Kind, user) -> None:
    if not kind.allowed(user):
        raise PermissionDenied(f"您无权导入{kind.title}。")


def template_for(*, user, kind: str) -> tuple[str, bytes]:
    spec = kind_of(kind)
    _check_allowed(spec, user)
    context = spec.context(user)
    content = build_template(title=spec.title, columns=spec.columns, example=spec.example(context),
                             context=context, notes=spec.notes)
    return f"{spec.title}导入模板.xlsx", content


def _place(user) -> dict:
    """The uploader's highest node (who else reads the batch: that node and above)."""
    best = None
    order = {None: 0, "town": 1, "zone": 2, "village": 3, "natural_village": 4, "grid": 5}
    for grant in user_scope(user).grants:
        if best is None or order[grant.level] < order[best.level]:
            best = grant
    if best is None or best.level is None:
        return {}
    chain = best.chain
    place = {"town_id": chain.get("town"), "zone_id": chain.get("zone")}
    if best.level in ("village", "natural_village", "grid"):
        place["village_id"] = chain.get("village")
    return place


def _counts(plan) -> dict:
    return {"create_count": len(plan.creates), "update_count": len(plan.updates),
            "unchanged_count": plan.unchanged, "error_count": len(plan.errors)}


def batch_preview(*, user, kind: str, file_name: str, content: bytes) -> ImportBatch:
    """Read and check every row of an uploaded file; store the batch (its rows, counts and errors)."""
    spec = kind_of(kind)
    _check_allowed(spec, user)
    rows = read_rows(content, spec.columns, sheet_title=spec.title)
    plan = spec.plan(user, rows)
    return ImportBatch.objects.create(
        kind=spec.key, file_name=file_name[:200], file_sha256=hashlib.sha256(content).hexdigest(),
        file_size=len(content), rows=rows, row_count=len(rows["data"]),
        status=ImportStatus.INVALID if plan.errors else ImportStatus.READY,
        errors=plan.sorted_errors()[:ERRORS_KEPT], created_by=user, **_counts(plan), **_place(user),
    )


def batch_commit(*, user, batch: ImportBatch, file_sha256: str | None = None) -> ImportBatch:
    """Write the previewed rows, all or nothing. Refused when the preview had errors, the batch is committed
    already, the file named is not the previewed one, or the data changed since the preview."""
    spec = kind_of(batch.kind)
    _check_allowed(spec, user)
    if batch.created_by_id != user.pk:
        raise PermissionDenied("只有上传人可以确认导入。")
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportStatus.COMMITTED:
            raise CommitRefused("该文件已经导入，不能重复导入。")
        if batch.status == ImportStatus.INVALID:
            raise ValidationError({"file": f"预览中有{batch.error_count}处错误：请修改文件后重新上传预览，再确认导入。"})
        if file_sha256 and file_sha256 != batch.file_sha256:
            raise CommitRefused("文件已变化：请重新上传该文件预览后再确认导入。")
        plan = spec.plan(user, batch.rows)
        if plan.errors or _counts(plan) != _counts_of(batch):
            refused = plan.errors
        else:
            refused = None
            spec.apply(plan, user=user)
            batch.status = ImportStatus.COMMITTED
            batch.committed_at = timezone.now()
            batch.save(update_fields=["status", "committed_at"])
    if refused is not None:  # outside the rolled-back block: the batch keeps what the data say now
        batch.errors = sorted(refused, key=lambda e: (e["row"], e["column"]))[:ERRORS_KEPT]
        batch.status = ImportStatus.INVALID if refused else ImportStatus.READY
        for name, value in _counts(plan).items():
            setattr(batch, name, value)
        batch.save()
        raise CommitRefused("预览之后数据已有变化：请查看最新的预览结果后再确认导入。")
    return batch


def _counts_of(batch: ImportBatch) -> dict:
    return {"create_count": batch.create_count, "update_count": batch.update_count,
            "unchanged_count": batch.unchanged_count, "error_count": batch.error_count}
