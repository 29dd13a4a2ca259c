import pghistory
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from accounts.scoping import VILLAGE_UP, ZONE_UP, ScopeSpec
from core import pii
from core.models import Archivable
from core.text import PinyinKeyMixin
from core.triggers import touch_updated_at, updated_index


class VillageKind(models.TextChoices):
    VILLAGE = "village", "行政村"
    COMMUNITY = "community", "社区"


@pghistory.track(exclude=["updated_at"])
class Village(Archivable, PinyinKeyMixin, models.Model):
    """行政村或社区。"""

    zone = models.ForeignKey("zones.WorkZone", on_delete=models.PROTECT, related_name="villages", verbose_name="工作区")
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=10, choices=VillageKind.choices, default=VillageKind.VILLAGE)
    name_pinyin = models.CharField("拼音", max_length=200, blank=True, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="zone__town", zone="zone", village="id", node="village", writers=VILLAGE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("village_updated")]
        verbose_name = "村/社区"
        verbose_name_plural = "村/社区"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="village_name_unique_in_zone")]

    def __str__(self):
        return self.name


class CadreRole(models.TextChoices):
    SECRETARY = "secretary", "党组织书记"
    DIRECTOR = "director", "村委会主任"
    SECRETARY_DIRECTOR = "secretary_director", "书记兼主任"
    BRANCH_MEMBER = "branch_member", "支部委员"
    COMMITTEE_MEMBER = "committee_member", "村委委员"
    FIRST_SECRETARY = "first_secretary", "第一书记"


@pghistory.track(exclude=["updated_at"])
class VillageCadre(Archivable, models.Model):
    """村"两委"干部或第一书记。"""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="cadres", verbose_name="村/社区")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("职务", max_length=20, choices=CadreRole.choices)
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, verbose_name="平台账号")
    start_date = models.DateField("任职日期", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(town="village__zone__town", zone="village__zone", village="village", writers=ZONE_UP)

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("village_cadre_updated")]
        verbose_name = "村干部"
        verbose_name_plural = "村干部"
        ordering = ["village_id", "role", "id"]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"


@pghistory.track(exclude=["updated_at"])
class NaturalVillage(Archivable, PinyinKeyMixin, models.Model):
    """自然村。"""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="natural_villages", verbose_name="村/社区")
    name = models.CharField("名称", max_length=50)
    name_pinyin = models.CharField("拼音", max_length=200, blank=True, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(
        town="village__zone__town", zone="village__zone", village="village", natural_village="id",
        node="natural_village", writers=VILLAGE_UP,
    )

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("natural_village_updated")]
        verbose_name = "自然村"
        verbose_name_plural = "自然村"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="natural_village_name_unique")]

    def __str__(self):
        return self.name


@pghistory.track(exclude=["updated_at"])
class MicroGrid(Archivable, models.Model):
    """微网格：一名网格员，15–25户。"""

    natural_village = models.ForeignKey(NaturalVillage, on_delete=models.PROTECT, related_name="grids", verbose_name="自然村")
    # Denormalised from natural_village so scope filters need no join; kept by the services.
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="grids", verbose_name="村/社区", editable=False)
    name = models.CharField("名称", max_length=50)
    worker_name = models.CharField("网格员", max_length=50, blank=True)
    worker_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="grids", verbose_name="网格员账号"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())  # kept by touch_updated_at

    scope = ScopeSpec(
        town="village__zone__town", zone="village__zone", village="village", natural_village="natural_village",
        grid="id", node="grid", writers=VILLAGE_UP,
    )

    class Meta:
        triggers = [touch_updated_at()]
        indexes = [updated_index("grid_updated")]
        verbose_name = "微网格"
        verbose_name_plural = "微网格"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["natural_village", "name"], name="grid_name_unique")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.village_id = self.natural_village.village_id
        super().save(*args, **kwargs)


class HouseholdColor(models.TextChoices):
    GREEN = "green", "绿色"
    YELLOW = "yellow", "黄色"
    ORANGE = "orange", "橙色"
    RED = "red", "红色"


class CircumstanceTag(models.TextChoices):
    SUBSISTENCE = "低保", "低保"
    ELDERLY_ALONE = "独居老人", "独居老人"
    DISABILITY = "残疾", "残疾"
    SERIOUS_ILLNESS = "重病", "重病"
    DISPUTE = "矛盾纠纷", "矛盾纠纷"
    PETITION = "信访", "信访"
    LEFT_BEHIND_CHILD = "留守儿童", "留守儿童"
    MILITARY_FAMILY = "优抚对象", "优抚对象"


