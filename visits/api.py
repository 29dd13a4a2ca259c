from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.api_base import ScopedViewSet, scoped_row
from accounts.api_export import ExportMixin, stats_export
from accounts.scoping import user_scope
from core.listing import DeferredJoinListMixin
from villages.models import Household
from zones.models import Town, WorkZone

from . import filters, selectors, serializers, services
from .models import VISIT_WRITERS, ColorChange, ColorSuggestionReview, Reminder, Visit, VisitPolicy


def _ensure_can_visit(request, household):
    """Visits and colors of a household are written by the roles over it (not by a read-only consumer): else 403."""
    scope = user_scope(request.user)
    if not scope.filter(Household.objects.filter(pk=household.pk), roles=VISIT_WRITERS).exists():
        raise PermissionDenied("您无权为该户登记走访或调整颜色。")


class VisitPolicyViewSet(ScopedViewSet):
    """走访策略：每个街道(镇)一份，工作区可覆盖；修改后立即重新安排所辖各户的下次走访日期。"""

    queryset = VisitPolicy.objects.all()
    serializer_class = serializers.VisitPolicySerializer
    filterset_class = filters.VisitPolicyFilter
    ordering_fields = ["id", "town", "zone", "updated_at"]

    def get_scoped_queryset(self):
        return VisitPolicy.objects.select_related("town", "zone", "updated_by")

    def perform_write(self, serializer):
        data = dict(serializer.validated_data)
        town, zone = data.pop("town", None), data.pop("zone", None)
        if serializer.instance is not None:  # a policy stays where it is; only its values change
            town, zone = serializer.instance.town, serializer.instance.zone
        return services.visit_policy_save(town=town, zone=zone, user=self.request.user, **data)

    def destroy_instance(self, instance):
        self.ensure_writable(instance)
        services.visit_policy_delete(policy=instance)

    @extend_schema(summary="保存前预览：将改变多少户的下次走访日期（不写入）", request=serializers.VisitPolicySerializer,
                   responses=serializers.PolicyPreviewSerializer, filters=False)
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def preview(self, request):
        """与保存同样的输入（town 或 zone 加各项数值）；按保存时重新安排所用的同一条件计数。"""
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        town, zone = data.pop("town", None), data.pop("zone", None)
        town_id = zone.town_id if zone is not None else (town.pk if town is not None else None)
        if town_id is not None and not services.policy_place_writable(
                request.user, town_id=town_id, zone_id=zone.pk if zone is not None else None):
            raise PermissionDenied("您无权修改该走访策略。")
        return Response(serializers.PolicyPreviewSerializer(services.visit_policy_preview(town=town, zone=zone, **data)).data)

    @extend_schema(
        summary="某工作区/户/街道现行的走访策略", parameters=[serializers.EffectivePolicyQuerySerializer],
        responses=serializers.PolicyValuesSerializer, filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def effective(self, request):
        """工作区覆盖 → 街道策略 → 系统默认，取第一个存在的。"""
        p = self.query_params(serializers.EffectivePolicyQuerySerializer)
        if p.get("household") is not None:
            household = scoped_row(request, Household, p["household"], field=None)
            values = selectors.policy_for_household(household)
        elif p.get("zone") is not None:
            zone = scoped_row(request, WorkZone, p["zone"], field=None)
            values = selectors.policy_for(town_id=zone.town_id, zone_id=zone.pk)
        else:
            town = scoped_row(request, Town, p["town"], field=None)
            values = selectors.policy_for(town_id=town.pk, zone_id=None)
        return Response(serializers.PolicyValuesSerializer(values.as_dict()).data)


class ColorChangeViewSet(ExportMixin, ScopedViewSet):
    """四色分类调整及其历史。调为橙色、红色须填写原因；调整后立即重新安排下次走访日期。记录不可修改。"""

    queryset = ColorChange.objects.all()
    serializer_class = serializers.ColorChangeSerializer
    filterset_class = filters.ColorChangeFilter
    ordering_fields = ["changed_at", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_scoped_queryset(self):
        return ColorChange.objects.select_related("household", "changed_by")

    def perform_write(self, serializer):
        data = serializer.validated_data
        _ensure_can_visit(self.request, data["household"])
        return services.color_change(
            household=data["household"], to_color=data["to_color"], reason=data.get("reason", ""),
            source=data.get("source", "manual"), user=self.request.user,
        )

    @extend_schema(summary="按情况标签建议调高颜色的户（不会自动修改）", responses=serializers.ColorSuggestionSerializer(many=True),
                   parameters=[serializers.SuggestionQuerySerializer], filters=False)
    @action(detail=False, methods=["get"], filter_backends=[])
    def suggestions(self, request):
        p = self.query_params(serializers.SuggestionQuerySerializer)
        households = user_scope(request.user).filter(Household.objects.all())
        for name in ("zone", "village", "grid"):
            if p.get(name) is not None:
                households = households.filter(**{f"{name}_id": p[name]})
        rows = selectors.households_with_suggestion(households).order_by("-suggested_rank", "id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializers.ColorSuggestionSerializer(page, many=True).data)

    def _review_input(self, request):
        params = serializers.SuggestionReviewInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        household = scoped_row(request, Household, params.validated_data["household"], field="household")
        return household, params.validated_data["reason"]

    @extend_schema(summary="采纳调整建议（调为建议的颜色）", request=serializers.SuggestionReviewInputSerializer,
                   responses={201: serializers.ColorSuggestionReviewSerializer}, filters=False)
    @action(detail=False, methods=["post"], url_path="accept-suggestion", filter_backends=[])
    def accept_suggestion(self, request):
        household, reason = self._review_input(request)
        _ensure_can_visit(request, household)
        review = services.color_suggestion_accept(household=household, user=request.user, reason=reason)
        return Response(serializers.ColorSuggestionReviewSerializer(review).data, status=201)

    @extend_schema(summary="不采纳调整建议（须填写理由；村干部或以上）", request=serializers.SuggestionReviewInputSerializer,
                   responses={201: serializers.ColorSuggestionReviewSerializer}, filters=False)
    @action(detail=False, methods=["post"], url_path="reject-suggestion", filter_backends=[])
    def reject_suggestion(self, request):
        household, reason = self._review_input(request)
        _ensure_can_visit(request, household)
        review = services.color_suggestion_reject(household=household, user=request.user, reason=reason)
        return Response(serializers.ColorSuggestionReviewSerializer(review).data, status=201)


class ColorSuggestionReviewViewSet(ExportMixin, ScopedViewSet):
    """四色调整建议的审核记录（采纳、不采纳及理由）。由“采纳/不采纳建议”产生，只读。"""

    queryset = ColorSuggestionReview.objects.all()
    serializer_class = serializers.ColorSuggestionReviewSerializer
    filterset_class = filters.ColorSuggestionReviewFilter
    ordering_fields = ["reviewed_at", "id"]
    http_method_names = ["get", "head", "options"]

    def get_scoped_queryset(self):
        return ColorSuggestionReview.objects.select_related("household", "reviewed_by")


class VisitViewSet(ExportMixin, DeferredJoinListMixin, ScopedViewSet):
    """走访记录。登记人7天内可更正，之后只能由工作区更正；每次更正都留痕（history）。"""

    queryset = Visit.objects.all()
    serializer_class = serializers.VisitSerializer
    filterset_class = filters.VisitFilter
    ordering_fields = ["visited_on", "created_at", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_scoped_queryset(self):
        return Visit.objects.select_related("household", "created_by")

    def perform_write(self, serializer):
        data = dict(serializer.validated_data)
        if serializer.instance is None:
            _ensure_can_visit(self.request, data["household"])
            return services.visit_log(author=self.request.user, **data)
        return services.visit_correct(visit=serializer.instance, user=self.request.user, **data)

    @extend_schema(summary="办结跟进事项（需跟进 → 已办结，填写跟进结果）", request=serializers.FollowUpDoneSerializer,
                   responses=serializers.VisitSerializer, filters=False)
    @action(detail=True, methods=["post"], url_path="follow-up-done", filter_backends=[])
    def follow_up_done(self, request, pk=None):
        visit = self.get_object()
        params = serializers.FollowUpDoneSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with transaction.atomic():
            services.visit_follow_up_done(visit=visit, user=request.user, result=params.validated_data["result"])
        return Response(self.get_serializer(self.get_scoped_queryset().get(pk=visit.pk)).data)

    # --- due lists, counts, coverage, dashboards (households in scope) ---------------------

    def _households(self, params):
        households = user_scope(self.request.user).filter(Household.objects.all())
        for name in ("town", "zone", "village", "grid"):
            if params.get(name) is not None:
                households = households.filter(**{f"{name}_id": params[name]})
        if params.get("color"):
            households = households.filter(color=params["color"])
        if params.get("mine"):
            households = selectors.households_mine(households, user=self.request.user)
        return households

    @extend_schema(summary="到期和逾期的户（逾期 = 下次走访日期早于今天）", parameters=[serializers.DueQuerySerializer],
                   responses=serializers.DueHouseholdSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], filter_backends=[])
    def due(self, request):
        """本周（默认7天内）到期及已逾期的户，逾期最久的在前；mine=true 只看我联系的户。"""
        p = self.query_params(serializers.DueQuerySerializer)
        rows = selectors.households_due(self._households(p), within_days=p["within_days"], overdue_only=p["overdue"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializers.DueHouseholdSerializer(page, many=True).data)

    @extend_schema(summary="各网格/村/工作区/街道/党员的到期与逾期户数", parameters=[serializers.LevelQuerySerializer],
                   responses=serializers.DueCountSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], url_path="due-counts", pagination_class=None, filter_backends=[])
    def due_counts(self, request):
        p = self.query_params(serializers.LevelQuerySerializer)
        rows = selectors.due_counts(self._households(p), by=p["by"], within_days=p["within_days"])
        return Response(serializers.DueCountSerializer(rows, many=True).data)

    @extend_schema(summary="走访覆盖率（按颜色间隔内走访过的户占比）", parameters=[serializers.LevelQuerySerializer],
                   responses=serializers.CoverageSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def coverage(self, request):
        p = self.query_params(serializers.LevelQuerySerializer)
        rows = selectors.coverage(self._households(p), by=p["by"])
        return Response(serializers.CoverageSerializer(rows, many=True).data)

    @extend_schema(summary="走访看板：四色分布、各村逾期、覆盖率及趋势", parameters=[serializers.DashboardQuerySerializer],
                   responses=serializers.DashboardSerializer, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def dashboard(self, request):
        p = self.query_params(serializers.DashboardQuerySerializer)
        zone = scoped_row(request, WorkZone, p["zone"], field=None) if p.get("zone") else None
        town = scoped_row(request, Town, p["town"], field=None) if p.get("town") and zone is None else None
        # the figures are the registry's for the node shown (selectors.dashboard_nodes: the metrics API's check)
        data = selectors.dashboard(user_scope(request.user), zone=zone, town=town, weeks=p["weeks"])
        return Response(serializers.DashboardSerializer(data).data)

    dashboard_export = stats_export("dashboard", title="走访看板", serializer=serializers.DashboardSerializer)


class ReminderViewSet(ScopedViewSet):
    """走访提醒（每户每个到期日一条）及其逐级上报情况。由每日任务产生，只读。"""

    queryset = Reminder.objects.all()
    serializer_class = serializers.ReminderSerializer
    filterset_class = filters.ReminderFilter
    ordering_fields = ["due_on", "created_on", "id"]
    http_method_names = ["get", "head", "options"]

    def get_scoped_queryset(self):
        return Reminder.objects.select_related("household")


ROUTES = [
    ("visit-policies", VisitPolicyViewSet),
    ("color-changes", ColorChangeViewSet),
    ("color-suggestion-reviews", ColorSuggestionReviewViewSet),
    ("visits", VisitViewSet),
    ("reminders", ReminderViewSet),
]
