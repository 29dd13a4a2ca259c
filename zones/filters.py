from django_filters import rest_framework as filters

from core.filters import SearchFilterSet

from .models import CommitteeMember, PartyInstructor, SunkCadrePosting, Town, WorkZone, ZoneOffice


class TownFilter(SearchFilterSet):
    class Meta:
        model = Town
        fields = ["name", "code"]


class WorkZoneFilter(SearchFilterSet):
    search_fields = ("name", "brand")

    class Meta:
        model = WorkZone
        fields = ["town", "name", "brand"]


class ZoneOfficeFilter(filters.FilterSet):
    class Meta:
        model = ZoneOffice
        fields = ["zone", "kind"]


class CommitteeMemberFilter(SearchFilterSet):
    pinyin_field = None

    class Meta:
        model = CommitteeMember
        fields = ["zone", "role", "origin"]


class SunkCadrePostingFilter(SearchFilterSet):
    pinyin_field = None
    current = filters.BooleanFilter(method="filter_current", label="当前在岗")

    class Meta:
        model = SunkCadrePosting
        fields = ["zone", "office", "current"]

    def filter_current(self, queryset, name, value):
        from .selectors import cadre_postings_current

        current = cadre_postings_current(queryset)
        return current if value else queryset.exclude(pk__in=current.values("pk"))


class PartyInstructorFilter(filters.FilterSet):
    zone = filters.NumberFilter(field_name="village__zone", label="工作区")

    class Meta:
        model = PartyInstructor
        fields = ["village", "cadre", "zone"]
