"""Dispute cases, their parties, timeline, agreement and follow-up visits."""
from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from accounts.scoping import VILLAGE_UP, ScopeSpec
from core import pii
from core.text import PinyinKeyMixin
from core.triggers import touch_updated_at, updated_index


class CaseSource(models.TextChoices):
    GRID = "grid", "网格/走访"
    HOTLINE = "hotline", "12345热线"
    POLICE = "police", "警情"
    PETITION = "petition", "信访"
    JUDICIAL = "judicial", "司法"
    WALK_IN = "walk_in", "来访"


class CaseCategory(models.TextChoices):
    NEIGHBOUR = "neighbour", "邻里纠纷"
    FAMILY = "family", "婚姻家庭"
    LAND = "land", "土地/宅基地"
    PROPERTY = "property", "物业"
    LABOUR = "labour", "劳资"
    CONTRACT = "contract", "合同"
    OTHER = "other", "其他"


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"
    CRITICAL = "critical", "特急"


class CaseState(models.TextChoices):
    RECEIVED = "received", "受理"
    CLASSIFIED = "classified", "分类处置"
    MEDIATING = "mediating", "调处中"
    RESOLVED = "resolved", "化解"
    UNRESOLVED = "unresolved", "未化解"
    ESCALATED = "escalated", "上交"
    REFERRED = "referred", "转办"
    FOLLOW_UP = "follow_up", "回访"
    CLOSED = "closed", "结案"


class CaseLevel(models.TextChoices):
    VILLAGE = "village", "村级"
    ZONE = "zone", "工作区"
    TOWN = "town", "街道(镇)"


class ReferralKind(models.TextChoices):
    DEPARTMENT = "department", "职能部门"
    COURT = "court", "人民法院"


