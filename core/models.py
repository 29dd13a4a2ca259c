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
