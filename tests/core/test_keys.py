"""Keys refused at start-up in production, generated once for a newcomer's `make run`."""
import json
import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

from config.keys import REPOSITORY_DEFAULTS, load_keys, manage_command, parse_pii_keys

BASE_DIR = Path(__file__).resolve().parents[2]
GOOD_SECRET = "a-random-secret-key-for-this-test-0f3e2d1c0b9a8f7e"
GOOD_PII = "a-random-pii-key-for-this-test-9a8b7c6d5e4f3a2b1c0d"
DEFAULT = next(iter(REPOSITORY_DEFAULTS))
KEY_VARIABLES = ("DJANGO_SECRET_KEY", "PII_KEY", "PII_KEYS", "DJANGO_DEBUG", "DATABASE_URL")


def start_django(**variables) -> subprocess.CompletedProcess:
    """Load the production settings in a fresh process with exactly these key variables."""
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARIABLES and not k.startswith("PYTEST")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": "postgres://root@127.0.0.1:5432/unused"}, **variables)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def assert_refused(result, *words):
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr[-2000:]


# --- refusals in a real start (one process each) ----------------------------------------------

def test_production_refuses_a_missing_secret_key():
    assert_refused(start_django(PII_KEY=GOOD_PII), "缺少密钥 DJANGO_SECRET_KEY", "生产环境")


def test_production_refuses_the_repository_default_secret_key():
    assert_refused(start_django(DJANGO_SECRET_KEY=DEFAULT, PII_KEY=GOOD_PII), "DJANGO_SECRET_KEY", "默认值")


def test_production_refuses_a_missing_pii_key_and_never_falls_back_to_the_secret_key():
    assert_refused(start_django(DJANGO_SECRET_KEY=GOOD_SECRET), "缺少密钥 PII_KEY")


def test_production_refuses_the_repository_default_pii_key():
    assert_refused(start_django(DJANGO_SECRET_KEY=GOOD_SECRET, PII_KEY=DEFAULT), "PII_KEY", "默认值")


