from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api_base import ScopedModelSerializer
from core.api import DateField, DateTimeField

from .models import (
    WEEKDAY_LABELS, CaseCategory, CaseEvent, CaseSource, DisputeCase, DisputeParty, DutyOfficer, DutyShift, FollowUp,
    FollowUpMethod, MediationAgreement, MediationRoom, OfficerKind, PartyRole, ReferralKind, Satisfaction, Urgency,
)
from .selectors import GROUPS


def _choice(choices, label, **kwargs):
    values = "/".join(choices.values)
    return serializers.ChoiceField(
        choices=choices.choices, label=label,
        error_messages={"invalid_choice": f"“{{input}}”不是有效的{label}（可选：{values}）。"}, **kwargs,
    )


# --- the room and the rota ------------------------------------------------------------------

class OnDutySerializer(serializers.Serializer):
    slot = serializers.IntegerField(label="班次")
    slot_label = serializers.CharField(label="班次名称")
    officer = serializers.IntegerField(allow_null=True, label="值班人员ID")
    officer_name = serializers.CharField(allow_null=True, label="值班人员")


class MediationRoomSerializer(ScopedModelSerializer):
    id = serializers.IntegerField(source="pk", read_only=True, label="ID（即工作区ID）")
    zone_name = serializers.CharField(source="zone.name", read_only=True, label="工作区名称")
    open_weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, label="值班日（0=周一）"
    )
    shifts_per_day = serializers.IntegerField(
        min_value=1, max_value=3, required=False, label="每日班次",
        error_messages={"min_value": "每日班次应为1–3。", "max_value": "每日班次应为1–3。"},
    )
    on_duty_today = serializers.SerializerMethodField(label="今日值班")

    class Meta:
        model = MediationRoom
        fields = [
            "id", "zone", "zone_name", "name", "place", "opening_hours", "phone", "open_weekdays", "shifts_per_day",
            "legal_advisers", "volunteers", "on_duty_today", "created_at", "archived_at", "updated_at",
        ]
        read_only_fields = ["created_at", "archived_at", "updated_at"]
        # one room per zone is the service's rule (checked after the write permission: 403 before 400)
        extra_kwargs = {"name": {"required": False}, "zone": {"validators": []}}

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, (list, tuple)) and hasattr(self.instance, "pk"):
            fields["zone"].read_only = True  # a room stays with its zone
        return fields

    @extend_schema_field(OnDutySerializer(many=True))
    def get_on_duty_today(self, room):
        shifts = getattr(room, "today_shifts", None)
        if shifts is None:
            from django.utils import timezone

            shifts = list(room.shifts.filter(date=timezone.localdate()).select_related("officer").order_by("slot"))
        return [
            {"slot": s.slot, "slot_label": room.slot_label(s.slot), "officer": s.officer_id,
             "officer_name": s.officer.name if s.officer else None}
            for s in shifts
        ]


class DutyOfficerSerializer(ScopedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, label="身份名称")
    kind = _choice(OfficerKind, "身份")
    weekdays_off = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, label="每周休息日（0=周一）"
    )
    dates_off = serializers.ListField(child=DateField(), required=False, label="请假日期")
    user_name = serializers.CharField(source="user.__str__", read_only=True, default=None, label="账号姓名")

    class Meta:
        model = DutyOfficer
        fields = [
            "id", "room", "name", "kind", "kind_display", "committee_member", "village_cadre", "user", "user_name",
            "rotation_order", "weekdays_off", "dates_off", "active", "archived_at", "updated_at",
        ]
        read_only_fields = ["archived_at", "updated_at"]


class DutyShiftSerializer(ScopedModelSerializer):
    room = serializers.PrimaryKeyRelatedField(read_only=True, label="调解室")
    date = DateField(read_only=True, label="日期")
    slot = serializers.IntegerField(read_only=True, label="班次")
    room_name = serializers.CharField(source="room.name", read_only=True, label="调解室名称")
    slot_label = serializers.SerializerMethodField(label="班次名称")
    weekday = serializers.SerializerMethodField(label="星期")
    officer_name = serializers.CharField(source="officer.name", read_only=True, default=None, label="值班人员")
    officer_user = serializers.IntegerField(source="officer.user_id", read_only=True, default=None, label="值班人员账号")

    class Meta:
        model = DutyShift
        fields = ["id", "room", "room_name", "date", "weekday", "slot", "slot_label", "officer", "officer_name",
                  "officer_user", "note", "updated_at"]
        read_only_fields = ["updated_at"]

    def get_slot_label(self, shift) -> str:
        return shift.room.slot_label(shift.slot)

    def get_weekday(self, shift) -> str:
        return WEEKDAY_LABELS[shift.date.weekday()]


