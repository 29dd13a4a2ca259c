"""Move all personal data onto the newest key of PII_KEYS (re-encrypt and re-hash)."""
from django.core.management.base import BaseCommand, CommandError

from core import pii
from core.services import pii_rotate


class Command(BaseCommand):
    help = ("把所有个人信息（身份证号、电话，含审计记录中的副本）换用 PII_KEYS 中最新的密钥重新加密并重算摘要。"
            "分批进行，可中断后重新运行（已换用最新密钥的行会跳过）。")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="每批行数（默认 1000）")
        parser.add_argument("--limit", type=int, default=None, help="本次最多处理的行数（默认全部）")

    def handle(self, *args, batch_size, limit, **options):
        if batch_size < 1 or (limit is not None and limit < 1):
            raise CommandError("--batch-size 与 --limit 须为正整数。")
        self.stdout.write(f"最新密钥：{pii.primary_key_id()}（PII_KEYS 中共 {len(pii.key_ids())} 个：{', '.join(pii.key_ids())}）")
        try:
            result = pii_rotate(batch_size=batch_size, limit=limit, progress=self.stdout.write)
        except ValueError as exc:
            raise CommandError(f"{exc}：PII_KEYS 中缺少写入这些数据的旧密钥，请先加回（放在新密钥之后）再运行。") from exc
        self.stdout.write(f"本次换用密钥 {result.rotated} 行。")
        if result.complete:
            old = [key_id for key_id in pii.key_ids()[1:]]
            msg = "全部个人信息已使用最新密钥。"
            if result.retired_keys or old:
                msg += f"旧密钥（{', '.join(sorted(set(result.retired_keys) | set(old)))}）已不再需要，可从 PII_KEYS 中移除。"
            self.stdout.write(self.style.SUCCESS(msg))
        else:
            self.stdout.write(self.style.WARNING(f"尚有 {result.remaining} 行使用旧密钥：重新运行本命令继续。"))
