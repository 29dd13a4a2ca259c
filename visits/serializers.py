from rest_framework import serializers

from accounts.api_base import ScopedModelSerializer, ScopedRelatedField
from accounts.models import User
from members.models import Duty
from villages.models import Household, HouseholdColor

from . import selectors
from .models import (
    MAX_INTERVAL_DAYS, ColorChange, ColorChangeSource, ColorSuggestionReview, Reminder, Visit, VisitMethod, VisitPolicy,
)

COLOR_ERRORS = {"invalid_choice": "“{input}”不是有效的颜色，应为绿色、黄色、橙色或红色（green/yellow/orange/red）。"}


def _interval(label: str):
    return serializers.IntegerField(
        label=label, required=False, min_value=1, max_value=MAX_INTERVAL_DAYS,
        error_messages={
            "min_value": f"{label}必须是1到{MAX_INTERVAL_DAYS}之间的整数（天）。",
            "max_value": f"{label}必须是1到{MAX_INTERVAL_DAYS}之间的整数（天）。",
            "invalid": f"{label}必须是整数（天）。",
        },
    )


def _days(label: str, high: int = 365):
    return serializers.IntegerField(
        label=label, required=False, min_value=0, max_value=high,
        error_messages={"min_value": f"{label}不能为负数。", "max_value": f"{label}不能超过{high}天。",
                        "invalid": f"{label}必须是整数（天）。"},
    )


def _content(label: str):
    return serializers.ListField(
        child=serializers.CharField(max_length=50, error_messages={"blank": "事项不能为空。", "max_length": "每项不超过50字。"}),
        required=False, label=label,
    )


class VisitPolicySerializer(ScopedModelSerializer):
    green_days = _interval("绿色户走访间隔(天)")
    yellow_days = _interval("黄色户走访间隔(天)")
    orange_days = _interval("橙色户走访间隔(天)")
    red_days = _interval("红色户走访间隔(天)")
    green_content = _content("绿色户走访内容")
    yellow_content = _content("黄色户走访内容")
    orange_content = _content("橙色户走访内容")
    red_content = _content("红色户走访内容")
    remind_days_before = _days("提前提醒天数", 60)
    escalate_grid_days = _days("逾期几天告知网格员")
    escalate_zone_red_days = _days("红色户逾期几天上报工作区")
    escalate_zone_days = _days("其他户逾期几天上报工作区")
    escalate_town_days = _days("逾期几天上报街道")
    town_name = serializers.CharField(source="town.name", read_only=True, label="街道(镇)名称")
    zone_name = serializers.CharField(source="zone.name", read_only=True, default=None, label="工作区名称")
    updated_by_name = serializers.CharField(source="updated_by", read_only=True, default=None, label="修改人")

    class Meta:
        model = VisitPolicy
        fields = [
            "id", "town", "town_name", "zone", "zone_name",
            "green_days", "yellow_days", "orange_days", "red_days",
            "green_content", "yellow_content", "orange_content", "red_content",
            "remind_days_before", "escalate_grid_days", "escalate_zone_red_days", "escalate_zone_days",
            "escalate_town_days", "updated_by_name", "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"town": {"required": False}, "zone": {"required": False, "allow_null": True}}
        validators = []  # uniqueness per town/zone is the service's business (it updates the existing policy)


class PolicyPreviewSerializer(serializers.Serializer):
    households = serializers.IntegerField(label="下次走访日期将变动的户数")
    by_color = serializers.DictField(child=serializers.IntegerField(), label="各色变动户数")
    deltas = serializers.DictField(child=serializers.IntegerField(), label="各色间隔变化(天)")
    before = serializers.DictField(child=serializers.IntegerField(), label="现行各色间隔(天)")
    after = serializers.DictField(child=serializers.IntegerField(), label="保存后各色间隔(天)")
    source = serializers.CharField(label="现行策略来源（zone/town/default）")
    creates = serializers.BooleanField(label="将新建策略")


class PolicyValuesSerializer(serializers.Serializer):
    intervals = serializers.DictField(child=serializers.IntegerField(), label="各色走访间隔(天)")
    content = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), label="各色走访内容")
    remind_days_before = serializers.IntegerField(label="提前提醒天数")
    escalate_grid_days = serializers.IntegerField(label="逾期几天告知网格员")
    escalate_zone_red_days = serializers.IntegerField(label="红色户逾期几天上报工作区")
    escalate_zone_days = serializers.IntegerField(label="其他户逾期几天上报工作区")
    escalate_town_days = serializers.IntegerField(label="逾期几天上报街道")
    source = serializers.CharField(label="来源（zone 工作区策略 / town 街道策略 / default 系统默认）")
    policy_id = serializers.IntegerField(allow_null=True, label="策略ID")