class DaysOffSerializer(serializers.Serializer):
    officer = serializers.IntegerField(label="轮值人员ID")
    dates = serializers.ListField(child=DateField(), label="休息日期")


class RotaGenerateSerializer(serializers.Serializer):
    room = serializers.IntegerField(label="调解室（工作区ID）")
    start = DateField(label="开始日期")
    end = DateField(label="结束日期")
    officers = serializers.ListField(
        child=serializers.IntegerField(), required=False, label="轮值名单（按顺序；默认全部在岗人员）"
    )
    days_off = DaysOffSerializer(many=True, required=False, label="本次排班的额外休息日")
    replace = serializers.BooleanField(default=False, label="覆盖该时段原有排班")


class RotaResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(label="生成班次")
    uncovered = serializers.IntegerField(label="无人值班班次")
    load = serializers.DictField(child=serializers.IntegerField(), label="每人班次数（轮值人员ID: 次数）")
    shifts = DutyShiftSerializer(many=True, label="班次")


class ShiftSwapSerializer(serializers.Serializer):
    other = serializers.IntegerField(label="互换的班次ID")


class RotaGapSerializer(serializers.Serializer):
    room = serializers.IntegerField(label="调解室")
    room_name = serializers.CharField(label="调解室名称")
    date = DateField(label="日期")
    slot = serializers.IntegerField(label="班次")
    slot_label = serializers.CharField(label="班次名称")
    shift = serializers.IntegerField(allow_null=True, label="班次ID（空：尚未排班）")


# --- cases ----------------------------------------------------------------------------------

class PartySerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True, label="身份名称")

    class Meta:
        model = DisputeParty
        fields = ["id", "role", "role_display", "name", "phone_masked", "id_number_masked", "address", "confirmed_at"]
        read_only_fields = fields


class PartyInputSerializer(serializers.Serializer):
    role = _choice(PartyRole, "身份", default=PartyRole.APPLICANT)
    name = serializers.CharField(max_length=50, label="姓名")
    phone = serializers.CharField(required=False, allow_blank=True, label="电话")
    id_number = serializers.CharField(required=False, allow_blank=True, label="身份证号")
    address = serializers.CharField(required=False, allow_blank=True, max_length=200, label="住址")


class PartyRevealSerializer(serializers.Serializer):
    id = serializers.IntegerField(label="当事人ID")
    name = serializers.CharField(label="姓名")
    phone = serializers.CharField(allow_blank=True, label="电话")
    id_number = serializers.CharField(allow_blank=True, label="身份证号")


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationAgreement
        fields = ["terms", "performance", "mediators", "signed_on", "created_at"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    method_display = serializers.CharField(source="get_method_display", read_only=True, label="回访方式名称")
    satisfaction_display = serializers.CharField(source="get_satisfaction_display", read_only=True, label="满意度名称")
    visitor_name = serializers.CharField(source="visitor.__str__", read_only=True, default=None, label="回访人")
    case_title = serializers.CharField(source="case.title", read_only=True, label="案由")

    class Meta:
        model = FollowUp
        fields = [
            "id", "case", "case_title", "sequence", "due_date", "done_on", "visitor", "visitor_name", "method",
            "method_display", "satisfaction", "satisfaction_display", "agreement_performed", "note", "updated_at",
        ]
        read_only_fields = fields


class FollowUpRecordSerializer(serializers.Serializer):
    method = _choice(FollowUpMethod, "回访方式")
    satisfaction = _choice(Satisfaction, "满意度")
    done_on = DateField(required=False, label="回访日期")
    agreement_performed = serializers.BooleanField(required=False, allow_null=True, default=None, label="协议已履行")
    note = serializers.CharField(required=False, allow_blank=True, default="", label="回访情况")


class NextActionSerializer(serializers.Serializer):
    action = serializers.CharField(label="操作")
    to_state = serializers.CharField(label="目标状态")
    label = serializers.CharField(label="名称")


class DisputeCaseListSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, label="案件编号")
    source_display = serializers.CharField(source="get_source_display", read_only=True, label="来源名称")
    category_display = serializers.CharField(source="get_category_display", read_only=True, label="类别名称")
    urgency_display = serializers.CharField(source="get_urgency_display", read_only=True, label="紧急程度名称")
    state_display = serializers.CharField(source="get_state_display", read_only=True, label="状态名称")
    level_display = serializers.CharField(source="get_level_display", read_only=True, label="层级名称")
    village_name = serializers.CharField(source="village.name", read_only=True, label="村/社区名称")
    zone_name = serializers.CharField(source="zone.name", read_only=True, label="工作区名称")
    assignee_name = serializers.CharField(source="assignee.__str__", read_only=True, default=None, label="承办人")
    overdue = serializers.BooleanField(source="is_overdue", read_only=True, label="已超期")

    class Meta:
        model = DisputeCase
        fields = [
            "id", "number", "title", "source", "source_display", "category", "category_display", "urgency",
            "urgency_display", "village", "village_name", "zone", "zone_name", "town", "state", "state_display", "level",
            "level_display", "level_deadline", "overdue", "assignee", "assignee_name", "received_at", "resolved_at",
            "visit", "updated_at",
        ]
        read_only_fields = fields


