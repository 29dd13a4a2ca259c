"""manage.py check_tree [--repair]: denormalised ancestors against the chain of parents."""
from django.core.management.base import BaseCommand, CommandError

from organization.services import tree_check


class Command(BaseCommand):
    help = "检查户、网格、党组织、纠纷案件记录的上级（村/工作区/街道）是否与层级一致；--repair 修复。"

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="按上级链修复不一致的记录")

    def handle(self, *args, repair=False, **options):
        report = tree_check(repair=repair)
        problems = 0
        for row in report.values():
            problems += row["found"] - row["repaired"]
            mark = "✓" if not row["found"] else ("已修复" if row["repaired"] == row["found"] else "✗")
            self.stdout.write(f"{mark} {row['label']}：{row['found']} 条" + (f"，已修复 {row['repaired']} 条" if row["repaired"] else ""))
        if problems:
            raise CommandError(f"发现 {problems} 条记录的上级与层级不一致；运行 manage.py check_tree --repair 修复。")
        self.stdout.write(self.style.SUCCESS("层级一致。"))