def test_production_starts_with_real_keys():
    result = start_django(DJANGO_SECRET_KEY=GOOD_SECRET, PII_KEYS=f"2:{GOOD_PII},1:{GOOD_PII[::-1]}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "started" in result.stdout


# --- the rules, without a process each ---------------------------------------------------------

@pytest.fixture
def key_env(monkeypatch):
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_env(**variables):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return environ.Env()
    return set_env


@pytest.mark.parametrize(("variables", "words"), [
    ({"DJANGO_SECRET_KEY": GOOD_SECRET, "PII_KEY": "short"}, ["PII_KEY", "太短"]),
    ({"DJANGO_SECRET_KEY": "dev-only-insecure-anything-else-0123456789", "PII_KEY": GOOD_PII}, ["DJANGO_SECRET_KEY", "默认值"]),
    ({"DJANGO_SECRET_KEY": GOOD_SECRET, "PII_KEY": GOOD_SECRET}, ["不能与 DJANGO_SECRET_KEY 相同"]),
    ({"DJANGO_SECRET_KEY": GOOD_SECRET, "PII_KEYS": f"2:{GOOD_PII},1:short"}, ["PII_KEYS（编号 1）", "太短"]),
    ({"DJANGO_SECRET_KEY": GOOD_SECRET, "PII_KEYS": GOOD_PII}, ["PII_KEYS 格式错误"]),
    ({"DJANGO_SECRET_KEY": GOOD_SECRET, "PII_KEYS": f"a:b:{GOOD_PII},a:{GOOD_PII}"}, ["重复"]),
    ({"DJANGO_SECRET_KEY": GOOD_SECRET, "PII_KEYS": f"1:{GOOD_PII}", "PII_KEY": GOOD_PII}, ["只能设置其一"]),
])
def test_production_refusals_name_the_variable(key_env, tmp_path, variables, words):
    env = key_env(DATABASE_URL="postgres://x/y", **variables)
    with pytest.raises(ImproperlyConfigured) as exc:
        load_keys(env, debug=False, var_dir=tmp_path)
    for word in words:
        assert word in str(exc.value)


def test_the_pii_key_shorthand_is_key_one_and_the_ring_keeps_its_order(key_env, tmp_path):
    env = key_env(DATABASE_URL="postgres://x/y", DJANGO_SECRET_KEY=GOOD_SECRET, PII_KEY=GOOD_PII)
    assert load_keys(env, debug=False, var_dir=tmp_path) == (GOOD_SECRET, [("1", GOOD_PII)])
    assert parse_pii_keys(f" k2:{GOOD_PII} , k1:x:y ") == [("k2", GOOD_PII), ("k1", "x:y")]


def test_embedded_database_generates_keys_once_under_var(key_env, tmp_path, monkeypatch, capsys):
    env = key_env()  # no DATABASE_URL: the newcomer's `make run`
    secret, ring = load_keys(env, debug=False, var_dir=tmp_path)
    assert "var" not in secret and len(secret) >= 32 and len(ring) == 1 and len(ring[0][1]) >= 32
    assert "已为本机开发生成随机密钥" in capsys.readouterr().err
    stored = json.loads((tmp_path / "dev-keys.json").read_text())
    assert stored["DJANGO_SECRET_KEY"] == secret and oct((tmp_path / "dev-keys.json").stat().st_mode)[-3:] == "600"
    # exported for the processes run_platform starts (gunicorn, Celery), which see a DATABASE_URL
    assert os.environ["DJANGO_SECRET_KEY"] == secret and os.environ["PII_KEYS"] == f"1:{ring[0][1]}"
    monkeypatch.delenv("DJANGO_SECRET_KEY")
    monkeypatch.delenv("PII_KEYS")
    assert load_keys(environ.Env(), debug=False, var_dir=tmp_path) == (secret, ring)  # same keys next time
    assert capsys.readouterr().err == ""


def test_debug_uses_development_keys_even_with_a_database_url(key_env, tmp_path):
    env = key_env(DATABASE_URL="postgres://x/y")
    secret, ring = load_keys(env, debug=True, var_dir=tmp_path)
    assert secret and ring


def test_an_embedded_database_seeded_under_the_old_default_stays_readable(key_env, tmp_path):
    (tmp_path / "pgdata").mkdir()
    _secret, ring = load_keys(key_env(), debug=False, var_dir=tmp_path)
    assert [key_id for key_id, _ in ring] == ["2", "1"] and ring[1][1] == DEFAULT


def test_makemigrations_needs_no_keys_in_production(key_env, tmp_path):
    env = key_env(DATABASE_URL="postgres://x/y")
    secret, ring = load_keys(env, debug=False, var_dir=tmp_path, command="makemigrations")
    assert len(secret) >= 32 and len(ring[0][1]) >= 32 and secret != ring[0][1]
    assert not (tmp_path / "dev-keys.json").exists() and "DJANGO_SECRET_KEY" not in os.environ  # throwaway
    with pytest.raises(ImproperlyConfigured):  # any other command still refuses
        load_keys(env, debug=False, var_dir=tmp_path, command="migrate")
    with pytest.raises(ImproperlyConfigured):  # keys set but weak are still refused
        load_keys(key_env(DJANGO_SECRET_KEY="short"), debug=False, var_dir=tmp_path, command="makemigrations")
    assert manage_command(["manage.py", "makemigrations", "--check"]) == "makemigrations"
    assert manage_command(["gunicorn", "config.wsgi"]) is None


def test_a_reviewer_can_check_migrations_without_keys():
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARIABLES and not k.startswith("PYTEST")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=os.environ.get(
        "DATABASE_URL", "postgres://root@127.0.0.1:5432/unused"))
    result = subprocess.run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No changes detected" in result.stdout
