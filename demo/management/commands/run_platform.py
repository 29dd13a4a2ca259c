"""Run the whole platform: migrate, demo data if empty, web server + Celery worker with beat."""
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import BaseCommand, call_command


def prepare_database(scale: str, stdout) -> bool:
    """Demo data and demo accounts only into an empty database (no tree, no account); an existing
    database, demo or real, is left as it is: no account is created and no password reset on start."""
    from accounts.models import User
    from zones.models import Town

    if Town.objects.exists() or User.objects.exists():
        return False
    stdout.write(f"数据库为空，正在生成演示数据（规模：{scale}）…")
    call_command("seed_demo", scale=scale, stdout=stdout)
    return True


class Command(BaseCommand):
    help = "迁移数据库、（数据库为空时）生成演示数据，然后启动 Web 服务、Celery worker 与 beat。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--scale", default=os.environ.get("DEMO_SCALE", "district"),
                            help="演示数据规模：district（默认，章丘规模）、zone（一个工作区）、million")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "3")))

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        prepare_database(options["scale"], self.stdout)
        env = os.environ.copy()
        env.setdefault("DJANGO_SECURE", "false")  # gunicorn below serves plain http (see config.settings)
        env["DATABASE_URL"] = os.environ.get("DATABASE_URL", "")
        bind = f"{options['host']}:{options['port']}"
        python = sys.executable
        procs = [
            subprocess.Popen([python, "-m", "gunicorn", "config.wsgi", "-b", bind, "-w", str(options["workers"]),
                              "--access-logfile", "-"], env=env),
            subprocess.Popen([python, "-m", "celery", "-A", "config", "worker", "-B", "-l", "info", "--concurrency", "2",
                              "-s", str(settings.VAR_DIR / "celerybeat-schedule")], env=env),
        ]
        from demo.accounts import demo_logins_still_open

        self.stdout.write(self.style.SUCCESS(f"\n平台已启动：http://{bind}/   （API 文档：http://{bind}/api/docs/）"))
        logins = demo_logins_still_open()
        if logins:
            self.stdout.write("演示账号（密码见下）：")
            for username, password, role in logins:
                self.stdout.write(f"  {username:<16} {password:<12} {role}")
        else:
            self.stdout.write("请用已有账号登录。")
        self.stdout.write("按 Ctrl+C 停止。\n")

        def stop(*_):
            for p in procs:
                if p.poll() is None:
                    p.terminate()
        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for p in procs:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
            if settings.EMBEDDED_DATABASE:
                from django.db import connections

                from core.embedded import stop_embedded_server

                connections.close_all()
                stop_embedded_server(settings.VAR_DIR)
                self.stdout.write("内置 PostgreSQL 已停止。")
