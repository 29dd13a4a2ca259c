"""Back up the configured database (pg_dump -Fc) with a manifest to check a restore against."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, database_backup, manifest_path


class Command(BaseCommand):
    help = "备份当前数据库（pg_dump 自定义格式），并在旁边写入备份清单（时间、迁移状态、各表行数、个人信息密钥编号）。"

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None, help="备份文件路径（默认 BACKUP_DIR 下按时间命名）")

    def handle(self, *args, output, **options):
        try:
            dump, manifest = database_backup(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(self.style.SUCCESS(
            f"已备份 {manifest['database']}：{len(manifest['row_counts'])} 张表、{rows} 行 → {dump}"
            f"（{manifest['dump_bytes'] / 1e6:.1f} MB，pg_dump {manifest['pg_dump']['version']}）"))
        self.stdout.write(f"备份清单：{manifest_path(dump)}；个人信息密钥编号：{', '.join(manifest['pii_keys']['in_use']) or '无'}"
                          "（密钥本身不在备份中：恢复时需要同样的 PII_KEYS）。")
