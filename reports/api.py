"""The figures' API: ``GET /api/metrics/`` (the registry's definitions) and ``GET /api/metrics/values/``."""
from django.conf import settings
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_export import XLSX
from accounts.permissions import AuthenticatedOnly
from core import metrics
from core.metrics import MetricError, Period

from .exports import values_workbook
from .outputs import download
from .selectors import allowed_nodes, metric_values, parse_nodes


class MetricSerializer(serializers.Serializer):
    code = serializers.CharField(label="代码")
    name = serializers.CharField(label="名称")
    definition = serializers.CharField(label="口径")
    unit = serializers.CharField(label="单位")
    group = serializers.CharField(label="类别")


class ValuesQuerySerializer(serializers.Serializer):
    node = serializers.CharField(label="节点", help_text="district，或同一层级的节点：town:1、zone:12,zone:13、village:30")
    period = serializers.CharField(label="统计期", help_text="2026（年）、2026-Q4（季度）、2026-11（月）、2026-01-01..2026-03-31")
    codes = serializers.CharField(required=False, label="指标代码", help_text="逗号分隔；省略时返回全部指标")
    compare = serializers.BooleanField(required=False, default=False, label="同比", help_text="true：同时给出上年同期的值")

    def validate(self, attrs):
        try:
            attrs["period"] = Period.parse(attrs["period"])
            codes = [c.strip() for c in (attrs.get("codes") or "").split(",") if c.strip()]
            attrs["codes"] = [metrics.get(c).code for c in codes] or [m.code for m in metrics.all_metrics()]
            attrs["level"], attrs["ids"] = parse_nodes(attrs["node"])
        except MetricError as exc:
            field = str(exc).split("：", 1)[0]
            name = {"统计期": "period", "指标": "codes", "节点": "node"}.get(field, "non_field_errors")
            raise ValidationError({name: [str(exc)]}) from exc
        return attrs


class ValueSerializer(serializers.Serializer):
    node = serializers.CharField(label="节点")
    node_name = serializers.CharField(label="节点名称")
    code = serializers.CharField(label="指标代码")
    value = serializers.FloatField(allow_null=True, label="值")
    previous = serializers.FloatField(allow_null=True, required=False, label="上年同期")


class ValuesSerializer(serializers.Serializer):
    period = serializers.CharField(label="统计期")
    period_label = serializers.CharField(label="统计期名称")
    start = serializers.DateField(label="开始日期")
    end = serializers.DateField(label="结束日期")
    max_age = serializers.IntegerField(
        label="最长缓存秒数", help_text="值可能是这么多秒之内算出的（指标缓存，每几分钟预先计算）；0 表示实时计算。")
    values = ValueSerializer(many=True)


class MetricListView(APIView):
    """全部指标的定义：代码、名称、口径、单位（一个指标只定义一次）。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="指标定义", responses=MetricSerializer(many=True))
    def get(self, request):
        return Response(MetricSerializer(metrics.all_metrics(), many=True).data)


def _answer(request) -> tuple[dict, dict]:
    params = ValuesQuerySerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    data = params.validated_data
    try:
        nodes = allowed_nodes(request.user, data["level"], data["ids"])
    except MetricError as exc:
        raise ValidationError({"node": [str(exc)]}) from exc
    period = data["period"]
    rows = metric_values(nodes, data["codes"], period)
    if data["compare"]:
        previous = metric_values(nodes, data["codes"], period.shifted_years(-1))
        for row, before in zip(rows, previous):
            row["previous"] = before["value"]
    answer = {"period": period.key, "period_label": period.label, "start": period.start, "end": period.end,
              "max_age": settings.METRICS_CACHE_SECONDS, "values": rows}
    return ValuesSerializer(answer).data, data


class MetricValuesView(APIView):
    """节点在统计期内的指标值；只能查询本人管辖的节点（及其下级）。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="指标值", parameters=[ValuesQuerySerializer], responses=ValuesSerializer)
    def get(self, request):
        return Response(_answer(request)[0])


class MetricValuesExportView(APIView):
    """与“指标值”相同的查询，导出为 Excel（xlsx）：每个节点一行、每个指标一列，附口径说明。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="指标值导出 Excel", parameters=[ValuesQuerySerializer],
                   responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        answer, query = _answer(request)
        return download(values_workbook(answer, query["codes"], compare=query["compare"]), XLSX,
                        f"指标_{answer['period']}.xlsx")


from .api_reports import ReportViewSet  # noqa: E402  (the reports' routes beside the figures')

ROUTES = [("reports", ReportViewSet)]

URLS = [
    path("metrics/", MetricListView.as_view(), name="metric-list"),
    path("metrics/values/", MetricValuesView.as_view(), name="metric-values"),
    path("metrics/values/export/", MetricValuesExportView.as_view(), name="metric-values-export"),
]
