"""The backup drill: back up, restore into a new database, compare, reveal an ID number there."""
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tests import factories as f

BASE_DIR = Path(__file__).resolve().parents[2]


def _server_connection():
    db = settings.DATABASES["default"]
    conn = psycopg2.connect(dbname="postgres", host=db.get("HOST") or None, port=db.get("PORT") or None,
                            user=db.get("USER") or None, password=db.get("PASSWORD") or None)
    conn.autocommit = True
    return conn


@pytest.fixture
def empty_databases():
    """New, empty databases on the same server; dropped afterwards."""
    names = []

    def create() -> str:
        name = f"{settings.DATABASES['default']['NAME']}_restore{len(names)}_{os.getpid()}"
        conn = _server_connection()  # not `with conn`: psycopg2 would open a transaction
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        names.append(name)
        return name
    yield create
    conn = _server_connection()
    with conn.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def manage(database: str, *args: str, **env_overrides) -> subprocess.CompletedProcess:
    """manage.py in a new process against another database, with the test run's keys unless overridden."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_NAME": database,
                "DATABASE_URL": os.environ["DATABASE_URL"]}, **env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.django_db(transaction=True)
def test_backup_restore_drill(tmp_path, empty_databases):
    members = [f.PartyMemberFactory() for _ in range(3)]
    f.HouseholdFactory.create_batch(5)
    member = members[1]
    id_number = member.reveal()["id_number"]

    dump = tmp_path / "drill.dump"
    call_command("backup", output=dump, stdout=open(os.devnull, "w"))
    manifest = json.loads(Path(f"{dump}.manifest.json").read_text())
    assert dump.stat().st_size > 0 and manifest["dump_file"] == "drill.dump"
    assert manifest["row_counts"]["members_partymember"] == 3 and manifest["row_counts"]["villages_household"] == 5
    assert manifest["migrations"]["members"]["latest"] >= "0003_pii_key_version"
    assert manifest["pii_keys"] == {"configured": ["t1"], "encrypting": "t1", "in_use": ["t1"]}
    assert settings.PII_KEYS[0][1] not in dump.with_name("drill.dump.manifest.json").read_text()

    # onto a non-empty database (this one): refused, nothing touched
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(dump))

    # with the wrong keys: restored and counted, but reported unusable
    wrong = manage(empty_databases(), "restore", str(dump), PII_KEYS="t1:a-different-key-than-the-backup-0123456789ab")
    assert wrong.returncode != 0
    assert "各表行数" not in wrong.stdout and "无法用当前配置的密钥解密" in wrong.stderr

    target = empty_databases()
    restored = manage(target, "restore", str(dump))
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert "核对通过" in restored.stdout

    reveal = manage(target, "shell", "-c",
                    f"from members.models import PartyMember; print(PartyMember.objects.get(pk={member.pk}).reveal()['id_number'])")
    assert reveal.returncode == 0, reveal.stderr[-3000:]
    assert reveal.stdout.strip().splitlines()[-1] == id_number
    # and the restored database passes the start-up checks with these keys
    check = manage(target, "check", "--database", "default")
    assert check.returncode == 0, check.stderr[-3000:]
    connection.close()
