"""Restore a backup onto the configured, empty database, then check it against its manifest."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, database_restore


class Command(BaseCommand):
    help = ("把 manage.py backup 生成的备份恢复到当前配置的空数据库（DATABASE_URL），"
            "然后核对各表行数与备份清单一致、个人信息能用已配置的密钥解密。")
    # The target is empty: the start-up checks have nothing to read yet, and run after the restore instead.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="备份文件（旁边须有 .manifest.json 清单）")

    def handle(self, *args, path, **options):
        try:
            report = database_restore(dump=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已恢复 {report['tables']} 张表、{report['rows']} 行（备份时间 {report['manifest']['created_at']}）。")
        problems = report["mismatches"] + report["key_problems"]
        for problem in problems:
            self.stderr.write(self.style.ERROR(f"  {problem}"))
        if report["mismatches"]:
            raise CommandError("恢复结果与备份清单不一致，不可使用。")
        if report["key_problems"]:
            raise CommandError("数据已恢复，但个人信息无法用当前配置的密钥解密：请配置备份时使用的 PII_KEYS。")
        self.stdout.write(self.style.SUCCESS("核对通过：各表行数与备份清单一致，个人信息密钥校验通过。"))
