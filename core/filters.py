from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django_filters import rest_framework as filters

from .api import date_out_of_range


class BoundedDateFormField(forms.DateField):
    def validate(self, value):
        super().validate(value)
        message = date_out_of_range(self.label, value)
        if message:
            raise ValidationError(message, code="date_range")


class DateFilter(filters.DateFilter):
    """django-filter's DateFilter, refusing dates outside core.api.DATE_MIN…DATE_MAX (a 400 naming the filter)."""

    field_class = BoundedDateFormField


class SearchFilterSet(filters.FilterSet):
    """Adds `q`: a text search over `search_fields`; names also by pinyin (`zs` → 张三)."""

    q = filters.CharFilter(method="filter_q", label="搜索（名称或拼音首字母）")
    search_fields: tuple[str, ...] = ("name",)
    pinyin_field: str | None = "name_pinyin"

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        if self.pinyin_field and value.isascii():
            lowered = value.lower()
            # initials come first ("zs zhangsan"), so a prefix matches initials and a word match the spelling
            condition |= Q(**{f"{self.pinyin_field}__startswith": lowered}) | Q(**{f"{self.pinyin_field}__contains": f" {lowered}"})
        return queryset.filter(condition)
