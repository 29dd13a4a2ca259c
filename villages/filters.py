from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters

from core.filters import SearchFilterSet

from .models import CircumstanceTag, Household, HouseholdColor, MicroGrid, NaturalVillage, Village, VillageCadre


class VillageFilter(SearchFilterSet):
    town = filters.NumberFilter(field_name="zone__town", label="街道(镇)")

    class Meta:
        model = Village
        fields = ["zone", "town", "kind", "name"]


class VillageCadreFilter(SearchFilterSet):
    pinyin_field = None

    class Meta:
        model = VillageCadre
        fields = ["village", "role"]


class NaturalVillageFilter(SearchFilterSet):
    class Meta:
        model = NaturalVillage
        fields = ["village", "name"]


class MicroGridFilter(SearchFilterSet):
    pinyin_field = None
    search_fields = ("name", "worker_name")

    class Meta:
        model = MicroGrid
        fields = ["village", "natural_village", "worker_user"]


class HouseholdFilter(SearchFilterSet):
    search_fields = ("head_name", "address")
    color = filters.MultipleChoiceFilter(choices=HouseholdColor.choices, label="四色分类")
    tag = filters.ChoiceFilter(choices=CircumstanceTag.choices, method="filter_tag", label="情况标签")
    linked = filters.BooleanFilter(method="filter_linked", label="已联户")
    member = filters.NumberFilter(field_name="link__member", label="联户党员")
    due_before = filters.DateFilter(field_name="next_visit_due", lookup_expr="lte", label="走访到期不晚于")

    class Meta:
        model = Household
        fields = ["town", "zone", "village", "natural_village", "grid", "color", "tag", "linked", "member", "head_name"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value])

    def filter_linked(self, queryset, name, value):
        link_model = Household._meta.get_field("link").related_model  # members sit above villages
        linked = Exists(link_model.objects.filter(household=OuterRef("pk")))
        return queryset.filter(linked if value else ~linked)