@pghistory.track(exclude=["name_pinyin"])
class Household(Archivable, PinyinKeyMixin, pii.ProtectedPhoneMixin, models.Model):
    """户：四色走访的对象。"""

    pinyin_source = "head_name"

    grid = models.ForeignKey(MicroGrid, on_delete=models.PROTECT, related_name="households", verbose_name="微网格")
    # Denormalised ancestors (kept by the services) so that scope filters and counts per village/zone/town
    # are single-column index scans. The single-column indexes stay beside the (…, id) ones that page the
    # lists: their equal keys are deduplicated, so counting a town's 20,000 households reads half the pages.
    natural_village = models.ForeignKey(NaturalVillage, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name="自然村")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="households", editable=False, verbose_name="村/社区")
    zone = models.ForeignKey("zones.WorkZone", on_delete=models.PROTECT, related_name="households", editable=False, verbose_name="工作区")
    town = models.ForeignKey("zones.Town", on_delete=models.PROTECT, related_name="households", editable=False, verbose_name="街道(镇)")
    head_name = models.CharField("户主姓名", max_length=50)
    name_pinyin = models.CharField("拼音", max_length=200, blank=True, editable=False)
    address = models.CharField("住址", max_length=200)
    people_count = models.PositiveSmallIntegerField("人口数", validators=[MinValueValidator(1)])
    phone_encrypted = models.TextField("电话(密文)", blank=True, editable=False)
    phone_hash = models.CharField("电话(摘要)", max_length=pii.HASH_MAX_LENGTH, blank=True, editable=False)  # exact lookups: index in Meta
    phone_masked = models.CharField("电话", max_length=20, blank=True, editable=False)
    tags = ArrayField(models.CharField(max_length=10, choices=CircumstanceTag.choices), default=list, blank=True, verbose_name="情况标签")
    color = models.CharField("四色分类", max_length=10, choices=HouseholdColor.choices, default=HouseholdColor.GREEN)
    next_visit_due = models.DateField("下次走访日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope = ScopeSpec(
        town="town", zone="zone", village="village", natural_village="natural_village", grid="grid",
        member="link__member", writers=VILLAGE_UP,
    )

    class Meta:
        triggers = [touch_updated_at()]
        verbose_name = "户"
        verbose_name_plural = "户"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="household_people_count_positive", condition=Q(people_count__gte=1)),
            models.CheckConstraint(name="household_color_valid", condition=Q(color__in=HouseholdColor.values)),
        ]
        indexes = [
            updated_index("household_updated"),  # incremental pulls (?updated_since=)
            models.Index(fields=["zone", "id"], name="household_zone_id"),
            models.Index(fields=["town", "id"], name="household_town_id"),
            # the lists (archived households left out): count and page by index alone (index-only scans)
            models.Index(fields=["zone", "id"], condition=Q(archived_at__isnull=True), name="household_zone_active"),
            models.Index(fields=["town", "id"], condition=Q(archived_at__isnull=True), name="household_town_active"),
            models.Index(fields=["village", "color"], name="household_village_color"),
            models.Index(fields=["grid", "id"], name="household_grid_id"),
            models.Index(fields=["phone_hash"], name="household_phone_hash"),  # no LIKE companion: hashes are matched whole
            # due lists and the daily reminder job read households by due date; the columns they need ride
            # along, so a day's band or a week's window is read from the index alone
            models.Index(fields=["next_visit_due"], include=["id", "grid", "zone", "town", "color"],
                         name="household_next_due"),
        ]

    def __str__(self):
        return f"{self.head_name}户"

    def place_in(self, grid: MicroGrid) -> None:
        """Set the grid and its denormalised ancestors."""
        self.grid = grid
        self.natural_village_id = grid.natural_village_id
        self.village_id = grid.village_id
        self.zone_id = grid.village.zone_id
        self.town_id = grid.village.zone.town_id


class PersonRelation(models.TextChoices):
    HEAD = "户主", "户主"
    SPOUSE = "配偶", "配偶"
    CHILD = "子女", "子女"
    CHILD_IN_LAW = "儿媳/女婿", "儿媳/女婿"
    GRANDCHILD = "孙辈", "孙辈"
    PARENT = "父母", "父母"
    SIBLING = "兄弟姐妹", "兄弟姐妹"
    OTHER = "其他", "其他"


@pghistory.track()
class HouseholdPerson(models.Model):
    """户成员：户里的人（户主在内）。一户登记了成员时，户的人口数随成员名单。"""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="people", verbose_name="户")
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField("与户主关系", max_length=10, choices=PersonRelation.choices)
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    tags = ArrayField(models.CharField(max_length=10, choices=CircumstanceTag.choices), default=list, blank=True,
                      verbose_name="情况标签")
    position = models.PositiveSmallIntegerField("顺序", default=0)

    scope = ScopeSpec(
        town="household__town", zone="household__zone", village="household__village",
        natural_village="household__natural_village", grid="household__grid", member="household__link__member",
        writers=VILLAGE_UP,
    )

    class Meta:
        verbose_name = "户成员"
        verbose_name_plural = "户成员"
        ordering = ["household", "position", "id"]
        constraints = [
            models.CheckConstraint(name="person_relation_valid", condition=Q(relation__in=PersonRelation.values)),
            models.CheckConstraint(name="person_birth_year_range",
                                   condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100)),
        ]

    def __str__(self):
        return self.name
