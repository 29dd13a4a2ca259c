"""Reports filed by zones and towns (工作报告): a zone's monthly report (月报) and year (我们这一年), a town's year.

A report opens as a draft for one node and period, its figures read live from the registry; submitting
freezes them (``figures``). Flow (DHIS2's data approval): 草稿 → 已提交 → 退回 (with a comment) or 已审核 by
the level above. Every step is a ``ReportStep`` on the report's timeline.
"""
import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from accounts.scoping import API_CONSUMER, ZONE_UP, ScopeSpec
from core.triggers import touch_updated_at

READERS = ZONE_UP | {API_CONSUMER}


class ReportKind(models.TextChoices):
    ZONE_MONTHLY = "zone_monthly", "工作区月报"
    ZONE_YEARLY = "zone_yearly", "工作区年度工作总结（我们这一年）"
    TOWN_YEARLY = "town_yearly", "街道(镇)年度工作报告"


# the node level and the period kind of each report kind
KIND_LEVEL = {ReportKind.ZONE_MONTHLY: "zone", ReportKind.ZONE_YEARLY: "zone", ReportKind.TOWN_YEARLY: "town"}
KIND_PERIOD = {ReportKind.ZONE_MONTHLY: "month", ReportKind.ZONE_YEARLY: "year", ReportKind.TOWN_YEARLY: "year"}


class ReportState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已审核"


@pghistory.track(exclude=["figures", "updated_at"])
class Report(models.Model):
    """工作报告。"""

    kind = models.CharField("报告类型", max_length=20, choices=ReportKind.choices)
    town = models.ForeignKey("zones.Town", on_delete=models.PROTECT, related_name="reports", verbose_name="街道(镇)")
    zone = models.ForeignKey("zones.WorkZone", null=True, blank=True, on_delete=models.PROTECT, related_name="reports",
                             verbose_name="工作区")
    period = models.CharField("统计期", max_length=24, help_text="2026-11（月）或 2026（年）")
    period_start = models.DateField("开始日期")
    period_end = models.DateField("结束日期")
    due_on = models.DateField("报送期限")
    state = models.CharField("状态", max_length=20, choices=ReportState.choices, default=ReportState.DRAFT)
    title = models.CharField("标题", max_length=100)
    highlights = models.TextField("亮点", blank=True)
    problems = models.TextField("问题", blank=True)
    next_steps = models.TextField("下步打算", blank=True)
    typical_cases = models.ManyToManyField("mediation.DisputeCase", blank=True, related_name="+", verbose_name="典型纠纷案例")
    typical_visits = models.ManyToManyField("visits.Visit", blank=True, related_name="+", verbose_name="典型走访")
    figures = models.JSONField("提交时的指标", default=dict, blank=True)
    frozen_at = models.DateTimeField("指标冻结时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="town", zone="zone", writers=ZONE_UP, readers=READERS)

    class Meta:
        verbose_name = "工作报告"
        verbose_name_plural = "工作报告"
        ordering = ["-period_end", "kind", "id"]
        triggers = [touch_updated_at()]
        constraints = [
            models.UniqueConstraint(fields=["kind", "town", "zone", "period"], nulls_distinct=False,
                                    name="report_once_per_node_and_period"),
            models.CheckConstraint(name="report_zone_kinds_have_a_zone", condition=(
                Q(kind__in=["zone_monthly", "zone_yearly"], zone__isnull=False)
                | Q(kind="town_yearly", zone__isnull=True))),
            models.CheckConstraint(name="report_state_valid", condition=Q(state__in=ReportState.values)),
        ]
        indexes = [models.Index(fields=["kind", "period"], name="report_kind_period"),
                   models.Index(fields=["updated_at", "id"], name="report_updated")]

    def __str__(self):
        return self.title

    @property
    def level(self) -> str:
        return KIND_LEVEL[self.kind]

    @property
    def node_id(self) -> int:
        return self.zone_id if self.level == "zone" else self.town_id


class ReportAction(models.TextChoices):
    OPEN = "open", "创建草稿"
    EDIT = "edit", "修改"
    ATTACH = "attach", "上传附件"
    DETACH = "detach", "删除附件"
    SUBMIT = "submit", "提交"
    RETURN = "return", "退回"
    APPROVE = "approve", "审核通过"


class ReportStep(models.Model):
    """报告的办理记录（时间线）。"""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="steps", verbose_name="报告")
    action = models.CharField("事项", max_length=20, choices=ReportAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="操作人")
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    scope = ScopeSpec(via="report", writers=ZONE_UP)

    class Meta:
        verbose_name = "报告办理记录"
        verbose_name_plural = "报告办理记录"
        ordering = ["created_at", "id"]


def _attachment_path(instance, filename: str) -> str:
    """A generated file name (the uploader's name is kept in ``name``): any upload name is safe on any storage."""
    import mimetypes
    import uuid

    extension = mimetypes.guess_extension(instance.content_type or "") or ""
    return f"reports/{instance.report_id}/{uuid.uuid4().hex}{extension}"


class ReportAttachment(models.Model):
    """报告附件：照片与文件（默认存于 var/media；生产环境可用 S3 兼容存储）。"""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments", verbose_name="报告")
    file = models.FileField("文件", upload_to=_attachment_path, max_length=300)
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="上传人")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    scope = ScopeSpec(via="report", writers=ZONE_UP)

    class Meta:
        verbose_name = "报告附件"
        verbose_name_plural = "报告附件"
        ordering = ["created_at", "id"]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
