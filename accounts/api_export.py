"""Every list as an xlsx file: ``ExportMixin`` adds GET ``…/export/`` to a list viewset.

The export is the list itself, as a file: the same scoped queryset, filters, search and ordering as
GET ``…/`` with the same query string (no paging), the serializer's readable fields as columns under
their Chinese labels. Personal data stays masked (write-only inputs such as ``phone`` / ``id_number``
are never columns); ``reveal=true`` puts the full values in the masked columns, for roles that may reveal
on every exported row (otherwise 403), and is logged as one reveal with its row count. Every export is
one row of the security log (who, which list, which filters, how many rows).

Above ``settings.LIST_EXPORT_MAX_ROWS`` rows the export is refused (400, asking for narrower filters);
below it, rows are read from PostgreSQL in chunks of ids and written row by row (openpyxl write-only) to a
temporary file, which streams to the client (FileResponse). Above ``settings.LIST_EXPORT_ASYNC_ROWS`` the
answer is 202 and a worker writes the file (``accounts.tasks.export_list`` → ``background_export``): it
rebuilds the same viewset for the same user and query string, so scope, filters, masking and the reveal
checks are those of that moment, and stores the file privately (``accounts.exports``) for the inbox's link
to ``GET /api/exports/{token}/`` (the owner only, until it expires).

``stats_export`` gives a dashboard or statistics action an ``…/export/`` twin in one line: the same
action's answer, as the sheets of an xlsx file.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, QueryDict
from django.urls import re_path
from django.utils.module_loading import import_string
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from kombu.exceptions import KombuError
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import client_address
from core.listing import values_plan

from .exports import (EXPORT_NOTIFIERS, ExportExpired, export_file_discard, export_file_finish, export_file_get,
                      export_file_open_for_writing, export_token, rows_xlsx, tables_xlsx)
from .models import SecurityAction
from .permissions import AuthenticatedOnly
from .scoping import REVEAL_ROLES, user_scope
from .services import security_event_record

logger = logging.getLogger("accounts.exports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ASYNC_MESSAGE = "导出已开始，完成后在消息中心提供下载链接。"
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


@dataclass
class _Plan:
    ids: list
    model: type
    serializer_class: type
    columns: list
    masked: dict
    reveal: bool
    title: str
    file_name: str


class ServiceUnavailable(APIException):
    status_code = 503
    default_detail = "服务暂不可用，请稍后重试。"


class ExportQueuedSerializer(serializers.Serializer):
    detail = serializers.CharField(label="提示")
    rows = serializers.IntegerField(label="行数")
    token = serializers.CharField(label="下载编号")


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
            "超过 LIST_EXPORT_ASYNC_ROWS（默认 20000）行时转为后台导出：202，完成后在消息中心提供下载链接"
            "（GET /api/exports/{token}/，仅本人、有效期 EXPORT_FILE_DAYS 天）；后台任务按当时的管辖范围重新查询。"
            "超过单次导出上限（LIST_EXPORT_MAX_ROWS，默认 200000 行）时 400。"
        ),
        filters=True,
        parameters=[ExportQuerySerializer],
        responses={
            (200, XLSX): OpenApiTypes.BINARY,
            202: ExportQueuedSerializer,
            400: OpenApiResponse(description="超过单次导出上限、该列表无可查看的完整信息，或筛选条件有误"),
            403: OpenApiResponse(description="无权导出完整个人信息"),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None, url_path="export")
    def export(self, request, *args, **kwargs):
        reveal = self.query_params(ExportQuerySerializer)["reveal"]
        plan = self._export_plan(reveal)
        if len(plan.ids) > settings.LIST_EXPORT_ASYNC_ROWS:
            token = export_token()
            from .tasks import export_list

            try:
                export_list.delay(
                    user_id=request.user.pk, viewset=f"{type(self).__module__}.{type(self).__qualname__}",
                    query={key: values for key, values in request.query_params.lists()}, reveal=reveal, token=token,
                    address=client_address(request))
            except (OSError, KombuError) as exc:  # the broker is down: say so, rather than a 500
                logger.exception("export: the task could not be queued")
                raise ServiceUnavailable("后台导出暂不可用，请稍后重试，或增加筛选条件后直接导出。") from exc
            return Response({"detail": ASYNC_MESSAGE, "rows": len(plan.ids), "token": token}, status=202)
        target, count = self._export_write(plan)
        response = FileResponse(target, content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(plan.file_name)}"
        return response

    def _export_plan(self, reveal: bool) -> "_Plan":
        """What the export holds, checked: the list's queryset for the request's user and filters, its
        columns, and the ids (refused above the limit, or when a reveal reaches rows outside the user's
        reveal scope). The web request and the worker's run both start here."""
        # The export is the list: viewsets that read or serialize lists differently (lighter joins, a list
        # serializer) do the same here. Permissions were checked for this action already.
        self.action = "list"
        request = self.request
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
        return _Plan(ids=ids, model=model, serializer_class=serializer_class, columns=columns, masked=masked,
                     reveal=reveal, title=title, file_name=f"{title}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")

    def _export_write(self, plan: "_Plan", *, target=None, background: bool = False):
        """Write the planned rows (masked unless revealed) to `target` (default: a temporary file) and log
        the export, and the reveal with its row count, in the security log."""
        request = self.request
        target, count = rows_xlsx(
            plan.title, [str(field.label or name) for name, field in plan.columns],
            self._export_rows(plan.ids, plan.serializer_class, plan.model, plan.columns,
                              plan.masked if plan.reveal else {}),
            target=target)
        filters = _recorded_filters(request, getattr(self, "filterset_class", None))
        extra = {"background": True} if background else {}
        label = plan.model._meta.label_lower
        security_event_record(action=SecurityAction.EXPORT, request=request, object_type=label,
                              detail={"format": "xlsx", "filters": filters, "rows": count, "reveal": plan.reveal,
                                      **extra})
        if plan.reveal:
            security_event_record(action=SecurityAction.PII_REVEAL, request=request, object_type=label,
                                  detail={"fields": sorted(set(plan.masked.values())), "rows": count, "export": True,
                                          "filters": filters, **extra})
        return target, count

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


