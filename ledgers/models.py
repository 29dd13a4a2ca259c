"""An Excel import (台账导入): one uploaded file of one kind, previewed, then committed all or nothing."""
from django.conf import settings
from django.db import models

from accounts.scoping import VILLAGE_UP, ScopeSpec


class ImportKind(models.TextChoices):
    HOUSEHOLDS = "households", "户与户成员"
    MEMBERS = "members", "党员"
    LINKS = "links", "党员联户"
    CADRES = "cadres", "村干部"


class ImportStatus(models.TextChoices):
    INVALID = "invalid", "有错误"
    READY = "ready", "待导入"
    COMMITTED = "committed", "已导入"


class ImportBatch(models.Model):
    """一次 Excel 导入：上传、预览（逐行校验），确认后一次写入。"""

    kind = models.CharField("导入类型", max_length=20, choices=ImportKind.choices)
    status = models.CharField("状态", max_length=20, choices=ImportStatus.choices)
    file_name = models.CharField("文件名", max_length=200)
    file_sha256 = models.CharField("文件摘要", max_length=64)
    file_size = models.PositiveIntegerField("文件大小(字节)", default=0)
    # the parsed cells (the sheet's header and data rows as text), so the commit needs no second upload
    rows = models.JSONField("解析后的行", default=dict, editable=False)
    row_count = models.PositiveIntegerField("数据行数", default=0)
    create_count = models.PositiveIntegerField("新增", default=0)
    update_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("不变", default=0)
    error_count = models.PositiveIntegerField("错误", default=0)
    errors = models.JSONField("错误明细", default=list, editable=False)  # [{row, column, message}]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="上传人")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    # the uploader's place (their highest role's node): who else sees the record
    town = models.ForeignKey("zones.Town", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="街道(镇)")
    zone = models.ForeignKey("zones.WorkZone", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="工作区")
    village = models.ForeignKey("villages.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="村/社区")

    # read by the roles that import, at the uploader's node and above (a district-level upload: the district)
    scope = ScopeSpec(town="town", zone="zone", village="village", readers=VILLAGE_UP, writers=VILLAGE_UP)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["town", "id"], name="importbatch_town_id")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.file_name}"