@pghistory.track(
    exclude=["updated_at", "last_activity_at"], obj_field=pghistory.ObjForeignKey(related_name="audit_events"),
)
class DisputeCase(models.Model):
    """矛盾纠纷案件：受理 → 分类处置 → 调处 → 化解/上交/转办 → 回访 → 结案。"""

    title = models.CharField("案由", max_length=100)
    source = models.CharField("来源", max_length=20, choices=CaseSource.choices)
    category = models.CharField("类别", max_length=20, choices=CaseCategory.choices)
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.TextField("纠纷情况")
    village = models.ForeignKey("villages.Village", on_delete=models.PROTECT, related_name="dispute_cases", verbose_name="村/社区")
    # The village's zone and town, denormalised so that scope filters, lists and statistics need no join.
    # Set from the village by the services; kept when a village changes zone (or a zone changes town) by
    # the database triggers of migration 0003.
    zone = models.ForeignKey(
        "zones.WorkZone", on_delete=models.PROTECT, related_name="dispute_cases", verbose_name="工作区", editable=False
    )
    town = models.ForeignKey(
        "zones.Town", on_delete=models.PROTECT, related_name="dispute_cases", verbose_name="街道(镇)", editable=False
    )
    # A concern found on a four-color visit can open a case: case.visit / visit.dispute_cases.
    visit = models.ForeignKey(
        "visits.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="dispute_cases",
        verbose_name="来源走访", editable=False,
    )
    state = models.CharField("状态", max_length=20, choices=CaseState.choices, default=CaseState.RECEIVED, editable=False)
    level = models.CharField("办理层级", max_length=10, choices=CaseLevel.choices, default=CaseLevel.VILLAGE, editable=False)
    level_deadline = models.DateField("本级办理期限", editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_dispute_cases",
        verbose_name="承办人", editable=False,
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="受理人",
        editable=False,
    )
    received_at = models.DateTimeField("受理时间", default=timezone.now)
    last_activity_at = models.DateTimeField("最近办理时间", default=timezone.now, editable=False)
    zone_escalated_at = models.DateTimeField("上交工作区时间", null=True, blank=True, editable=False)
    town_escalated_at = models.DateTimeField("上交街道(镇)时间", null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField("化解时间", null=True, blank=True, editable=False)
    resolved_level = models.CharField("化解层级", max_length=10, choices=CaseLevel.choices, blank=True, editable=False)
    on_the_spot = models.BooleanField("现场化解", default=False, editable=False)
    referred_at = models.DateTimeField("转办时间", null=True, blank=True, editable=False)
    referral_kind = models.CharField("转办去向", max_length=20, choices=ReferralKind.choices, blank=True, editable=False)
    referral_target = models.CharField("承接单位", max_length=100, blank=True, editable=False)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope = ScopeSpec(town="town", zone="zone", village="village", owner="assignee", writers=VILLAGE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        verbose_name = "矛盾纠纷案件"
        verbose_name_plural = "矛盾纠纷案件"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(name="case_source_valid", condition=Q(source__in=CaseSource.values)),
            models.CheckConstraint(name="case_category_valid", condition=Q(category__in=CaseCategory.values)),
            models.CheckConstraint(name="case_state_valid", condition=Q(state__in=CaseState.values)),
            models.CheckConstraint(name="case_level_valid", condition=Q(level__in=CaseLevel.values)),
            models.CheckConstraint(
                name="case_resolution_consistent",
                condition=Q(resolved_at__isnull=True, resolved_level="") | Q(resolved_at__isnull=False) & ~Q(resolved_level=""),
            ),
            models.CheckConstraint(
                name="case_referral_consistent",
                condition=Q(referred_at__isnull=True, referral_kind="") | Q(referred_at__isnull=False) & ~Q(referral_kind=""),
            ),
        ]
        indexes = [
            updated_index("case_updated"),  # incremental pulls (?updated_since=)
            models.Index(fields=["village", "-received_at", "-id"], name="case_village_received"),
            models.Index(fields=["zone", "-received_at", "-id"], name="case_zone_received"),
            models.Index(fields=["town", "-received_at", "-id"], name="case_town_received"),
            models.Index(fields=["-received_at", "-id"], name="case_received"),
            models.Index(fields=["state", "last_activity_at"], name="case_state_activity"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def place_in(self, village) -> None:
        """Set the village and its denormalised zone and town."""
        self.village = village
        self.zone_id = village.zone_id
        self.town_id = village.zone.town_id

    @property
    def number(self) -> str:
        """案件编号（协议书等处显示）：〔年份〕调字第N号。"""
        year = timezone.localtime(self.received_at).year if self.received_at else ""
        return f"〔{year}〕调字第{self.pk}号"

    @property
    def is_overdue(self) -> bool:
        """One definition (also in selectors.cases_overdue): the level deadline is before today."""
        return self.state not in OPEN_STATES_EXCLUDED and self.level_deadline < timezone.localdate()


# States in which a case no longer runs against a level deadline.
OPEN_STATES_EXCLUDED = frozenset({CaseState.RESOLVED, CaseState.REFERRED, CaseState.FOLLOW_UP, CaseState.CLOSED})


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    RESPONDENT = "respondent", "被申请人"
    THIRD = "third", "第三人"


@pghistory.track(exclude=["name_pinyin"])
class DisputeParty(PinyinKeyMixin, pii.ProtectedPhoneMixin, models.Model):
    """纠纷当事人。电话、身份证号加密保存，列表只显示脱敏形式。"""

    pii_fields = ("id_number", "phone")

    case = models.ForeignKey(DisputeCase, on_delete=models.CASCADE, related_name="parties", verbose_name="案件")
    role = models.CharField("身份", max_length=20, choices=PartyRole.choices, default=PartyRole.APPLICANT)
    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField("拼音", max_length=200, blank=True, editable=False)
    phone_encrypted = models.TextField("电话(密文)", blank=True, editable=False)
    phone_hash = models.CharField("电话(摘要)", max_length=pii.HASH_MAX_LENGTH, blank=True, editable=False, db_index=True)
    phone_masked = models.CharField("电话", max_length=20, blank=True, editable=False)
    id_number_encrypted = models.TextField("身份证号(密文)", blank=True, editable=False)
    id_number_hash = models.CharField("身份证号(摘要)", max_length=pii.HASH_MAX_LENGTH, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField("身份证号", max_length=18, blank=True, editable=False)
    address = models.CharField("住址", max_length=200, blank=True)
    confirmed_at = models.DateTimeField("确认协议时间", null=True, blank=True, editable=False)

    scope = ScopeSpec(
        via="case", owner="case__assignee",  # in scope exactly when its case is
        writers=VILLAGE_UP,
    )

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        ordering = ["case_id", "id"]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"

    def set_id_number(self, raw: str) -> None:
        if not (raw or "").strip():
            self.id_number_encrypted = self.id_number_hash = self.id_number_masked = ""
            return
        value = pii.normalize_id_number(raw)
        self.id_number_encrypted = pii.encrypt(value)
        self.id_number_hash = pii.keyed_hash(value)
        self.id_number_masked = pii.mask_id_number(value)

    def reveal(self) -> dict:
        return {"phone": pii.decrypt(self.phone_encrypted), "id_number": pii.decrypt(self.id_number_encrypted)}


class EventAction(models.TextChoices):
    INTAKE = "intake", "受理登记"
    CLASSIFY = "classify", "分类处置"
    START = "start", "开始调处"
    RESOLVE = "resolve", "调解成功"
    MARK_UNRESOLVED = "mark_unresolved", "调解未成"
    ESCALATE = "escalate", "上交"
    AUTO_ESCALATE = "auto_escalate", "超期自动上交"
    REFER = "refer", "转办"
    SCHEDULE_FOLLOW_UP = "schedule_follow_up", "安排回访"
    FOLLOW_UP = "follow_up", "回访"
    CLOSE = "close", "结案"


class CaseEvent(models.Model):
    """案件办理记录：每一次状态变更（谁、何时、说明、从何状态到何状态）。"""

    case = models.ForeignKey(DisputeCase, on_delete=models.CASCADE, related_name="events", verbose_name="案件")
    action = models.CharField("事项", max_length=30, choices=EventAction.choices)
    from_state = models.CharField("原状态", max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=20, choices=CaseState.choices)
    from_level = models.CharField("原层级", max_length=10, choices=CaseLevel.choices, blank=True)
    to_level = models.CharField("新层级", max_length=10, choices=CaseLevel.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="操作人", help_text="空：系统（定时任务）",
    )
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    scope = ScopeSpec(
        via="case", owner="case__assignee",  # in scope exactly when its case is
    )

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["case_id", "created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_case_time")]

    def __str__(self):
        return f"{self.get_action_display()}：{self.get_from_state_display()} → {self.get_to_state_display()}"


@pghistory.track()
class MediationAgreement(models.Model):
    """人民调解协议：调解成功时签订，须经全部当事人确认。"""

    case = models.OneToOneField(DisputeCase, on_delete=models.CASCADE, related_name="agreement", verbose_name="案件")
    terms = models.TextField("协议内容")
    performance = models.TextField("履行方式、时限", blank=True)
    mediators = models.CharField("调解员", max_length=200)
    signed_on = models.DateField("签订日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    scope = ScopeSpec(
        via="case", owner="case__assignee",  # in scope exactly when its case is
    )

    class Meta:
        verbose_name = "人民调解协议"
        verbose_name_plural = "人民调解协议"

    def __str__(self):
        return f"{self.case.number} 调解协议"


class FollowUpMethod(models.TextChoices):
    VISIT = "visit", "入户"
    PHONE = "phone", "电话"
    ONLINE = "online", "微信/视频"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


SATISFIED_VALUES = (Satisfaction.SATISFIED, Satisfaction.BASIC)


@pghistory.track(exclude=["updated_at"])
class FollowUp(models.Model):
    """跟踪回访：化解或转办后按期（默认第7天、第30天）回访，记录满意度。"""

    case = models.ForeignKey(DisputeCase, on_delete=models.CASCADE, related_name="follow_ups", verbose_name="案件")
    sequence = models.PositiveSmallIntegerField("第几次回访")
    due_date = models.DateField("回访日期")
    done_on = models.DateField("实际回访日期", null=True, blank=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="回访人"
    )
    method = models.CharField("回访方式", max_length=10, choices=FollowUpMethod.choices, blank=True)
    satisfaction = models.CharField("满意度", max_length=20, choices=Satisfaction.choices, blank=True)
    agreement_performed = models.BooleanField("协议已履行", null=True, blank=True)
    note = models.TextField("回访情况", blank=True)
    created_at = models.DateTimeField("安排时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(
        via="case", owner="case__assignee",  # in scope exactly when its case is
        writers=VILLAGE_UP,
    )

    class Meta:
        triggers = [touch_updated_at()]
        verbose_name = "跟踪回访"
        verbose_name_plural = "跟踪回访"
        ordering = ["case_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="follow_up_once_per_sequence"),
            models.CheckConstraint(
                name="follow_up_done_has_result",
                condition=Q(done_on__isnull=True, satisfaction="") | Q(done_on__isnull=False) & ~Q(satisfaction=""),
            ),
        ]
        indexes = [updated_index("follow_up_updated"), models.Index(fields=["due_date"], condition=Q(done_on__isnull=True), name="follow_up_pending_due")]

    def __str__(self):
        return f"{self.case.number} 第{self.sequence}次回访"