# --- large exports in the background ---------------------------------------------------------------------


def _view_for(viewset: str, user, query: dict, address: str | None):
    """The viewset `viewset` (dotted path) as it answers GET …/export/?<query> for `user`."""
    cls = import_string(viewset)
    if not (isinstance(cls, type) and issubclass(cls, ExportMixin)):
        raise ImproperlyConfigured(f"{viewset} is not an exporting viewset")
    http = HttpRequest()
    http.method = "GET"
    http.META["REMOTE_ADDR"] = address or ""
    http.GET = QueryDict(mutable=True)
    for key, values in query.items():
        http.GET.setlist(key, values if isinstance(values, list) else [values])
    view = cls(action_map={"get": "export"}, args=(), kwargs={}, format_kwarg=None)
    view.action = "export"
    view.headers = {}
    request = view.initialize_request(http)
    request.user = user  # no authentication runs: the worker acts for the user who asked
    view.request = request
    return view


def background_export(*, user_id: int, viewset: str, query: dict, reveal: bool, token: str,
                      address: str | None = None) -> dict:
    """The worker's part of a large export: the user's scope, permissions and reveal rights as they are now,
    the rows of the same filters, masked unless revealed, written to the user's private file; the export (and
    a reveal with its row count) logged; the user told through the inbox (a link, or why it failed)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return {"status": "skipped", "reason": "user inactive"}
    view = _view_for(viewset, user, query, address)
    title = view.export_title or str(view.get_scoped_queryset().model._meta.verbose_name_plural)
    try:
        view.check_permissions(view.request)
        plan = view._export_plan(reveal)
        title = plan.title
        with transaction.atomic():
            with export_file_open_for_writing(user.pk, token) as target:
                _target, count = view._export_write(plan, target=target, background=True)
            stored = export_file_finish(user.pk, token, name=plan.file_name, rows=count)
            _tell(user=user, token=token, ok=True, title=f"导出完成：{title}",
                  body=f"共 {count} 行，{settings.EXPORT_FILE_DAYS} 天内可点击下载（仅限本人）。")
    except (APIException, DjangoPermissionDenied, DjangoValidationError) as exc:
        export_file_discard(user.pk, token)
        reason = _reason(exc)
        _tell(user=user, token=token, ok=False, title=f"导出失败：{title}", body=reason)
        return {"status": "failed", "reason": reason}
    except BaseException:
        export_file_discard(user.pk, token)
        raise
    return {"status": "done", "rows": stored.rows, "token": token}


def _reason(exc) -> str:
    detail = getattr(exc, "detail", None)
    if detail is None:
        detail = getattr(exc, "messages", None) or str(exc)
    if isinstance(detail, dict):
        detail = [item for value in detail.values() for item in (value if isinstance(value, list) else [value])]
    if isinstance(detail, list):
        detail = "；".join(str(item) for item in detail)
    return str(detail)[:500]


def _tell(*, user, token: str, ok: bool, title: str, body: str) -> None:
    for notifier in EXPORT_NOTIFIERS:
        notifier(user=user, token=token, ok=ok, title=title[:100], body=body,
                 link=f"/api/exports/{token}/" if ok else "")


class ExportDownloadView(APIView):
    """后台导出文件的下载（消息中心里的链接）：仅本人，有效期内。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(
        summary="下载后台导出的文件",
        responses={(200, XLSX): OpenApiTypes.BINARY,
                   404: OpenApiResponse(description="文件不存在或不是本人的导出"),
                   410: OpenApiResponse(description="已过期（已删除），请重新导出")},
    )
    def get(self, request, token):
        try:
            stored = export_file_get(request.user, token)
        except ExportExpired:
            return Response({"detail": f"下载链接已过期（{settings.EXPORT_FILE_DAYS} 天），文件已删除，请重新导出。"},
                            status=410)
        if stored is None:
            raise Http404("文件不存在，或不是您的导出。")
        response = FileResponse(stored.path.open("rb"), content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stored.name)}"
        return response


