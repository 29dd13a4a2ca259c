import pghistory
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

from accounts.scoping import ADMIN_ONLY, GRID_MEMBER, VILLAGE_UP, ZONE_UP, ScopeSpec
from core.triggers import touch_updated_at, updated_index
from members.models import Duty
from villages.models import HouseholdColor

COLORS = tuple(HouseholdColor.values)  # green, yellow, orange, red: least to most urgent
COLOR_RANK = {color: rank for rank, color in enumerate(COLORS)}
DEFAULT_INTERVALS = {"green": 90, "yellow": 30, "orange": 14, "red": 7}
DEFAULT_CONTENT = {
    "green": ["宣传政策法规", "了解生产生活情况", "听取意见建议"],
    "yellow": ["宣传政策法规", "了解生产生活情况", "听取意见建议", "了解困难诉求"],
    "orange": ["了解困难诉求", "落实帮扶措施", "排查安全隐患", "心理疏导"],
    "red": ["了解困难诉求", "落实帮扶措施", "排查安全隐患", "化解矛盾纠纷", "心理疏导"],
}
DEFAULT_REMIND_DAYS_BEFORE = 7
DEFAULT_ESCALATION = {"escalate_grid_days": 3, "escalate_zone_red_days": 7, "escalate_zone_days": 14, "escalate_town_days": 30}
MAX_INTERVAL_DAYS = 366

VISIT_WRITERS = VILLAGE_UP | {GRID_MEMBER}


def _interval_field(color_label: str, default: int):
    return models.PositiveSmallIntegerField(
        f"{color_label}户走访间隔(天)", default=default,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INTERVAL_DAYS)],
    )


def default_green_content() -> list[str]:
    return list(DEFAULT_CONTENT["green"])


def default_yellow_content() -> list[str]:
    return list(DEFAULT_CONTENT["yellow"])


def default_orange_content() -> list[str]:
    return list(DEFAULT_CONTENT["orange"])


def default_red_content() -> list[str]:
    return list(DEFAULT_CONTENT["red"])


def _content_field(color_label: str, default):
    return ArrayField(
        models.CharField(max_length=50), default=default, blank=True, verbose_name=f"{color_label}户走访内容",
        help_text="走访时应覆盖的事项",
    )


@pghistory.track(exclude=["updated_at"])
class VisitPolicy(models.Model):
    """走访策略：每个街道(镇)一份，工作区可单独覆盖。决定各色户的走访频次、走访内容和逾期上报时限。"""

    town = models.ForeignKey("zones.Town", on_delete=models.CASCADE, related_name="visit_policies", verbose_name="街道(镇)")
    zone = models.OneToOneField(
        "zones.WorkZone", null=True, blank=True, on_delete=models.CASCADE, related_name="visit_policy",
        verbose_name="工作区（为空表示全街道）",
    )
    green_days = _interval_field("绿色", DEFAULT_INTERVALS["green"])
    yellow_days = _interval_field("黄色", DEFAULT_INTERVALS["yellow"])
    orange_days = _interval_field("橙色", DEFAULT_INTERVALS["orange"])
    red_days = _interval_field("红色", DEFAULT_INTERVALS["red"])
    green_content = _content_field("绿色", default_green_content)
    yellow_content = _content_field("黄色", default_yellow_content)
    orange_content = _content_field("橙色", default_orange_content)
    red_content = _content_field("红色", default_red_content)
    remind_days_before = models.PositiveSmallIntegerField(
        "提前提醒天数", default=DEFAULT_REMIND_DAYS_BEFORE, validators=[MaxValueValidator(60)],
        help_text="到期前多少天开始提醒联户党员",
    )
    escalate_grid_days = models.PositiveSmallIntegerField("逾期几天告知网格员", default=DEFAULT_ESCALATION["escalate_grid_days"])
    escalate_zone_red_days = models.PositiveSmallIntegerField(
        "红色户逾期几天上报工作区", default=DEFAULT_ESCALATION["escalate_zone_red_days"]
    )
    escalate_zone_days = models.PositiveSmallIntegerField("其他户逾期几天上报工作区", default=DEFAULT_ESCALATION["escalate_zone_days"])
    escalate_town_days = models.PositiveSmallIntegerField("逾期几天上报街道", default=DEFAULT_ESCALATION["escalate_town_days"])
    updated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="修改人"
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="town", zone="zone", writers=ZONE_UP)

    class Meta:
        verbose_name = "走访策略"
        verbose_name_plural = "走访策略"
        ordering = ["town_id", "zone_id"]
        triggers = [touch_updated_at()]
        constraints = [
            models.UniqueConstraint(fields=["town"], condition=Q(zone__isnull=True), name="visit_policy_one_per_town"),
            models.CheckConstraint(
                name="visit_policy_intervals_positive",
                condition=Q(green_days__gte=1, yellow_days__gte=1, orange_days__gte=1, red_days__gte=1),
            ),
            models.CheckConstraint(
                name="visit_policy_escalation_ordered",
                condition=Q(escalate_zone_red_days__gte=F("escalate_grid_days"))
                & Q(escalate_zone_days__gte=F("escalate_zone_red_days"))
                & Q(escalate_town_days__gte=F("escalate_zone_days")),
            ),
        ]

    def __str__(self):
        return f"{self.zone or self.town}走访策略"

    def interval(self, color: str) -> int:
        return getattr(self, f"{color}_days")

    def content(self, color: str) -> list[str]:
        return list(getattr(self, f"{color}_content"))


