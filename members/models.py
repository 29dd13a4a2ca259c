import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from accounts.scoping import VILLAGE_UP, ZONE_UP, ScopeSpec
from core import pii
from core.models import Archivable
from core.text import PinyinKeyMixin
from core.triggers import touch_updated_at, updated_index

LINK_MIN = 10
LINK_MAX = 20


class BranchKind(models.TextChoices):
    VILLAGE = "village", "村党组织"
    COMMUNITY = "community", "社区党组织"
    ENTERPRISE = "enterprise", "企业党组织"
    SOCIAL_ORG = "social_org", "社会组织党组织"
    ORGAN = "organ", "机关党组织"


@pghistory.track(exclude=["updated_at"])
class PartyBranch(Archivable, models.Model):
    """党组织（村党支部、社区党组织、企业党组织等）。归档而不删除；仍有在册党员时不能归档。"""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=BranchKind.choices, default=BranchKind.VILLAGE)
    town = models.ForeignKey("zones.Town", on_delete=models.PROTECT, related_name="branches", verbose_name="街道(镇)")
    zone = models.ForeignKey("zones.WorkZone", null=True, blank=True, on_delete=models.PROTECT, related_name="branches", verbose_name="工作区")
    village = models.ForeignKey("villages.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="branches", verbose_name="村/社区")
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="town", zone="zone", village="village", writers=ZONE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("branch_updated")]
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="branch_village_needs_zone", condition=Q(village__isnull=True) | Q(zone__isnull=False)),
        ]

    def __str__(self):
        return self.name


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class MemberStatus(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class Duty(models.TextChoices):
    """六大员。"""

    POLICY = "policy", "政策法规宣传员"
    MODEL = "model", "中心工作示范员"
    CONCERNS = "concerns", "民情信息收集员"
    GUARDIAN = "guardian", "和美乡村守护员"
    HARMONY = "harmony", "和谐稳定促进员"
    DEVELOPMENT = "development", "推动发展服务员"


@pghistory.track(exclude=["name_pinyin", "updated_at"])
class PartyMember(PinyinKeyMixin, pii.ProtectedPhoneMixin, models.Model):
    """党员。身份证号与电话加密保存，列表只显示脱敏形式。"""

    pii_fields = ("id_number", "phone")

    branch = models.ForeignKey(PartyBranch, on_delete=models.PROTECT, related_name="members", verbose_name="所在党组织")
    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField("拼音", max_length=200, blank=True, editable=False)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, editable=False)
    id_number_encrypted = models.TextField("身份证号(密文)", editable=False)
    id_number_hash = models.CharField("身份证号(摘要)", max_length=pii.HASH_MAX_LENGTH, unique=True, editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    birth_date = models.DateField("出生日期", editable=False)
    phone_encrypted = models.TextField("电话(密文)", blank=True, editable=False)
    phone_hash = models.CharField("电话(摘要)", max_length=pii.HASH_MAX_LENGTH, blank=True, editable=False, db_index=True)
    phone_masked = models.CharField("电话", max_length=20, blank=True, editable=False)
    joined_on = models.DateField("入党日期")
    status = models.CharField("党员类别", max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL)
    is_flowing = models.BooleanField("流动党员", default=False)
    duties = ArrayField(models.CharField(max_length=20, choices=Duty.choices), default=list, blank=True, verbose_name="六大员")
    left_on = models.DateField("离开日期", null=True, blank=True, help_text="转出、去世等；离开后不再联户")
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="party_members", verbose_name="平台账号"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="branch__town", zone="branch__zone", village="branch__village", member="", writers=VILLAGE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="member_joined_after_birth", condition=Q(joined_on__gt=models.F("birth_date"))),
        ]
        indexes = [updated_index("member_updated"), models.Index(fields=["branch", "id"], name="member_branch_id")]

    def __str__(self):
        return self.name

    def set_id_number(self, raw: str) -> None:
        value = pii.normalize_id_number(raw)
        self.id_number_encrypted = pii.encrypt(value)
        self.id_number_hash = pii.keyed_hash(value)
        self.id_number_masked = pii.mask_id_number(value)
        self.birth_date = pii.birth_date_from_id(value)
        self.gender = pii.gender_from_id(value)

    def reveal(self) -> dict[str, str]:
        return {"id_number": pii.decrypt(self.id_number_encrypted), "phone": pii.decrypt(self.phone_encrypted)}

    @property
    def age_band(self) -> str:
        return age_band(self.birth_date)


# Ages are shown in ten-year bands: a birth date (or a year, or an age in days) next to the masked ID
# number would narrow its hidden digits to a handful of numbers. Statistics need no finer grain.
AGE_BANDS = ((0, 29, "30岁以下"), (30, 39, "30–39岁"), (40, 49, "40–49岁"), (50, 59, "50–59岁"),
             (60, 69, "60–69岁"), (70, 79, "70–79岁"), (80, 200, "80岁及以上"))


def age_on(birth_date, today) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def age_band(birth_date, today=None) -> str:
    if birth_date is None:
        return ""
    import datetime

    age = age_on(birth_date, today or datetime.date.today())
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


@pghistory.track(exclude=["updated_at"])
class HouseholdLink(models.Model):
    """党员联户：一户一名联系党员；一名党员联系10–20户。"""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="links", verbose_name="联户党员")
    household = models.OneToOneField("villages.Household", on_delete=models.CASCADE, related_name="link", verbose_name="户")
    linked_on = models.DateField("联户日期", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(
        via="household", writers=VILLAGE_UP,  # in scope exactly when its household is (a link's member is the household's)
    )

    class Meta:
        triggers = [touch_updated_at()]
        verbose_name = "党员联户"
        verbose_name_plural = "党员联户"
        ordering = ["id"]
        indexes = [updated_index("link_updated"), models.Index(fields=["member"], name="link_member")]

    def __str__(self):
        return f"{self.member} → {self.household}"