# --- dashboards and statistics tables as xlsx -----------------------------------------------------------


def _dig(data, path: str):
    for part in path.split(".") if path else []:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def stats_tables(serializer_class) -> list[tuple]:
    """The tables of a statistics answer, from its serializer: the plain fields as one row (sheet 概况), each
    nested serializer (a list, or one object such as a total) as a sheet of its own, under the labels."""
    fields = serializer_class().fields

    def columns(serializer):
        return [(name, str(field.label or name)) for name, field in serializer.fields.items()]

    tables, plain = [], []
    for name, field in fields.items():
        if isinstance(field, serializers.ListSerializer):
            tables.append((str(field.label or name), name, columns(field.child)))
        elif isinstance(field, serializers.BaseSerializer):
            tables.append((str(field.label or name), name, columns(field)))
        else:
            plain.append((name, str(field.label or name)))
    return ([("概况", "", plain)] if plain else []) + tables


def stats_export(source: str, *, title: str, serializer=None, tables: list[tuple] | None = None):
    """An ``…/<source>/export/`` action beside a viewset's statistics action `source`, in one line::

        dashboard_export = stats_export("dashboard", title="走访看板", serializer=serializers.DashboardSerializer)

    It calls the action itself (same scope, query parameters and checks) and writes its answer as the sheets
    of an xlsx file: by default from the answer's `serializer` (see ``stats_tables``), or the given `tables`
    — (sheet title, where the rows are in the answer: a dotted key, "" for the answer itself; a dict becomes
    one row —, [(key, header), …]). The export is one row of the security log. The figures are counts, never
    personal data.
    """
    if tables is None:
        tables = stats_tables(serializer)

    def export_action(self, request, *args, **kwargs):
        self.action = source
        for name, value in getattr(getattr(type(self), source), "kwargs", {}).items():
            if name in ("filter_backends", "pagination_class"):  # as the action itself runs
                setattr(self, name, value)
        answer = getattr(self, source)(request, *args, **kwargs)
        if answer.status_code != 200:
            return answer
        return stats_xlsx_response(request, title=title, data=answer.data, tables=tables,
                                   object_type=self.scope_model._meta.label_lower)

    # DRF routes GET to the method of this name: the attribute the viewset assigns it to
    export_action.__name__ = export_action.__qualname__ = f"{source}_export"
    decorate = action(detail=False, methods=["get"], url_path=f"{source.replace('_', '-')}/export",
                      pagination_class=None, url_name=f"{source.replace('_', '-')}-export")
    schema = extend_schema(summary=f"导出 Excel：{title}", responses={(200, XLSX): OpenApiTypes.BINARY}, filters=False)
    return schema(decorate(export_action))


def stats_xlsx_response(request, *, title: str, data, tables: list[tuple], object_type: str = "") -> FileResponse:
    """`data` (a statistics answer) as an xlsx file of `tables` (see ``stats_export``), logged as an export."""
    sheets = []
    for sheet_title, where, columns in tables:
        rows = _dig(data, where)
        if isinstance(rows, dict):
            rows = [rows]
        sheets.append((sheet_title, [label for _key, label in columns],
                       [[_dig(row, key) for key, _label in columns] for row in rows or []]))
    target, count = tables_xlsx(sheets)
    security_event_record(action=SecurityAction.EXPORT, request=request, object_type=object_type,
                          detail={"format": "xlsx", "table": title, "rows": count,
                                  "filters": {k: v[:200] for k, v in request.GET.items()}})
    name = re.sub(r"[\\/*?:\[\]]", "-", f"{title}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
    response = FileResponse(target, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


URLS = [re_path(r"^exports/(?P<token>[0-9a-f]{32})/$", ExportDownloadView.as_view(), name="export-download")]