class DisputeCaseSerializer(DisputeCaseListSerializer):
    parties = PartySerializer(many=True, read_only=True, label="当事人")
    agreement = serializers.SerializerMethodField(label="调解协议")
    follow_ups = FollowUpSerializer(many=True, read_only=True, label="回访")
    next_actions = serializers.SerializerMethodField(label="可执行的操作")
    received_by_name = serializers.CharField(source="received_by.__str__", read_only=True, default=None, label="受理人")
    referral_kind_display = serializers.CharField(source="get_referral_kind_display", read_only=True, label="转办去向名称")

    class Meta(DisputeCaseListSerializer.Meta):
        fields = DisputeCaseListSerializer.Meta.fields + [
            "description", "parties", "agreement", "follow_ups", "next_actions", "received_by", "received_by_name",
            "zone_escalated_at", "town_escalated_at", "resolved_level", "on_the_spot", "referred_at", "referral_kind",
            "referral_kind_display", "referral_target", "closed_at", "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AgreementSerializer(allow_null=True))
    def get_agreement(self, case):
        try:
            return AgreementSerializer(case.agreement).data
        except MediationAgreement.DoesNotExist:
            return None

    @extend_schema_field(NextActionSerializer(many=True))
    def get_next_actions(self, case):
        from .services import next_actions

        request = self.context.get("request")
        return next_actions(case, request.user) if request else []


class DisputeCaseCreateSerializer(ScopedModelSerializer):
    source = _choice(CaseSource, "来源")
    category = _choice(CaseCategory, "类别")
    urgency = _choice(Urgency, "紧急程度", default=Urgency.NORMAL)
    parties = PartyInputSerializer(many=True, label="当事人")
    received_at = DateTimeField(required=False, label="受理时间")

    class Meta:
        model = DisputeCase
        fields = ["village", "source", "category", "urgency", "title", "description", "received_at", "parties"]


class CaseFromVisitSerializer(serializers.Serializer):
    visit = serializers.IntegerField(label="走访记录ID")
    category = _choice(CaseCategory, "类别")
    urgency = _choice(Urgency, "紧急程度", default=Urgency.NORMAL)
    title = serializers.CharField(max_length=100, label="案由")
    description = serializers.CharField(required=False, allow_blank=True, default="", label="纠纷情况（默认：走访发现的民情）")
    parties = PartyInputSerializer(many=True, required=False, label="当事人（默认：户主）")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", label="说明")


class ClassifySerializer(NoteSerializer):
    category = _choice(CaseCategory, "类别", required=False)
    urgency = _choice(Urgency, "紧急程度", required=False)


class ResolveSerializer(NoteSerializer):
    terms = serializers.CharField(label="协议内容")
    performance = serializers.CharField(required=False, allow_blank=True, default="", label="履行方式、时限")
    mediators = serializers.CharField(max_length=200, label="调解员")
    signed_on = DateField(required=False, label="签订日期")
    confirmed_parties = serializers.ListField(child=serializers.IntegerField(), label="已确认协议的当事人ID")


class UnresolvedSerializer(serializers.Serializer):
    reason = serializers.CharField(label="未化解原因")


class ReferSerializer(NoteSerializer):
    kind = _choice(ReferralKind, "转办去向")
    target = serializers.CharField(max_length=100, label="承接单位")


class CaseEventSerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True, label="事项名称")
    from_state_display = serializers.CharField(source="get_from_state_display", read_only=True, label="原状态名称")
    to_state_display = serializers.CharField(source="get_to_state_display", read_only=True, label="新状态名称")
    from_level_display = serializers.CharField(source="get_from_level_display", read_only=True, label="原层级名称")
    to_level_display = serializers.CharField(source="get_to_level_display", read_only=True, label="新层级名称")
    actor_name = serializers.SerializerMethodField(label="操作人")

    class Meta:
        model = CaseEvent
        fields = [
            "id", "action", "action_display", "from_state", "from_state_display", "to_state", "to_state_display",
            "from_level", "from_level_display", "to_level", "to_level_display", "actor", "actor_name", "note",
            "created_at",
        ]
        read_only_fields = fields

    def get_actor_name(self, event) -> str:
        return str(event.actor) if event.actor_id else "系统"