class ColorChangeSource(models.TextChoices):
    MANUAL = "manual", "人工调整"
    SUGGESTION = "suggestion", "采纳系统建议"
    HOUSEHOLD_EDIT = "household_edit", "修改户信息时变更"


@pghistory.track()
class ColorChange(models.Model):
    """四色分类变更记录：谁、何时、从何色到何色、原因。"""

    household = models.ForeignKey(
        "villages.Household", on_delete=models.CASCADE, related_name="color_changes", verbose_name="户"
    )
    from_color = models.CharField("原颜色", max_length=10, choices=HouseholdColor.choices)
    to_color = models.CharField("新颜色", max_length=10, choices=HouseholdColor.choices)
    reason = models.TextField("调整原因", blank=True)
    source = models.CharField("来源", max_length=20, choices=ColorChangeSource.choices, default=ColorChangeSource.MANUAL)
    changed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="调整人"
    )
    changed_at = models.DateTimeField("调整时间", db_default=Now())
    next_visit_due = models.DateField("调整后下次走访日期", null=True, blank=True)

    scope = ScopeSpec(
        via="household", writers=VISIT_WRITERS,  # in scope exactly when its household is (accounts.scoping)
    )

    class Meta:
        verbose_name = "四色分类变更"
        verbose_name_plural = "四色分类变更"
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.CheckConstraint(name="color_change_changes_color", condition=~Q(from_color=F("to_color"))),
        ]
        indexes = [models.Index(fields=["household", "-changed_at"], name="color_change_household")]

    def __str__(self):
        return f"{self.household_id}: {self.from_color} → {self.to_color}"


class SuggestionDecision(models.TextChoices):
    ACCEPTED = "accepted", "采纳"
    REJECTED = "rejected", "不采纳"


@pghistory.track()
class ColorSuggestionReview(models.Model):
    """四色调整建议的审核：采纳（随之调整颜色）或不采纳（须写明理由）。

    A rejected suggestion leaves the review list while the household keeps the color and the suggestion it was
    rejected for; a new suggestion (other circumstances) or a new color brings it back."""

    household = models.ForeignKey(
        "villages.Household", on_delete=models.CASCADE, related_name="color_suggestion_reviews", verbose_name="户"
    )
    from_color = models.CharField("当时颜色", max_length=10, choices=HouseholdColor.choices)
    suggested_color = models.CharField("建议颜色", max_length=10, choices=HouseholdColor.choices)
    decision = models.CharField("审核结果", max_length=10, choices=SuggestionDecision.choices)
    reason = models.TextField("理由", blank=True)
    color_change = models.ForeignKey(
        ColorChange, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="采纳后的调整"
    )
    reviewed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="审核人"
    )
    reviewed_at = models.DateTimeField("审核时间", db_default=Now())

    # in scope exactly when its household is; written only by the review actions of the colour changes
    # (accept: VISIT_WRITERS, reject: village cadres and up), never through its own read-only endpoint
    scope = ScopeSpec(via="household")

    class Meta:
        verbose_name = "四色调整建议审核"
        verbose_name_plural = "四色调整建议审核"
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(name="suggestion_rejection_has_reason",
                                   condition=~Q(decision="rejected") | ~Q(reason="")),
        ]
        indexes = [models.Index(fields=["household", "suggested_color"], name="suggestion_review_household")]

    def __str__(self):
        return f"{self.household_id}: {self.get_decision_display()} {self.suggested_color}"


