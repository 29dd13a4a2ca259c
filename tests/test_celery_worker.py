"""A task really runs through a real worker process, on each broker we support."""
import datetime
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from knox.models import AuthToken

from accounts.models import User
from tests.conftest import require

BASE_DIR = Path(settings.BASE_DIR)


def _filesystem_app(broker_dir: Path) -> tuple[Celery, dict]:
    for sub in ("queue", "processed", "results", "control"):
        (broker_dir / sub).mkdir(parents=True, exist_ok=True)
    app = Celery("client", broker="filesystem://", backend=f"file://{broker_dir / 'results'}")
    app.conf.broker_transport_options = {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "processed_folder": str(broker_dir / "processed"),
        "control_folder": str(broker_dir / "control"),
    }
    env = {"CELERY_BROKER_DIR": str(broker_dir), "REDIS_URL": ""}
    return app, env


def _redis_app() -> tuple[Celery, dict]:
    url = os.environ.get("REDIS_URL", "")
    require(bool(url), "未设置 REDIS_URL，跳过 Redis 消息队列测试")
    return Celery("client", broker=url, backend=url), {"REDIS_URL": url}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_purge_task_runs_in_a_real_worker(broker, tmp_path):
    user = User.objects.create_user("token-owner")
    expired, _ = AuthToken.objects.create(user=user, expiry=datetime.timedelta(seconds=-60))
    valid, _ = AuthToken.objects.create(user=user, expiry=datetime.timedelta(days=1))

    app, broker_env = _filesystem_app(tmp_path / "broker") if broker == "filesystem" else _redis_app()
    queue = f"test-{uuid.uuid4().hex[:10]}"  # our own queue: no other worker can take the task
    env = {**os.environ, **broker_env, "DATABASE_NAME": connection.settings_dict["NAME"]}
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo",
             "-n", f"{queue}@%h", "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            result = app.send_task("accounts.tasks.purge_expired_tokens", queue=queue)
            deleted = result.get(timeout=90)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    assert deleted == 1, log.read_text()[-3000:]
    assert not AuthToken.objects.filter(pk=expired.pk).exists()
    assert AuthToken.objects.filter(pk=valid.pk).exists()
    assert "accounts.tasks.purge_expired_tokens" in log.read_text()