# --- statistics -----------------------------------------------------------------------------

class FiguresSerializer(serializers.Serializer):
    received = serializers.IntegerField(label="受理")
    by_source = serializers.DictField(child=serializers.IntegerField(), label="按来源")
    by_category = serializers.DictField(child=serializers.IntegerField(), label="按类别")
    on_the_spot = serializers.IntegerField(label="现场化解")
    resolved = serializers.IntegerField(label="化解")
    referred = serializers.IntegerField(label="转办")
    concluded = serializers.IntegerField(label="已有结果（化解+转办）")
    resolved_in_village = serializers.IntegerField(label="村内化解")
    resolved_in_zone = serializers.IntegerField(label="工作区内化解（含村内）")
    share_in_village = serializers.FloatField(allow_null=True, label="小事不出村比例")
    share_in_zone = serializers.FloatField(allow_null=True, label="大事不出工作区比例")
    mean_days = serializers.FloatField(allow_null=True, label="平均化解用时（天）")
    p90_days = serializers.FloatField(allow_null=True, label="90%化解用时（天）")
    escalated_to_zone = serializers.IntegerField(label="上交工作区")
    escalated_to_town = serializers.IntegerField(label="上交街道(镇)")
    follow_ups_done = serializers.IntegerField(label="已回访")
    satisfied = serializers.IntegerField(label="满意（含基本满意）")
    satisfaction = serializers.FloatField(allow_null=True, label="满意率")


class FiguresRowSerializer(FiguresSerializer):
    id = serializers.IntegerField(label="ID")
    name = serializers.CharField(label="名称")


class StatisticsDefinitionSerializer(serializers.Serializer):
    key = serializers.CharField(label="项目")
    definition = serializers.CharField(label="口径（指标登记表）")


class StatisticsSerializer(serializers.Serializer):
    group_by = serializers.CharField(label="分组")
    rows = FiguresRowSerializer(many=True, label="分组数据")
    total = FiguresSerializer(label="合计")
    definitions = StatisticsDefinitionSerializer(many=True, label="口径")


class CaseSummarySerializer(serializers.Serializer):
    by_state = serializers.DictField(child=serializers.IntegerField(), label="按状态")
    overdue = serializers.IntegerField(label="超期")
    mine = serializers.IntegerField(label="我承办的在办案件")


# --- query parameters of the read actions (parsed here, never by hand in a view) ---------------------------

def _date(label: str, help_text: str):
    return DateField(default=timezone.localdate, label=label, help_text=help_text,
                                 error_messages={"invalid": f"{label}格式应为 YYYY-MM-DD。"})


class DayQuerySerializer(serializers.Serializer):
    date = _date("日期", "日期，默认今天")


class GapsQuerySerializer(serializers.Serializer):
    _days = "天数应为1–92的整数。"

    start = _date("开始日期", "开始日期，默认今天")
    days = serializers.IntegerField(default=14, min_value=1, max_value=92, label="天数", help_text="天数，默认14，最多92",
                                    error_messages={"invalid": _days, "min_value": _days, "max_value": _days,
                                                    "max_string_length": _days})
    room = serializers.IntegerField(required=False, label="调解室", help_text="调解室（工作区ID）",
                                    error_messages={"invalid": "调解室应为整数ID。", "max_string_length": "调解室应为整数ID。"})


class StatisticsQuerySerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=list(GROUPS), default="zone", label="分组",
                                       help_text="分组：village/zone/town，默认 zone",
                                       error_messages={"invalid_choice": f"分组应为 {'/'.join(GROUPS)} 之一。"})