class VisitMethod(models.TextChoices):
    IN_PERSON = "in_person", "入户"
    PHONE = "phone", "电话"
    ONLINE = "online", "微信/视频"


@pghistory.track(exclude=["updated_at"])
class Visit(models.Model):
    """走访记录：谁、何时、怎么走访、覆盖了哪些内容、履行了哪些"六大员"职责、发现的民情。"""

    household = models.ForeignKey("villages.Household", on_delete=models.PROTECT, related_name="visits", verbose_name="户")
    visitor_member = models.ForeignKey(
        "members.PartyMember", null=True, blank=True, on_delete=models.PROTECT, related_name="visits", verbose_name="走访党员"
    )
    visitor_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="走访人（网格员）"
    )
    visitor_name = models.CharField("走访人", max_length=50)
    visited_on = models.DateField("走访日期")
    method = models.CharField("走访方式", max_length=20, choices=VisitMethod.choices, default=VisitMethod.IN_PERSON)
    color = models.CharField("走访时颜色", max_length=10, choices=HouseholdColor.choices)
    content = ArrayField(models.CharField(max_length=50), default=list, blank=True, verbose_name="走访内容")
    duties = ArrayField(models.CharField(max_length=20, choices=Duty.choices), default=list, blank=True, verbose_name="履行职责（六大员）")
    concerns = models.TextField("民情信息", blank=True)
    follow_up_needed = models.BooleanField("需要跟进", default=False)
    follow_up_note = models.TextField("跟进事项", blank=True)
    follow_up_done_at = models.DateTimeField("跟进办结时间", null=True, blank=True)
    follow_up_done_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="跟进办结人"
    )
    follow_up_result = models.TextField("跟进结果", blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    corrected_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="更正人"
    )
    corrected_at = models.DateTimeField("更正时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(
        via="household", writers=VISIT_WRITERS,  # in scope exactly when its household is (accounts.scoping)
    )

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_on", "-id"]
        triggers = [touch_updated_at()]
        constraints = [
            models.CheckConstraint(
                name="visit_has_visitor", condition=Q(visitor_member__isnull=False) | Q(visitor_user__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["household", "-visited_on"], name="visit_household_recent"),
            models.Index(fields=["visitor_member", "-visited_on"], name="visit_member_recent"),
            models.Index(fields=["visited_on"], name="visit_visited_on"),
            updated_index("visit_updated"),
            # the follow-up work list: visits still waiting for their follow-up (a few per grid)
            models.Index(fields=["visited_on"], condition=Q(follow_up_needed=True, follow_up_done_at__isnull=True),
                         name="visit_follow_up_open"),
        ]

    def __str__(self):
        return f"{self.visitor_name} {self.visited_on} 走访 {self.household_id}"


class HouseholdVisitState(models.Model):
    """每户最近一次走访（由走访服务维护），供覆盖率统计用：不必每次扫描全部走访记录。"""

    household = models.OneToOneField(
        "villages.Household", primary_key=True, on_delete=models.CASCADE, related_name="visit_state", verbose_name="户"
    )
    last_visit = models.ForeignKey(Visit, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="最近走访")
    last_visited_on = models.DateField("最近走访日期")
    visits = models.PositiveIntegerField("走访次数", default=0)

    scope = ScopeSpec(
        via="household",  # in scope exactly when its household is (accounts.scoping)
    )

    class Meta:
        verbose_name = "户走访状态"
        verbose_name_plural = "户走访状态"

    def __str__(self):
        return f"{self.household_id}: {self.last_visited_on}"


class EscalationStep(models.TextChoices):
    MEMBER = "member", "联户党员"
    GRID = "grid", "网格员"
    ZONE = "zone", "工作区党委"
    TOWN = "town", "街道(镇)"


class Reminder(models.Model):
    """走访提醒：每户每个到期日一条（唯一），逾期后按阶梯逐级上报，每级只通知一次。

    A reminder is *open* while its due date is the household's current one (``closed_on`` empty): the visit
    services close it when they move the due date, and re-address it when the household's first contact
    changes, so the daily digest counts open reminders by recipient without re-deriving who is responsible
    for every household. ``next_step_on`` is the day the next escalation step falls due, so each day's
    ladder reads only the reminders that reach a step that day.

    High-volume derived rows (one per household and due date, 700,000 in one backlog run): the foreign keys
    are kept by Django (cascade/set null) but not as database constraints, whose deferred per-row checks
    cost more than the insert itself (see BENCHMARKS.md); the household's index is the unique one's first
    column, the recipient's is the open reminders' index (people read their open reminders; every other list
    goes through the household's hierarchy).
    """

    household = models.ForeignKey(
        "villages.Household", on_delete=models.CASCADE, related_name="reminders", verbose_name="户",
        db_constraint=False, db_index=False,
    )
    due_on = models.DateField("应走访日期")
    recipient = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="visit_reminders",
        verbose_name="提醒对象", help_text="该户当前的首要联系人（联户党员，无则网格员）；联户变更时随之更新",
        db_constraint=False, db_index=False,
    )
    color = models.CharField("颜色", max_length=10, choices=HouseholdColor.choices)
    created_on = models.DateField("提醒日期")
    created_at = models.DateTimeField("创建时间", db_default=Now())
    closed_on = models.DateField("结束日期", null=True, blank=True, help_text="到期日被走访或调整改变的日期；为空表示仍待走访")
    next_step_on = models.DateField("下一级上报日期", null=True, blank=True)
    escalated_grid_at = models.DateTimeField("告知网格员时间", null=True, blank=True)
    escalated_zone_at = models.DateTimeField("上报工作区时间", null=True, blank=True)
    escalated_town_at = models.DateTimeField("上报街道时间", null=True, blank=True)

    scope = ScopeSpec(
        via="household", owner="recipient",  # in scope when its household is, or addressed to oneself
    )

    class Meta:
        verbose_name = "走访提醒"
        verbose_name_plural = "走访提醒"
        ordering = ["-due_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "due_on"], name="reminder_once_per_household_due"),
        ]
        indexes = [
            models.Index(fields=["recipient"], include=["due_on"], condition=Q(closed_on__isnull=True),
                         name="reminder_open_by_recipient"),
            models.Index(fields=["next_step_on"], condition=Q(next_step_on__isnull=False), name="reminder_next_step"),
            # every reminder addressed to one, closed ones too: the scope's "owner" half (issue 9), read by index
            models.Index(fields=["recipient"], name="reminder_recipient"),
            BrinIndex(fields=["created_at"], name="reminder_created_at_brin"),
        ]

    def __str__(self):
        return f"{self.household_id} @ {self.due_on}"


