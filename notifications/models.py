from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from accounts.scoping import ScopeSpec


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class Notification(models.Model):
    """站内消息：一人一条，按 (收件人, 去重键) 至多一条。

    The row itself is the in-app inbox entry; other channels (log, SMS, WeCom)
    are delivered from it, claimed by ``status`` so that a sweeper can re-send
    what a dead worker left behind.
    """

    # Written in sets of tens of thousands by the daily visit job: Django keeps the relation (cascade on
    # delete), the database does not check each row at commit; the user's rows are found through the
    # (user, …) indexes below, so the foreign key needs no index of its own. See BENCHMARKS.md.
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notifications", verbose_name="收件人",
        db_constraint=False, db_index=False,
    )
    kind = models.CharField("类型", max_length=40, blank=True, db_default="")
    title = models.CharField("标题", max_length=100)
    body = models.TextField("内容", blank=True, db_default="")
    link = models.CharField("链接", max_length=300, blank=True, db_default="")
    dedupe_key = models.CharField("去重键", max_length=200)
    created_at = models.DateTimeField("时间", db_default=Now())
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    status = models.CharField(
        "发送状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING,
        db_default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField("发送次数", default=0, db_default=0)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送完成时间", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True, db_default="")

    scope = ScopeSpec(owner="user")

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_once_per_user_key"),
        ]
        indexes = [
            # the inbox, newest first, and its unread count (read_at rides along: an index-only count); one index
            # rather than a second one for the unread, which the daily digests would write tens of thousands of
            models.Index(fields=["user", "-created_at"], include=["read_at"], name="notification_user_recent"),
            models.Index(
                fields=["status", "id"], condition=Q(status__in=["pending", "sending"]), name="notification_undelivered"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
