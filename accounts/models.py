from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

import pghistory


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", "区级管理员"
    TOWN_STAFF = "town_staff", "街道(镇)工作人员"
    ZONE_COMMITTEE = "zone_committee", "工作区党委"
    VILLAGE_CADRE = "village_cadre", "村两委干部"
    GRID_MEMBER = "grid_member", "网格员/联户党员"
    API_CONSUMER = "api_consumer", "数据对接(只读)"


class User(AbstractUser):
    """平台用户。"""

    display_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username


@pghistory.track()
class RoleAssignment(models.Model):
    """角色分配：一个用户在层级某节点上的角色；一人可有多个。"""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments", verbose_name="用户")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    town = models.ForeignKey("zones.Town", null=True, blank=True, on_delete=models.CASCADE, verbose_name="街道(镇)")
    zone = models.ForeignKey("zones.WorkZone", null=True, blank=True, on_delete=models.CASCADE, verbose_name="工作区")
    village = models.ForeignKey("villages.Village", null=True, blank=True, on_delete=models.CASCADE, verbose_name="村/社区")
    grid = models.ForeignKey("villages.MicroGrid", null=True, blank=True, on_delete=models.CASCADE, verbose_name="微网格")
    created_at = models.DateTimeField("分配时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            # Each role hangs on exactly the node its level needs (API consumers: any one node, or none = district).
            models.CheckConstraint(
                name="role_assignment_node_matches_role",
                condition=(
                    Q(role="district_admin", town__isnull=True, zone__isnull=True, village__isnull=True, grid__isnull=True)
                    | Q(role="town_staff", town__isnull=False, zone__isnull=True, village__isnull=True, grid__isnull=True)
                    | Q(role="zone_committee", town__isnull=True, zone__isnull=False, village__isnull=True, grid__isnull=True)
                    | Q(role="village_cadre", town__isnull=True, zone__isnull=True, village__isnull=False, grid__isnull=True)
                    | Q(role="grid_member", town__isnull=True, zone__isnull=True, village__isnull=True)
                    | Q(role="api_consumer", grid__isnull=True)
                    & (
                        Q(town__isnull=True, zone__isnull=True, village__isnull=True)
                        | Q(town__isnull=False, zone__isnull=True, village__isnull=True)
                        | Q(town__isnull=True, zone__isnull=False, village__isnull=True)
                        | Q(town__isnull=True, zone__isnull=True, village__isnull=False)
                    )
                ),
            ),
        ]

    def __str__(self):
        node = self.grid or self.village or self.zone or self.town or "全区"
        return f"{self.user} · {self.get_role_display()} · {node}"


class PiiRevealLog(models.Model):
    """个人信息查看记录：每次显示完整身份证号/电话都留痕。"""

    user = models.ForeignKey(User, on_delete=models.PROTECT, verbose_name="查看人")
    model = models.CharField("对象类型", max_length=50)
    object_id = models.BigIntegerField("对象ID")
    fields = models.CharField("查看字段", max_length=100)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    revealed_at = models.DateTimeField("查看时间", auto_now_add=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        indexes = [models.Index(fields=["model", "object_id"])]
        ordering = ["-revealed_at"]