class ColorChangeSerializer(ScopedModelSerializer):
    to_color = serializers.ChoiceField(choices=HouseholdColor.choices, label="新颜色", error_messages=COLOR_ERRORS)
    reason = serializers.CharField(required=False, allow_blank=True, label="调整原因")
    source = serializers.ChoiceField(choices=ColorChangeSource.choices, required=False, label="来源",
                                     default=ColorChangeSource.MANUAL)
    household_name = serializers.CharField(source="household.head_name", read_only=True, label="户主")
    from_color_display = serializers.CharField(source="get_from_color_display", read_only=True, label="原颜色名称")
    to_color_display = serializers.CharField(source="get_to_color_display", read_only=True, label="新颜色名称")
    changed_by_name = serializers.CharField(source="changed_by", read_only=True, default=None, label="调整人")

    class Meta:
        model = ColorChange
        fields = [
            "id", "household", "household_name", "from_color", "from_color_display", "to_color", "to_color_display",
            "reason", "source", "changed_by_name", "changed_at", "next_visit_due",
        ]
        read_only_fields = ["from_color", "changed_at", "next_visit_due"]


class SuggestionReviewInputSerializer(serializers.Serializer):
    household = serializers.IntegerField(label="户ID", error_messages={"invalid": "户ID应为整数。", "required": "请指定户。"})
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, label="理由",
                                   error_messages={"max_length": "理由不能超过500字。"})


class ColorSuggestionReviewSerializer(serializers.ModelSerializer):
    household_name = serializers.CharField(source="household.head_name", read_only=True, label="户主")
    from_color_display = serializers.CharField(source="get_from_color_display", read_only=True, label="当时颜色名称")
    suggested_color_display = serializers.CharField(source="get_suggested_color_display", read_only=True,
                                                    label="建议颜色名称")
    decision_display = serializers.CharField(source="get_decision_display", read_only=True, label="审核结果名称")
    reviewed_by_name = serializers.CharField(source="reviewed_by", read_only=True, default=None, label="审核人")

    class Meta:
        model = ColorSuggestionReview
        fields = [
            "id", "household", "household_name", "from_color", "from_color_display", "suggested_color",
            "suggested_color_display", "decision", "decision_display", "reason", "color_change", "reviewed_by_name",
            "reviewed_at",
        ]
        read_only_fields = fields


class FollowUpDoneSerializer(serializers.Serializer):
    result = serializers.CharField(required=False, allow_blank=True, default="", label="跟进结果")


class ColorSuggestionSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="id", label="户ID")
    head_name = serializers.CharField(label="户主")
    address = serializers.CharField(label="住址")
    tags = serializers.ListField(child=serializers.CharField(), label="情况标签")
    color = serializers.CharField(label="当前颜色")
    suggested_color = serializers.CharField(label="建议颜色")
    reasons = serializers.SerializerMethodField(label="依据")

    def get_reasons(self, obj) -> list[str]:
        return selectors.color_suggestion(obj.tags)[1]


class VisitSerializer(ScopedModelSerializer):
    # Choices from the caller's scope like every related field (an id outside it is "does not exist",
    # never a name from another town).
    visitor_user = ScopedRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, label="走访人（网格员）",
    )
    visited_on = serializers.DateField(label="走访日期", error_messages={"invalid": "走访日期格式应为 YYYY-MM-DD。"})
    method = serializers.ChoiceField(
        choices=VisitMethod.choices, label="走访方式", required=False, default=VisitMethod.IN_PERSON,
        error_messages={"invalid_choice": "“{input}”不是有效的走访方式（in_person/phone/online）。"},
    )
    content = serializers.ListField(child=serializers.CharField(max_length=50), required=False, label="走访内容")
    duties = serializers.ListField(child=serializers.CharField(), required=False, label="履行职责（六大员）",
                                   help_text="六大员：" + "、".join(f"{v}={label}" for v, label in Duty.choices))
    concerns = serializers.CharField(required=False, allow_blank=True, label="民情信息")
    follow_up_needed = serializers.BooleanField(required=False, default=False, label="需要跟进")
    follow_up_note = serializers.CharField(required=False, allow_blank=True, label="跟进事项")
    household_name = serializers.CharField(source="household.head_name", read_only=True, label="户主")
    color_display = serializers.CharField(source="get_color_display", read_only=True, label="走访时颜色名称")
    method_display = serializers.CharField(source="get_method_display", read_only=True, label="走访方式名称")
    created_by_name = serializers.CharField(source="created_by", read_only=True, default=None, label="登记人")
    follow_up_done_by_name = serializers.CharField(source="follow_up_done_by", read_only=True, default=None,
                                                   label="跟进办结人")
    household_address = serializers.CharField(source="household.address", read_only=True, label="住址")
    can_correct = serializers.SerializerMethodField(label="我可以更正")

    class Meta:
        model = Visit
        fields = [
            "id", "household", "household_name", "visitor_member", "visitor_user", "visitor_name", "visited_on",
            "method", "method_display", "color", "color_display", "content", "duties", "concerns",
            "follow_up_needed", "follow_up_note", "follow_up_done_at", "follow_up_done_by_name", "follow_up_result",
            "household_address", "created_by_name", "created_at", "corrected_at", "updated_at", "can_correct",
        ]
        read_only_fields = ["visitor_name", "color", "created_at", "corrected_at", "updated_at", "follow_up_done_at",
                            "follow_up_result"]
        extra_kwargs = {"visitor_member": {"required": False, "allow_null": True}}

    def validate_duties(self, value):
        bad = [d for d in value if d not in Duty.values]
        if bad:
            raise serializers.ValidationError(
                f"未知的职责“{'、'.join(bad)}”，应为六大员之一（{'/'.join(Duty.values)}）。"
            )
        return value

    def get_can_correct(self, obj) -> bool:
        request = self.context.get("request")
        if request is None:
            return False
        from .services import visit_can_correct

        return visit_can_correct(visit=obj, user=request.user)