class ReminderRun(models.Model):
    """每日提醒任务的运行记录：清扫任务据此补跑中断的当日任务；尝试次数封顶，避免毒消息无限重投。"""

    run_on = models.DateField("任务日期", unique=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    stats = models.JSONField("统计", default=dict, blank=True)
    last_error = models.TextField("最近错误", blank=True)

    scope = ScopeSpec(writers=ADMIN_ONLY)

    class Meta:
        verbose_name = "提醒任务运行记录"
        verbose_name_plural = "提醒任务运行记录"
        ordering = ["-run_on"]

    def __str__(self):
        return f"{self.run_on}: {'完成' if self.finished_at else '未完成'}"


class CoverageSnapshot(models.Model):
    """每日每村的走访覆盖快照（由每日任务写入），用于覆盖率趋势图。"""

    taken_on = models.DateField("日期")
    village = models.ForeignKey("villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name="村/社区")
    zone = models.ForeignKey("zones.WorkZone", on_delete=models.CASCADE, related_name="+", verbose_name="工作区")
    town = models.ForeignKey("zones.Town", on_delete=models.CASCADE, related_name="+", verbose_name="街道(镇)")
    households = models.PositiveIntegerField("户数")
    covered = models.PositiveIntegerField("按期走访户数")
    overdue = models.PositiveIntegerField("逾期户数")

    scope = ScopeSpec(town="town", zone="zone", village="village")

    class Meta:
        verbose_name = "走访覆盖快照"
        verbose_name_plural = "走访覆盖快照"
        ordering = ["taken_on", "village_id"]
        constraints = [
            models.UniqueConstraint(fields=["taken_on", "village"], name="coverage_snapshot_once_per_day"),
        ]
        indexes = [
            models.Index(fields=["zone", "taken_on"], name="coverage_zone_day"),
            models.Index(fields=["town", "taken_on"], name="coverage_town_day"),
        ]


class DayBitsField(models.Field):
    """A year's days as PostgreSQL ``bit(366)``: bit ``n`` (0-based, from the left) is day of year ``n + 1``.
    Written and read only by SQL (``visits.analytics``): ``set_bit``, ``&``, ``bit_or``, ``bit_count``."""

    description = "days of one year (bit(366))"

    def db_type(self, connection):
        return "bit(366)"


class VisitDay(models.Model):
    """Analytics table (DHIS2's analytics tables): the visits of one village on one day, summed per measure.

    Derived from ``Visit`` and kept exact in the same transaction by the visit services (``visits.analytics``):
    a logged visit adds its measures, a correction moves them, households that change village rebuild both
    villages. The figures registry reads it instead of scanning a year of visits (2.6 million at district
    scale); ``analytics.rebuild`` recomputes it from the visits (the demo seed, the nightly check). The zone
    and town come from the village at read time, so a village moving to another zone needs nothing here.
    """

    village = models.ForeignKey("villages.Village", on_delete=models.DO_NOTHING, db_constraint=False,
                                related_name="+", verbose_name="村/社区")
    day = models.DateField("日期")
    total = models.IntegerField("走访次数", default=0)
    method_in_person = models.IntegerField("入户", default=0)
    method_phone = models.IntegerField("电话", default=0)
    method_online = models.IntegerField("微信/视频", default=0)
    duty_policy = models.IntegerField("政策法规宣传员", default=0)
    duty_model = models.IntegerField("中心工作示范员", default=0)
    duty_concerns = models.IntegerField("民情信息收集员", default=0)
    duty_guardian = models.IntegerField("和美乡村守护员", default=0)
    duty_harmony = models.IntegerField("和谐稳定促进员", default=0)
    duty_development = models.IntegerField("推动发展服务员", default=0)
    concerns = models.IntegerField("收集民情", default=0)
    concerns_on_spot = models.IntegerField("民情当场解决", default=0)

    scope = ScopeSpec(via="village")  # in scope exactly when its village is

    class Meta:
        verbose_name = "走访日汇总"
        verbose_name_plural = "走访日汇总"
        constraints = [models.UniqueConstraint(fields=["village", "day"], name="visitday_village_day")]
        indexes = [models.Index(fields=["day"], name="visitday_day")]


class HouseholdVisitYear(models.Model):
    """Analytics table: the days of one year on which a household was visited in person (``bit(366)``), so
    "households visited in person in a period" is one bit test per household and year instead of a distinct
    count over the period's visits. Kept by the visit services with ``VisitDay`` (``visits.analytics``)."""

    household = models.ForeignKey("villages.Household", on_delete=models.CASCADE, db_constraint=False,
                                  related_name="+", verbose_name="户")
    year = models.PositiveSmallIntegerField("年度")
    days = DayBitsField("入户走访日")

    scope = ScopeSpec(via="household")

    class Meta:
        verbose_name = "户年度入户走访日"
        verbose_name_plural = "户年度入户走访日"
        constraints = [models.UniqueConstraint(fields=["year", "household"], name="householdvisityear_year_household")]
