from django_filters import rest_framework as filters

from core.filters import DateFilter, SearchFilterSet

from .models import (
    CaseCategory, CaseLevel, CaseSource, CaseState, DisputeCase, DutyOfficer, DutyShift, FollowUp, MediationRoom,
    OfficerKind, Urgency,
)
from .selectors import cases_overdue, period_bounds


class MediationRoomFilter(SearchFilterSet):
    pinyin_field = None
    search_fields = ("name", "place")
    town = filters.NumberFilter(field_name="zone__town", label="街道(镇)")

    class Meta:
        model = MediationRoom
        fields = ["zone", "town"]


class DutyOfficerFilter(SearchFilterSet):
    pinyin_field = None
    kind = filters.ChoiceFilter(choices=OfficerKind.choices, label="身份")

    class Meta:
        model = DutyOfficer
        fields = ["room", "kind", "active", "user"]


class DutyShiftFilter(filters.FilterSet):
    date_after = DateFilter(field_name="date", lookup_expr="gte", label="日期不早于")
    date_before = DateFilter(field_name="date", lookup_expr="lte", label="日期不晚于")
    uncovered = filters.BooleanFilter(field_name="officer", lookup_expr="isnull", label="无人值班")
    user = filters.NumberFilter(field_name="officer__user", label="值班人员账号")

    class Meta:
        model = DutyShift
        fields = ["room", "date", "officer", "date_after", "date_before", "uncovered", "user"]


class DisputeCaseFilter(SearchFilterSet):
    pinyin_field = None
    search_fields = ("title", "parties__name")
    state = filters.MultipleChoiceFilter(choices=CaseState.choices, label="状态")
    level = filters.ChoiceFilter(choices=CaseLevel.choices, label="办理层级")
    source = filters.MultipleChoiceFilter(choices=CaseSource.choices, label="来源")
    category = filters.MultipleChoiceFilter(choices=CaseCategory.choices, label="类别")
    urgency = filters.ChoiceFilter(choices=Urgency.choices, label="紧急程度")
    zone = filters.NumberFilter(field_name="zone", label="工作区")
    town = filters.NumberFilter(field_name="town", label="街道(镇)")
    received_after = DateFilter(method="filter_received_after", label="受理日期不早于")
    received_before = DateFilter(method="filter_received_before", label="受理日期不晚于")
    overdue = filters.BooleanFilter(method="filter_overdue", label="已超期")
    mine = filters.BooleanFilter(method="filter_mine", label="我承办的")

    class Meta:
        model = DisputeCase
        fields = ["village", "zone", "town", "state", "level", "source", "category", "urgency", "assignee", "visit",
                  "received_after", "received_before", "overdue", "mine"]

    def filter_q(self, queryset, name, value):
        # parties__name is a reverse path: match through a subquery so rows are never duplicated
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            pk__in=DisputeCase.objects.filter(title__icontains=value).values("pk").union(
                DisputeCase.objects.filter(parties__name__icontains=value).values("pk")
            )
        )

    def filter_received_after(self, queryset, name, value):
        return queryset.filter(period_bounds(value, None))

    def filter_received_before(self, queryset, name, value):
        return queryset.filter(period_bounds(None, value))

    def filter_overdue(self, queryset, name, value):
        overdue = cases_overdue(queryset)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(assignee=user)


class FollowUpFilter(filters.FilterSet):
    pending = filters.BooleanFilter(field_name="done_on", lookup_expr="isnull", label="待回访")
    due_before = DateFilter(field_name="due_date", lookup_expr="lte", label="回访日期不晚于")

    class Meta:
        model = FollowUp
        fields = ["case", "pending", "due_before", "satisfaction"]