def _node_id(label: str, help_text: str = ""):
    """An id in a query parameter: a positive integer, else a 400 naming the field in Chinese."""
    message = f"{label}应为正整数ID。"
    return serializers.IntegerField(
        required=False, min_value=1, label=label, help_text=help_text or f"{label}ID",
        error_messages={"invalid": message, "min_value": message, "max_string_length": message},
    )


class EffectivePolicyQuerySerializer(serializers.Serializer):
    """Whose policy in force: a household's, a zone's or a town's (the first given, in that order)."""

    household = _node_id("户")
    zone = _node_id("工作区")
    town = _node_id("街道(镇)", "街道(镇)ID（街道级策略）")

    def validate(self, attrs):
        if not any(attrs.get(name) is not None for name in ("household", "zone", "town")):
            raise serializers.ValidationError({"zone": "请指定工作区、户或街道(镇)。"})
        return attrs


class SuggestionQuerySerializer(serializers.Serializer):
    zone = _node_id("工作区")
    village = _node_id("村/社区")
    grid = _node_id("微网格")


class DueQuerySerializer(serializers.Serializer):
    within_days = serializers.IntegerField(
        required=False, default=7, min_value=0, max_value=366, label="到期天数",
        error_messages={"min_value": "到期天数不能为负数。", "max_value": "到期天数不能超过366。", "invalid": "到期天数必须是整数。"},
    )
    overdue = serializers.BooleanField(required=False, default=False, label="只看逾期")
    mine = serializers.BooleanField(required=False, default=False, label="只看我负责的户")
    color = serializers.ChoiceField(choices=HouseholdColor.choices, required=False, label="颜色", error_messages=COLOR_ERRORS)
    town = _node_id("街道(镇)")
    zone = _node_id("工作区")
    village = _node_id("村/社区")
    grid = _node_id("微网格")


LEVEL_CHOICES = [("grid", "微网格"), ("village", "村/社区"), ("zone", "工作区"), ("town", "街道(镇)"), ("member", "联户党员")]


class LevelQuerySerializer(DueQuerySerializer):
    by = serializers.ChoiceField(
        choices=LEVEL_CHOICES, required=False, default="village", label="统计层级",
        error_messages={"invalid_choice": "统计层级应为 grid/village/zone/town/member 之一。"},
    )


class DueHouseholdSerializer(serializers.ModelSerializer):
    color_display = serializers.CharField(source="get_color_display", read_only=True, label="颜色名称")
    grid_name = serializers.CharField(source="grid.name", read_only=True, label="网格")
    village_name = serializers.CharField(source="village.name", read_only=True, label="村/社区")
    member_name = serializers.SerializerMethodField(label="联户党员")
    last_visited_on = serializers.SerializerMethodField(label="最近走访日期")
    is_overdue = serializers.SerializerMethodField(label="已逾期")
    days_overdue = serializers.SerializerMethodField(label="逾期天数")

    class Meta:
        model = Household
        fields = [
            "id", "head_name", "address", "phone_masked", "people_count", "tags", "color", "color_display",
            "grid", "grid_name", "village", "village_name", "next_visit_due", "is_overdue", "days_overdue",
            "last_visited_on", "member_name",
        ]
        read_only_fields = fields  # output only (the due list)

    def get_member_name(self, obj) -> str | None:
        link = getattr(obj, "link", None)
        return link.member.name if link is not None else None

    def get_last_visited_on(self, obj) -> str | None:
        state = getattr(obj, "visit_state", None)
        return state.last_visited_on.isoformat() if state is not None else None

    def get_is_overdue(self, obj) -> bool:
        return selectors.is_overdue(obj)

    def get_days_overdue(self, obj) -> int:
        return (selectors.today() - obj.next_visit_due).days if selectors.is_overdue(obj) else 0


