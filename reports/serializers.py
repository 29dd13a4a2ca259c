from rest_framework import serializers

from accounts.api_base import ScopedModelSerializer

from .models import Report, ReportAttachment, ReportStep, ReportKind


class ReportStepSerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True, label="事项")
    actor_name = serializers.SerializerMethodField(label="操作人")

    class Meta:
        model = ReportStep
        fields = ["id", "action", "action_display", "actor_name", "comment", "created_at"]

    def get_actor_name(self, obj) -> str:
        return str(obj.actor) if obj.actor_id else "系统"


class ReportAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(label="下载地址")

    class Meta:
        model = ReportAttachment
        fields = ["id", "name", "content_type", "size", "is_image", "url", "created_at"]

    def get_url(self, obj) -> str:
        return f"/api/reports/{obj.report_id}/attachments/{obj.pk}/"


class ReportListSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, label="报告类型")
    state_display = serializers.CharField(source="get_state_display", read_only=True, label="状态")
    town_name = serializers.CharField(source="town.name", read_only=True, label="街道(镇)")
    zone_name = serializers.CharField(source="zone.name", read_only=True, allow_null=True, default=None, label="工作区")

    class Meta:
        model = Report
        fields = ["id", "kind", "kind_display", "title", "town", "town_name", "zone", "zone_name", "period",
                  "period_start", "period_end", "due_on", "state", "state_display", "submitted_at", "approved_at",
                  "updated_at"]
        read_only_fields = fields


class FigureSerializer(serializers.Serializer):
    code = serializers.CharField(label="指标代码")
    name = serializers.CharField(label="名称")
    definition = serializers.CharField(label="口径")
    unit = serializers.CharField(label="单位")
    group = serializers.CharField(label="类别")
    headline = serializers.BooleanField(label="重点指标")
    headline_rank = serializers.IntegerField(allow_null=True, label="重点指标的顺序")
    value = serializers.FloatField(allow_null=True, label="报告中的值（已提交为冻结值）")
    live = serializers.FloatField(allow_null=True, label="实时值")
    previous = serializers.FloatField(allow_null=True, label="上年同期")


class TypicalCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(label="案由")
    category_display = serializers.CharField(label="类别")
    state_display = serializers.CharField(label="状态")
    village_name = serializers.CharField(label="村/社区")
    received_at = serializers.DateTimeField(label="受理时间")


class TypicalVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    visited_on = serializers.DateField(label="走访日期")
    household = serializers.CharField(label="户")
    visitor_name = serializers.CharField(label="走访人")
    concerns = serializers.CharField(label="民情信息")


class ReportSerializer(ReportListSerializer):
    figures = serializers.SerializerMethodField(label="指标")
    changes_since = serializers.SerializerMethodField(label="提交后的记录变化")
    cases = serializers.SerializerMethodField(label="典型纠纷案例")
    visits = serializers.SerializerMethodField(label="典型走访")
    attachments = ReportAttachmentSerializer(many=True, read_only=True)
    timeline = ReportStepSerializer(source="steps", many=True, read_only=True)
    may_edit = serializers.SerializerMethodField(label="可修改")
    may_review = serializers.SerializerMethodField(label="可审核")

    class Meta(ReportListSerializer.Meta):
        fields = ReportListSerializer.Meta.fields + [
            "highlights", "problems", "next_steps", "frozen_at", "figures", "changes_since", "cases", "visits",
            "typical_cases", "typical_visits", "attachments", "timeline", "may_edit", "may_review"]
        read_only_fields = fields

    def get_figures(self, obj) -> FigureSerializer(many=True):
        return self.context["figures"]

    def get_changes_since(self, obj) -> list[str]:
        return self.context.get("changes_since", [])

    def get_cases(self, obj) -> TypicalCaseSerializer(many=True):
        return [{"id": c.pk, "title": c.title, "category_display": c.get_category_display(),
                 "state_display": c.get_state_display(), "village_name": c.village.name, "received_at": c.received_at}
                for c in obj.typical_cases.select_related("village").order_by("received_at")]

    def get_visits(self, obj) -> TypicalVisitSerializer(many=True):
        return [{"id": v.pk, "visited_on": v.visited_on, "household": str(v.household), "visitor_name": v.visitor_name,
                 "concerns": v.concerns} for v in obj.typical_visits.select_related("household").order_by("visited_on")]

    def get_may_edit(self, obj) -> bool:
        return self.context.get("may_edit", False)

    def get_may_review(self, obj) -> bool:
        return self.context.get("may_review", False)


class ReportOpenSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices, label="报告类型")
    node = serializers.IntegerField(label="节点", help_text="工作区报告为工作区ID，街道(镇)报告为街道(镇)ID")
    period = serializers.CharField(label="统计期", help_text="月报 2026-11，年度报告 2026")


class ReportUpdateSerializer(ScopedModelSerializer):
    class Meta:
        model = Report
        fields = ["title", "highlights", "problems", "next_steps", "typical_cases", "typical_visits"]


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", label="意见")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(label="附件")


class CompletenessQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices, label="报告类型")
    period = serializers.CharField(label="统计期")


class CompletenessRowSerializer(serializers.Serializer):
    town = serializers.IntegerField(required=False)
    town_name = serializers.CharField(required=False, label="街道(镇)")
    expected = serializers.IntegerField(label="应报")
    submitted = serializers.IntegerField(label="已报")
    on_time = serializers.IntegerField(label="按时报送")
    approved = serializers.IntegerField(label="已审核")
    submitted_rate = serializers.FloatField(allow_null=True, label="报送率%")
    on_time_rate = serializers.FloatField(allow_null=True, label="及时率%")
    approved_rate = serializers.FloatField(allow_null=True, label="审核率%")


class CompletenessSerializer(serializers.Serializer):
    kind = serializers.CharField()
    period = serializers.CharField()
    rows = CompletenessRowSerializer(many=True)
    total = CompletenessRowSerializer()
