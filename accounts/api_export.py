"""Every list as an xlsx file: ``ExportMixin`` adds GET ``…/export/`` to a list viewset.

The export is the list itself, as a file: the same scoped queryset, filters, search and ordering as
GET ``…/`` with the same query string (no paging), the serializer's readable fields as columns under
their Chinese labels. Personal data stays masked (write-only inputs such as ``phone`` / ``id_number``
are never columns); ``reveal=true`` puts the full values in the masked columns, for roles that may reveal
on every exported row (otherwise 403), and is logged as one reveal with its row count. Every export is
one row of the security log (who, which list, which filters, how many rows).

Above ``settings.LIST_EXPORT_MAX_ROWS`` rows the export is refused (400, asking for narrower filters);
below it, rows are read from PostgreSQL in chunks of ids and written row by row (openpyxl write-only) to a
temporary file, which streams to the client (FileResponse).
"""
from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError

from core.listing import values_plan

from .exports import rows_xlsx
from .models import SecurityAction
from .scoping import REVEAL_ROLES, user_scope
from .services import security_event_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
# never columns, whatever a serializer says: ciphertexts, hashes, and the birth date (with the masked ID
# number it is the ID number; see core.pii.mask_id_number)
FORBIDDEN = ("encrypted", "hash", "birth_date")


def _masked_base(field) -> str | None:
    source = field.source or ""
    return source[: -len("_masked")] if source.endswith("_masked") and "." not in source else None


def _reveal_values(obj) -> dict:
    """The full values of a row's masked fields, through the model's own reveal method."""
    if hasattr(obj, "reveal"):
        return obj.reveal()
    return {name[len("reveal_"):]: getattr(obj, name)() for name in dir(type(obj))
            if name.startswith("reveal_") and callable(getattr(obj, name))}


def _can_reveal_model(model) -> bool:
    return hasattr(model, "reveal") or any(name.startswith("reveal_") for name in dir(model))


class ExportQuerySerializer(serializers.Serializer):
    reveal = serializers.BooleanField(required=False, default=False, label="导出完整电话/身份证号（留痕）")


def _recorded_filters(request, filterset_class) -> dict:
    """The query parameters the security log records as an export's filters: the list's own (filterset
    fields, their range halves, search and ordering), NULs removed (PostgreSQL's JSON cannot hold them)."""
    known = {"search", "ordering", "q"}
    for name in getattr(filterset_class, "base_filters", {}) if filterset_class else {}:
        known |= {name, f"{name}_after", f"{name}_before", f"{name}_min", f"{name}_max"}
    filters = {}
    for key, values in request.query_params.lists():
        values = [v.replace("\x00", "")[:200] for v in values if v]
        if key in known and values:
            filters[key] = values if len(values) > 1 else values[0]
    return filters