class DueCountSerializer(serializers.Serializer):
    level = serializers.CharField(label="层级")
    id = serializers.IntegerField(allow_null=True, label="ID")
    name = serializers.CharField(label="名称")
    households = serializers.IntegerField(label="户数")
    due = serializers.IntegerField(label="即将到期户数")
    overdue = serializers.IntegerField(label="逾期户数")


class CoverageSerializer(serializers.Serializer):
    level = serializers.CharField(label="层级")
    id = serializers.IntegerField(allow_null=True, label="ID")
    name = serializers.CharField(label="名称")
    households = serializers.IntegerField(label="户数")
    covered = serializers.IntegerField(label="按期走访户数")
    rate = serializers.FloatField(allow_null=True, label="覆盖率")


class ColorMixSerializer(serializers.Serializer):
    color = serializers.CharField(label="颜色")
    label = serializers.CharField(label="颜色名称")
    households = serializers.IntegerField(label="户数")
    overdue = serializers.IntegerField(label="逾期户数")


class VillageOverdueSerializer(serializers.Serializer):
    id = serializers.IntegerField(label="村ID")
    name = serializers.CharField(label="村名")
    households = serializers.IntegerField(label="户数")
    overdue = serializers.IntegerField(label="逾期户数")
    overdue_red = serializers.IntegerField(label="逾期红色户数")
    covered = serializers.IntegerField(label="按期走访户数")
    rate = serializers.FloatField(allow_null=True, label="覆盖率")


class DashboardDefinitionSerializer(serializers.Serializer):
    key = serializers.CharField(label="项目")
    definition = serializers.CharField(label="口径（指标登记表）")


class TrendPointSerializer(serializers.Serializer):
    date = serializers.DateField(label="日期")
    households = serializers.IntegerField(label="户数")
    covered = serializers.IntegerField(label="按期走访户数")
    overdue = serializers.IntegerField(label="逾期户数")
    rate = serializers.FloatField(allow_null=True, label="覆盖率")


class DashboardSerializer(serializers.Serializer):
    date = serializers.DateField(label="日期")
    households = serializers.IntegerField(label="户数")
    overdue = serializers.IntegerField(label="逾期户数")
    due_week = serializers.IntegerField(label="7天内到期户数（含逾期）")
    covered = serializers.IntegerField(label="按期走访户数")
    coverage_rate = serializers.FloatField(allow_null=True, label="覆盖率")
    color_mix = ColorMixSerializer(many=True, label="四色分布")
    overdue_by_village = VillageOverdueSerializer(many=True, label="各村逾期")
    coverage_trend = TrendPointSerializer(many=True, label="覆盖率趋势")
    definitions = DashboardDefinitionSerializer(many=True, label="口径")


class DashboardQuerySerializer(serializers.Serializer):
    zone = _node_id("工作区")
    town = _node_id("街道(镇)")
    weeks = serializers.IntegerField(required=False, default=12, min_value=1, max_value=104, label="趋势周数",
                                     error_messages={"min_value": "趋势周数至少为1。", "max_value": "趋势周数不能超过104。"})


class ReminderSerializer(serializers.ModelSerializer):
    household_name = serializers.CharField(source="household.head_name", read_only=True, label="户主")
    color_display = serializers.CharField(source="get_color_display", read_only=True, label="颜色名称")
    is_open = serializers.SerializerMethodField(label="未走访")
    is_overdue = serializers.SerializerMethodField(label="已逾期且未走访")

    class Meta:
        model = Reminder
        fields = [
            "id", "household", "household_name", "due_on", "recipient", "color", "color_display", "created_on",
            "escalated_grid_at", "escalated_zone_at", "escalated_town_at", "is_open", "is_overdue",
        ]
        read_only_fields = fields

    def get_is_open(self, obj) -> bool:
        return obj.household.next_visit_due == obj.due_on

    def get_is_overdue(self, obj) -> bool:
        return self.get_is_open(obj) and selectors.is_overdue(obj.household)
