import datetime

import pghistory
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from accounts.scoping import ADMIN_ONLY, ZONE_UP, ScopeSpec
from core.models import Archivable
from core.text import PinyinKeyMixin
from core.triggers import touch_updated_at, updated_index


@pghistory.track(exclude=["updated_at"])
class Town(Archivable, PinyinKeyMixin, models.Model):
    """街道/镇。"""

    name = models.CharField("名称", max_length=50, unique=True)
    code = models.CharField("区划代码", max_length=20, blank=True)
    name_pinyin = models.CharField("拼音", max_length=200, blank=True, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="id", node="town", writers=ADMIN_ONLY)

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("town_updated")]
        verbose_name = "街道(镇)"
        verbose_name_plural = "街道(镇)"
        ordering = ["id"]

    def __str__(self):
        return self.name


@pghistory.track(exclude=["updated_at"])
class WorkZone(Archivable, PinyinKeyMixin, models.Model):
    """党建工作区：街道(镇)与村之间的一级。"""

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="zones", verbose_name="街道(镇)")
    name = models.CharField("名称", max_length=50)
    brand = models.CharField("党建品牌", max_length=50, blank=True)
    name_pinyin = models.CharField("拼音", max_length=200, blank=True, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="town", zone="id", node="zone", writers=ZONE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("zone_updated")]
        verbose_name = "党建工作区"
        verbose_name_plural = "党建工作区"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="zone_name_unique_in_town")]

    def __str__(self):
        return self.name


class OfficeKind(models.TextChoices):
    PARTY_MASS = "party_mass", "党群工作办公室"
    ECONOMY = "economy", "经济发展办公室"
    SOCIAL = "social", "社会事务办公室"
    CONSTRUCTION = "construction", "城乡建设办公室"
    EMERGENCY = "emergency", "应急环保办公室"


@pghistory.track(exclude=["updated_at"])
class ZoneOffice(models.Model):
    """工作区的五个办公室之一。"""

    zone = models.ForeignKey(WorkZone, on_delete=models.CASCADE, related_name="offices", verbose_name="工作区")
    kind = models.CharField("办公室", max_length=20, choices=OfficeKind.choices)
    head_name = models.CharField("负责人", max_length=50, blank=True)
    duties = models.TextField("职责", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="zone__town", zone="zone", writers=ZONE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("zone_office_updated")]
        verbose_name = "工作区办公室"
        verbose_name_plural = "工作区办公室"
        ordering = ["zone_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["zone", "kind"], name="one_office_of_each_kind_per_zone")]

    def __str__(self):
        return f"{self.zone} · {self.get_kind_display()}"


class CommitteeRole(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY = "deputy", "专职副书记"
    MEMBER = "member", "委员"
    PART_TIME = "part_time", "兼职委员"


class CommitteeOrigin(models.TextChoices):
    TOWN_CADRE = "town_cadre", "镇街干部"
    DISTRICT_CADRE = "district_cadre", "区直干部"
    VILLAGE_SECRETARY = "village_secretary", "村党组织书记"
    ENTERPRISE = "enterprise", "企业党组织书记"
    SOCIAL_ORG = "social_org", "社会组织党组织书记"


@pghistory.track(exclude=["updated_at"])
class CommitteeMember(models.Model):
    """工作区党委成员。"""

    zone = models.ForeignKey(WorkZone, on_delete=models.CASCADE, related_name="committee", verbose_name="工作区")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("职务", max_length=20, choices=CommitteeRole.choices)
    origin = models.CharField("来源", max_length=20, choices=CommitteeOrigin.choices, default=CommitteeOrigin.TOWN_CADRE)
    organisation = models.CharField("所在单位", max_length=100, blank=True)
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, verbose_name="平台账号")
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="zone__town", zone="zone", writers=ZONE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("committee_member_updated")]
        verbose_name = "工作区党委成员"
        verbose_name_plural = "工作区党委成员"
        ordering = ["zone_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["zone"], condition=Q(role="secretary"), name="one_secretary_per_zone"),
            # Part-time members come from villages, enterprises or social organisations.
            models.CheckConstraint(
                name="part_time_member_origin",
                condition=~Q(role="part_time") | Q(origin__in=["village_secretary", "enterprise", "social_org"]),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"


MIN_SUNK_CADRES = 15


@pghistory.track(exclude=["updated_at"])
class SunkCadrePosting(models.Model):
    """下沉干部：机关干部下沉到工作区的一段任职。"""

    zone = models.ForeignKey(WorkZone, on_delete=models.CASCADE, related_name="cadre_postings", verbose_name="工作区")
    office = models.ForeignKey(ZoneOffice, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="所在办公室")
    name = models.CharField("姓名", max_length=50)
    home_unit = models.CharField("派出单位", max_length=100, blank=True)
    start_date = models.DateField("下沉日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="zone__town", zone="zone", writers=ZONE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        verbose_name = "下沉干部"
        verbose_name_plural = "下沉干部"
        ordering = ["zone_id", "id"]
        constraints = [
            models.CheckConstraint(
                name="cadre_posting_dates_ordered", condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date"))
            )
        ]
        indexes = [updated_index("cadre_posting_updated"), models.Index(fields=["zone", "end_date"])]

    def __str__(self):
        return self.name

    @property
    def is_current(self) -> bool:
        today = datetime.date.today()
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)


@pghistory.track(exclude=["updated_at"])
class PartyInstructor(models.Model):
    """党建指导员（"1+1"）：每村至少一名下沉干部担任。"""

    village = models.ForeignKey("villages.Village", on_delete=models.CASCADE, related_name="instructors", verbose_name="村/社区")
    cadre = models.ForeignKey(SunkCadrePosting, on_delete=models.CASCADE, related_name="instructs", verbose_name="下沉干部")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    days_per_week = models.PositiveSmallIntegerField("每周驻村天数", default=3)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="village__zone__town", zone="village__zone", village="village", writers=ZONE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("instructor_updated")]
        verbose_name = "党建指导员"
        verbose_name_plural = "党建指导员"
        ordering = ["village_id", "id"]
        constraints = [
            models.CheckConstraint(
                name="instructor_dates_ordered", condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date"))
            ),
            models.CheckConstraint(name="instructor_days_per_week", condition=Q(days_per_week__gte=1, days_per_week__lte=7)),
        ]

    def __str__(self):
        return f"{self.cadre.name} → {self.village}"
