"""The room and its duty rota (轮值排班)."""
from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from accounts.scoping import ZONE_UP, ScopeSpec
from core.models import Archivable
from core.triggers import touch_updated_at, updated_index

WEEKDAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
SLOT_LABELS = {1: ("全天",), 2: ("上午", "下午"), 3: ("上午", "下午", "晚上")}


def all_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4, 5, 6]


@pghistory.track(exclude=["updated_at"])
class MediationRoom(Archivable, models.Model):
    """轮值调解室：每个工作区一间。

    The room shares its key with its zone, so that, like the zone itself, it is
    readable by everyone below the zone (``ScopeSpec.node``): a village cadre
    sees the room of their zone and who is on duty there.
    """

    zone = models.OneToOneField(
        "zones.WorkZone", primary_key=True, on_delete=models.CASCADE, related_name="mediation_room", verbose_name="工作区"
    )
    name = models.CharField("名称", max_length=100)
    place = models.CharField("地点", max_length=200)
    opening_hours = models.CharField("开放时间", max_length=100, default="周一至周五 8:30–12:00，13:30–17:30")
    phone = models.CharField("值班电话", max_length=30, blank=True, help_text="调解室的公开值班电话（不是个人号码）")
    open_weekdays = ArrayField(
        models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]), default=all_weekdays,
        verbose_name="值班日（0=周一 … 6=周日）",
    )
    shifts_per_day = models.PositiveSmallIntegerField(
        "每日班次", default=1, validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text="1：全天一班；2：上午、下午；3：上午、下午、晚上",
    )
    legal_advisers = ArrayField(models.CharField(max_length=100), default=list, blank=True, verbose_name="法律顾问")
    volunteers = ArrayField(models.CharField(max_length=100), default=list, blank=True, verbose_name="志愿者")
    created_at = models.DateTimeField("设立时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="zone__town", zone="zone", node="zone", writers=ZONE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("room_updated", pk="zone")]
        verbose_name = "轮值调解室"
        verbose_name_plural = "轮值调解室"
        ordering = ["zone_id"]
        constraints = [
            models.CheckConstraint(name="room_shifts_per_day_1_to_3", condition=Q(shifts_per_day__gte=1, shifts_per_day__lte=3)),
            models.CheckConstraint(name="room_open_weekdays_valid", condition=Q(open_weekdays__contained_by=[0, 1, 2, 3, 4, 5, 6])),
        ]

    def __str__(self):
        return self.name

    def slot_label(self, slot: int) -> str:
        labels = SLOT_LABELS.get(self.shifts_per_day, ())
        return labels[slot - 1] if 1 <= slot <= len(labels) else f"第{slot}班"


class OfficerKind(models.TextChoices):
    SECRETARY = "secretary", "工作区党委书记"
    DEPUTY = "deputy", "工作区副书记"
    COMMITTEE = "committee", "工作区党委委员"
    VILLAGE_SECRETARY = "village_secretary", "村党组织书记"
    OTHER = "other", "其他"


@pghistory.track(exclude=["updated_at"])
class DutyOfficer(Archivable, models.Model):
    """轮值人员：工作区书记、副书记、委员和村党组织书记轮流坐班。"""

    room = models.ForeignKey(MediationRoom, on_delete=models.CASCADE, related_name="officers", verbose_name="调解室")
    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("身份", max_length=20, choices=OfficerKind.choices)
    committee_member = models.ForeignKey(
        "zones.CommitteeMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="工作区党委成员"
    )
    village_cadre = models.ForeignKey(
        "villages.VillageCadre", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="村干部"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="duty_officers",
        verbose_name="平台账号", help_text="值班时接收上交到工作区的案件和提醒",
    )
    rotation_order = models.PositiveSmallIntegerField("轮值顺序", default=0)
    weekdays_off = ArrayField(
        models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]), default=list, blank=True,
        verbose_name="每周休息日（0=周一）",
    )
    dates_off = ArrayField(models.DateField(), default=list, blank=True, verbose_name="请假日期")
    active = models.BooleanField("参加轮值", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="room__zone__town", zone="room", writers=ZONE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("duty_officer_updated")]
        verbose_name = "轮值人员"
        verbose_name_plural = "轮值人员"
        ordering = ["room_id", "rotation_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], condition=Q(user__isnull=False), name="duty_officer_user_once_per_room"),
            models.CheckConstraint(name="duty_officer_weekdays_off_valid", condition=Q(weekdays_off__contained_by=[0, 1, 2, 3, 4, 5, 6])),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"

    def is_off(self, day) -> bool:
        return day.weekday() in self.weekdays_off or day in self.dates_off


@pghistory.track(exclude=["updated_at"])
class DutyShift(models.Model):
    """值班班次：某日某班由谁坐班；无人值班的班次提前预警。"""

    room = models.ForeignKey(MediationRoom, on_delete=models.CASCADE, related_name="shifts", verbose_name="调解室")
    date = models.DateField("日期")
    slot = models.PositiveSmallIntegerField("班次", default=1, validators=[MinValueValidator(1), MaxValueValidator(3)])
    officer = models.ForeignKey(
        DutyOfficer, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts", verbose_name="值班人员"
    )
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="room__zone__town", zone="room", writers=ZONE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        verbose_name = "值班班次"
        verbose_name_plural = "值班班次"
        ordering = ["room_id", "date", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["room", "date", "slot"], name="duty_shift_one_per_slot"),
            # nobody is on duty twice on one day (NULLs, i.e. uncovered shifts, are distinct)
            models.UniqueConstraint(fields=["room", "date", "officer"], name="duty_shift_officer_once_a_day"),
            models.CheckConstraint(name="duty_shift_slot_1_to_3", condition=Q(slot__gte=1, slot__lte=3)),
        ]
        indexes = [updated_index("duty_shift_updated"), models.Index(fields=["date"], condition=Q(officer__isnull=True), name="duty_shift_uncovered")]

    def __str__(self):
        return f"{self.date} {self.room.slot_label(self.slot)}"
