from django.db import models


class PiiCanary(models.Model):
    """个人信息密钥校验记录：每个可能仍有数据在用的密钥一条。

    A known text encrypted and hashed under one key of the ring. A row exists for every key
    that may still have written data in this database: the newest key (created on migrate and
    at start-up) and, until ``pii_rotate`` has moved every row, the older ones. At start-up each
    row must decrypt under the configured key of the same id; a row whose key is missing or
    different stops the start (a clear error instead of a 500 on the first reveal).
    """

    key_id = models.CharField("密钥编号", max_length=8, unique=True)
    ciphertext = models.TextField("密文")
    digest = models.CharField("摘要", max_length=80)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        db_table = "core_pii_canary"
        verbose_name = "个人信息密钥校验"
        verbose_name_plural = verbose_name

    def __str__(self):
        return self.key_id


class Archivable(models.Model):
    """A record that is archived (归档), never deleted: it leaves lists but keeps its history and its page.

    ``archived_at`` is set by ``core.records.record_archive`` (and cleared by ``record_restore``); the
    API's DELETE on such a model archives. Rows that still have active (unarchived) rows under them
    refuse, so nothing is left hanging under an archived parent.
    """

    archived_at = models.DateTimeField("归档时间", null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
