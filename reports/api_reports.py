"""The reports' API: ``/api/reports/`` (open, edit, attach, submit, return, approve, timeline, outputs) and
``/api/reports/completeness/``."""
from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.api_base import ScopedViewSet
from accounts.api_export import XLSX
from accounts.scoping import user_scope
from core.metrics import MetricError, Period
from zones.models import Town

from . import figures, serializers, services
from .outputs import download
from .models import Report, ReportAttachment, ReportState
from .selectors import completeness


def figure_rows(report: Report) -> tuple[list[dict], list[str]]:
    """Every figure of the report: the report's value (frozen once submitted), the live one and last year's."""
    codes = figures.report_codes()
    live = figures.live_values(report, codes)
    previous = figures.previous_year_values(report, codes)
    frozen = report.figures if report.frozen_at else None
    rows = []
    for m in figures.ordered_metrics():
        value = frozen.get(m.code) if frozen is not None else live[m.code]
        rows.append({"code": m.code, "name": m.name, "definition": m.definition, "unit": m.unit, "group": m.group,
                     "headline": m.code in figures.HEADLINE,
                     "headline_rank": figures.HEADLINE.index(m.code) if m.code in figures.HEADLINE else None, "value": value, "live": live[m.code],
                     "previous": previous[m.code]})
    changed = []
    if frozen is not None and any(r["value"] != r["live"] for r in rows):
        changed = figures.changes_since(report, report.frozen_at)
    return rows, changed


class ReportViewSet(ScopedViewSet):
    """工作报告：工作区月报、年度工作总结（我们这一年）、街道(镇)年度报告。"""

    queryset = Report.objects.select_related("town", "zone")
    serializer_class = serializers.ReportSerializer
    filterset_fields = ["kind", "state", "town", "zone", "period"]
    ordering_fields = ["period_end", "updated_at", "due_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # a body in a media type the action does not take (the upload takes multipart, the steps JSON)
    error_statuses = {"attach": (415,), "submit": (415,), "return_": (415,), "approve": (415,)}

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.ReportListSerializer
        if self.action == "create":
            return serializers.ReportOpenSerializer
        if self.action == "partial_update":
            return serializers.ReportUpdateSerializer
        return serializers.ReportSerializer

    def detail_answer(self, report: Report, code=status.HTTP_200_OK) -> Response:
        report = self.get_scoped_queryset().prefetch_related("attachments", "steps__actor").get(pk=report.pk)
        rows, changed = figure_rows(report)
        scope_user = self.request.user
        editable = report.state in services.EDITABLE and user_scope(scope_user).filter(
            Report.objects.filter(pk=report.pk), write=True).exists()
        context = {**self.get_serializer_context(), "figures": rows, "changes_since": changed,
                   "may_edit": editable, "may_review": report.state == ReportState.SUBMITTED
                   and services.may_review(report, scope_user)}
        return Response(serializers.ReportSerializer(report, context=context).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self.detail_answer(self.get_object())

    @extend_schema(summary="打开（或新建）一份报告", request=serializers.ReportOpenSerializer,
                   responses={200: serializers.ReportSerializer, 201: serializers.ReportSerializer})
    def create(self, request, *args, **kwargs):
        """某节点某统计期的报告：已有则返回（200），否则新建草稿（201），指标从指标库实时读取。"""
        params = serializers.ReportOpenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        report, created = services.report_open(kind=data["kind"], node_id=data["node"], period=data["period"],
                                               by=request.user)
        return self.detail_answer(report, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="修改报告（草稿或被退回时）", request=serializers.ReportUpdateSerializer,
                   responses=serializers.ReportSerializer)
    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        params = serializers.ReportUpdateSerializer(report, data=request.data, partial=True,
                                                    context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        services.report_update(report=report, by=request.user, **params.validated_data)
        return self.detail_answer(report)

    def _step(self, request, service, **extra):
        params = serializers.ReviewSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        report = service(report=self.get_object(), by=request.user, comment=params.validated_data["comment"], **extra)
        return self.detail_answer(report)

    @extend_schema(summary="提交（冻结指标）", request=serializers.ReviewSerializer, responses=serializers.ReportSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def submit(self, request, pk=None):
        return self._step(request, services.report_submit)

    @extend_schema(summary="退回（须写意见）", request=serializers.ReviewSerializer, responses=serializers.ReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", parser_classes=[JSONParser])
    def return_(self, request, pk=None):
        return self._step(request, services.report_return)

    @extend_schema(summary="审核通过", request=serializers.ReviewSerializer, responses=serializers.ReportSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def approve(self, request, pk=None):
        return self._step(request, services.report_approve)

    @extend_schema(summary="上传附件（照片或文件）", request={"multipart/form-data": serializers.UploadSerializer},
                   responses={201: serializers.ReportAttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser], url_path="attachments")
    def attach(self, request, pk=None):
        params = serializers.UploadSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        attachment = services.report_attach(report=self.get_object(), by=request.user, upload=params.validated_data["file"])
        return Response(serializers.ReportAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="下载附件", responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)", filter_backends=[],
            pagination_class=None)
    def attachment(self, request, pk=None, attachment_id=None):
        report = self.get_object()
        item = ReportAttachment.objects.filter(report=report, pk=attachment_id).first()
        if item is None:
            raise Http404
        response = FileResponse(item.file.open("rb"), content_type=item.content_type, as_attachment=not item.is_image,
                                filename=item.name)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(summary="删除附件", request=None, responses={204: None})
    @attachment.mapping.delete
    def detach(self, request, pk=None, attachment_id=None):
        report = self.get_object()
        item = ReportAttachment.objects.filter(report=report, pk=attachment_id).first()
        if item is None:
            raise Http404
        services.report_detach(attachment=item, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="报告指标导出 Excel（含上年同期）", responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def xlsx(self, request, pk=None):
        from .outputs import report_workbook

        report = self.get_object()
        rows, _ = figure_rows(report)
        return download(report_workbook(report, rows), XLSX, f"{report.title}.xlsx")

    @extend_schema(summary="报告 PDF（服务器生成）", responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def pdf(self, request, pk=None):
        from core.pdf import PdfUnavailable

        from .outputs import report_pdf

        report = self.get_object()
        try:
            content = report_pdf(report, figure_rows(report)[0], request)
        except PdfUnavailable as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return download(content, "application/pdf", f"{report.title}.pdf")

    @extend_schema(summary="报送情况（应报、已报、及时、已审核）", parameters=[serializers.CompletenessQuerySerializer],
                   responses=serializers.CompletenessSerializer, filters=False)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def completeness(self, request):
        params = self.query_params(serializers.CompletenessQuerySerializer)
        try:
            period = Period.parse(params["period"])
        except MetricError as exc:
            raise ValidationError({"period": [str(exc)]}) from exc
        towns = user_scope(request.user).filter(Town.objects.all())
        return Response(serializers.CompletenessSerializer(completeness(params["kind"], period, towns)).data)