class ExportMixin:
    """Mix into a ScopedViewSet (before it): GET …/export/ gives the list with its current filters as xlsx.

    Optional: ``export_fields`` (names of serializer fields, in order) when not every field should be a
    column; ``export_title`` (the sheet and file name; default: the model's verbose_name_plural).
    """

    export_fields: list[str] | None = None
    export_title: str | None = None

    def _export_columns(self, serializer_class, model):
        fields = serializer_class().fields
        names = self.export_fields or list(fields)
        columns = []
        for name in names:
            field = fields[name]
            source = field.source or name
            if field.write_only or any(word in source or word in name for word in FORBIDDEN):
                continue
            columns.append((name, field))
        return columns

    @extend_schema(
        summary="导出 Excel（xlsx）",
        description=(
            "与列表相同的筛选、搜索与排序（不分页），列为列表的各字段（中文表头），个人信息脱敏。"
            "reveal=true：可查看完整个人信息的角色（街道、工作区、村干部）导出完整电话/身份证号，"
            "须所有导出行都在其可查看范围内，否则 403；每次导出（及查看完整信息）都记入安全日志，含行数与筛选条件。"
            "超过单次导出上限（LIST_EXPORT_MAX_ROWS，默认 200000 行）时 400。"
        ),
        filters=True,
        parameters=[ExportQuerySerializer],
        responses={
            (200, XLSX): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="超过单次导出上限、该列表无可查看的完整信息，或筛选条件有误"),
            403: OpenApiResponse(description="无权导出完整个人信息"),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None, url_path="export")
    def export(self, request, *args, **kwargs):
        # The export is the list: viewsets that read or serialize lists differently (lighter joins, a list
        # serializer) do the same here. Permissions were checked for this action already.
        self.action = "list"
        reveal = self.query_params(ExportQuerySerializer)["reveal"]
        queryset = self.filter_queryset(self.get_queryset())
        model = queryset.model
        serializer_class = self.get_serializer_class()
        columns = self._export_columns(serializer_class, model)
        masked = {name: _masked_base(field) for name, field in columns if _masked_base(field)}

        scope = user_scope(request.user)
        if reveal:
            if not scope.can_reveal():
                raise PermissionDenied("您的角色不能查看完整个人信息。")
            if not masked or not _can_reveal_model(model):
                raise ValidationError({"reveal": "该列表没有可查看的完整个人信息。"})
        limit = settings.LIST_EXPORT_MAX_ROWS
        ids = list(queryset.values_list("pk", flat=True)[: limit + 1])
        if len(ids) > limit:
            raise DjangoValidationError(f"筛选结果超过单次导出上限 {limit} 条，请增加筛选条件后分批导出。")
        if reveal:
            allowed = model._default_manager.filter(scope.q(model, roles=REVEAL_ROLES, owner=False)).values("pk")
            if queryset.filter(~Q(pk__in=allowed)).exists():
                raise PermissionDenied("部分导出行不在您可查看完整个人信息的范围内，请缩小筛选范围。")

        # sheet titles and file names may not hold \ / * ? : [ ] ("村/社区")
        title = re.sub(r"[\\/*?:\[\]]", "-", self.export_title or str(model._meta.verbose_name_plural))
        target, count = rows_xlsx(title, [str(field.label or name) for name, field in columns],
                                  self._export_rows(ids, serializer_class, model, columns, masked if reveal else {}))
        filters = _recorded_filters(request, getattr(self, "filterset_class", None))
        security_event_record(action=SecurityAction.EXPORT, request=request, object_type=model._meta.label_lower,
                              detail={"format": "xlsx", "filters": filters, "rows": count, "reveal": reveal})
        if reveal:
            security_event_record(action=SecurityAction.PII_REVEAL, request=request, object_type=model._meta.label_lower,
                                  detail={"fields": sorted(set(masked.values())), "rows": count, "export": True,
                                          "filters": filters})
        name = f"{title}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        response = FileResponse(target, content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response

    def _export_rows(self, ids, serializer_class, model, columns, reveal_columns):
        plan = values_plan(serializer_class, model)
        names = [name for name, _field in columns]
        choice_labels = {name: dict(field.choices) for name, field in columns
                         if isinstance(field, serializers.ChoiceField)}
        list_labels = {name: dict(field.child.choices) for name, field in columns
                       if isinstance(field, serializers.ListField) and isinstance(field.child, serializers.ChoiceField)}
        base = self.get_queryset()
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            if plan is not None:
                _lookups, page_rows, build_page = plan
                rows = page_rows(chunk)
                present = [pk for pk in chunk if pk in rows]
                data = build_page([rows[pk] for pk in present])
            else:
                objects = base.in_bulk(chunk)
                present = [pk for pk in chunk if pk in objects]
                data = self.get_serializer([objects[pk] for pk in present], many=True).data
            full = {}
            if reveal_columns:
                full = {obj.pk: _reveal_values(obj) for obj in model._default_manager.filter(pk__in=chunk)}
            for pk, item in zip(present, data):
                row = []
                for name in names:
                    value = item.get(name)
                    if name in reveal_columns:
                        value = full.get(pk, {}).get(reveal_columns[name], value)
                    elif name in choice_labels and value is not None:
                        value = choice_labels[name].get(value, value)
                    elif name in list_labels and isinstance(value, list):
                        value = [list_labels[name].get(v, v) for v in value]
                    row.append(value)
                yield row
