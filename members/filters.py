from django_filters import rest_framework as filters

from core.filters import SearchFilterSet

from .models import Duty, HouseholdLink, MemberStatus, PartyBranch, PartyMember


class PartyBranchFilter(SearchFilterSet):
    pinyin_field = None

    class Meta:
        model = PartyBranch
        fields = ["town", "zone", "village", "kind"]


class PartyMemberFilter(SearchFilterSet):
    town = filters.NumberFilter(field_name="branch__town", label="街道(镇)")
    zone = filters.NumberFilter(field_name="branch__zone", label="工作区")
    village = filters.NumberFilter(field_name="branch__village", label="村/社区")
    duty = filters.ChoiceFilter(choices=Duty.choices, method="filter_duty", label="六大员")
    status = filters.ChoiceFilter(choices=MemberStatus.choices, label="党员类别")
    active = filters.BooleanFilter(field_name="left_on", lookup_expr="isnull", label="在册（未离开）")
    quota = filters.ChoiceFilter(
        choices=[("under", "联户不足10户"), ("ok", "10–20户"), ("over", "超过20户")], method="filter_quota", label="联户数"
    )

    class Meta:
        model = PartyMember
        fields = ["branch", "town", "zone", "village", "gender", "status", "is_flowing", "duty", "active", "quota"]

    def filter_duty(self, queryset, name, value):
        return queryset.filter(duties__contains=[value])

    def filter_quota(self, queryset, name, value):
        from .selectors import members_by_quota

        return members_by_quota(queryset, value)

    def is_valid(self):
        # An ID number in a URL ends up in access logs, proxies and browser history: the exact lookup is
        # POST /api/members/lookup/ (revealing roles only, logged). Say so rather than ignore the parameter.
        if "id_number" in self.data:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"id_number": "身份证号：不能写在网址中；请用 POST /api/members/lookup/ 按身份证号查找。"})
        return super().is_valid()


class HouseholdLinkFilter(filters.FilterSet):
    zone = filters.NumberFilter(field_name="household__zone", label="工作区")
    village = filters.NumberFilter(field_name="household__village", label="村/社区")
    grid = filters.NumberFilter(field_name="household__grid", label="微网格")

    class Meta:
        model = HouseholdLink
        fields = ["member", "household", "zone", "village", "grid"]
