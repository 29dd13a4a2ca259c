from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

import pghistory

from .scoping import TOWN_UP, ZONE_UP, ScopeSpec


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
    # Set when an administrator creates the account or resets its password (accounts.services): the
    # password someone else chose must be replaced before the account can do anything else.
    must_change_password = models.BooleanField("须修改初始密码", default=False)

    # Served at /api/users/ to the managers (district, town, zone): an account has no place of its own, so it is
    # placed by its role assignments (readable by a grant reaching a node the user holds a role on, and by the
    # user). Which accounts a manager may *change* is the finer rule of accounts.users (every role of the account
    # one the manager could grant), checked by the services.
    scope = ScopeSpec(account="pk", readers=ZONE_UP, writers=ZONE_UP)

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


class SecurityAction(models.TextChoices):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKOUT = "lockout", "账号锁定"
    LOGOUT = "logout", "退出登录"
    PASSWORD_CHANGED = "password_changed", "修改密码"
    PASSWORD_RESET = "password_reset", "重置密码"
    TOKEN_CREATED = "token_created", "创建令牌"
    TOKEN_REVOKED = "token_revoked", "撤销令牌"
    PII_REVEAL = "pii_reveal", "查看完整个人信息"
    PII_LOOKUP = "pii_lookup", "按身份证号查找"
    EXPORT = "export", "导出"
    FORBIDDEN = "forbidden", "拒绝访问"
    ROLE_GRANTED = "role_granted", "授予角色"
    ROLE_REVOKED = "role_revoked", "移除角色"
    OTP = "otp", "二次验证"
    USER_CREATED = "user_created", "创建账号"
    USER_DISABLED = "user_disabled", "停用账号"
    USER_ENABLED = "user_enabled", "启用账号"


class SecurityResult(models.TextChoices):
    OK = "ok", "成功"
    FAILED = "failed", "失败"
    DENIED = "denied", "拒绝"


class SecurityEvent(models.Model):
    """安全日志：登录、令牌、个人信息查看、导出、拒绝访问、角色变更。只增不改。

    Append-only in the database: a trigger (migration accounts.0003) refuses every UPDATE and every
    DELETE of a row younger than 180 days, whatever the application does; the retention job
    (`accounts.services.security_events_purge`) deletes only older rows. The user is kept as an id and
    a name without a foreign-key constraint, so deleting an account never needs to touch the log.
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name="用户"
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    ip_address = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    action = models.CharField("操作", max_length=30, choices=SecurityAction.choices)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    result = models.CharField("结果", max_length=10, choices=SecurityResult.choices, default=SecurityResult.OK)
    detail = models.JSONField("详情", default=dict, blank=True)

    # District admins read every row; town staff the rows of users holding a role in their town (and their own);
    # every other role is refused. Nobody writes through the API: rows come from security_event_record only.
    scope = ScopeSpec(account="user", readers=TOWN_UP)

    class Meta:
        verbose_name = "安全日志"
        verbose_name_plural = "安全日志"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "-at"], name="security_event_user_at"),
            models.Index(fields=["action", "-at"], name="security_event_action_at"),
            models.Index(fields=["object_type", "object_id"], name="security_event_object"),
            # failed sign-ins carry only the name typed: searching the log by username must not scan it
            models.Index(fields=["username", "-at"], name="security_event_username_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()} {self.get_result_display()}"
