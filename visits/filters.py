from django.db.models import F, Q
from django_filters import rest_framework as filters

from villages.models import HouseholdColor

from . import selectors
from .models import (
    ColorChange, ColorChangeSource, ColorSuggestionReview, Reminder, SuggestionDecision, Visit, VisitMethod, VisitPolicy,
)


class HierarchyFilterSet(filters.FilterSet):
    """Filters by the household's place in the hierarchy (through the household)."""

    town = filters.NumberFilter(field_name="household__town", label="街道(镇)")
    zone = filters.NumberFilter(field_name="household__zone", label="工作区")
    village = filters.NumberFilter(field_name="household__village", label="村/社区")
    grid = filters.NumberFilter(field_name="household__grid", label="微网格")


class VisitPolicyFilter(filters.FilterSet):
    town_level = filters.BooleanFilter(field_name="zone", lookup_expr="isnull", label="街道级策略（非工作区覆盖）")

    class Meta:
        model = VisitPolicy
        fields = ["town", "zone", "town_level"]


class ColorChangeFilter(HierarchyFilterSet):
    to_color = filters.ChoiceFilter(choices=HouseholdColor.choices, label="新颜色")
    source = filters.ChoiceFilter(choices=ColorChangeSource.choices, label="来源")
    changed_from = filters.DateFilter(field_name="changed_at", lookup_expr="date__gte", label="调整日期起")
    changed_to = filters.DateFilter(field_name="changed_at", lookup_expr="date__lte", label="调整日期止")

    class Meta:
        model = ColorChange
        fields = ["household", "to_color", "source", "town", "zone", "village", "grid"]


class VisitFilter(HierarchyFilterSet):
    method = filters.ChoiceFilter(choices=VisitMethod.choices, label="走访方式")
    visited_from = filters.DateFilter(field_name="visited_on", lookup_expr="gte", label="走访日期起")
    visited_to = filters.DateFilter(field_name="visited_on", lookup_expr="lte", label="走访日期止")
    mine = filters.BooleanFilter(method="filter_mine", label="我登记或我走访的")
    follow_up_open = filters.BooleanFilter(method="filter_follow_up_open", label="需跟进且尚未办结")

    class Meta:
        model = Visit
        fields = ["household", "visitor_member", "method", "follow_up_needed", "town", "zone", "village", "grid"]

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        mine = Q(created_by=user) | Q(visitor_user=user) | Q(visitor_member__user=user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_follow_up_open(self, queryset, name, value):
        open_ = Q(follow_up_needed=True, follow_up_done_at__isnull=True)
        return queryset.filter(open_) if value else queryset.filter(follow_up_needed=True, follow_up_done_at__isnull=False)


class ColorSuggestionReviewFilter(HierarchyFilterSet):
    decision = filters.ChoiceFilter(choices=SuggestionDecision.choices, label="审核结果")

    class Meta:
        model = ColorSuggestionReview
        fields = ["household", "decision", "town", "zone", "village", "grid"]


class ReminderFilter(HierarchyFilterSet):
    mine = filters.BooleanFilter(method="filter_mine", label="我负责的户（联户党员或网格员）")
    open = filters.BooleanFilter(method="filter_open", label="未走访（该户仍按此日期待走访）")
    overdue = filters.BooleanFilter(method="filter_overdue", label="已逾期且未走访")
    escalated = filters.ChoiceFilter(
        choices=[("grid", "已告知网格员"), ("zone", "已上报工作区"), ("town", "已上报街道")], method="filter_escalated",
        label="已上报到",
    )

    class Meta:
        model = Reminder
        fields = ["household", "due_on", "color", "created_on", "town", "zone", "village", "grid"]

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        mine = Q(household__link__member__user=user, household__link__member__left_on__isnull=True) | Q(
            household__grid__worker_user=user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_open(self, queryset, name, value):
        condition = Q(household__next_visit_due=F("due_on"))
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_overdue(self, queryset, name, value):
        condition = Q(household__next_visit_due=F("due_on")) & selectors.overdue_q(prefix="household__")
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_escalated(self, queryset, name, value):
        return queryset.filter(**{f"escalated_{value}_at__isnull": False})
