"""Secret keys from the environment: refused in production when missing or known (issue 8 §1).

Production is any start with ``DATABASE_URL`` set and ``DJANGO_DEBUG`` off: there a
missing, short or repository-default ``DJANGO_SECRET_KEY`` / ``PII_KEY(S)`` stops the
process with a message naming the variable. ``PII_KEY`` never falls back to the secret
key: a leaked session-signing key must not also open every ID number in the district.

A newcomer's ``make run`` (embedded PostgreSQL, no ``DATABASE_URL``) or a ``DJANGO_DEBUG``
start gets random keys generated once into ``var/dev-keys.json`` (``var/`` is not
committed); they are exported into ``os.environ`` so the web server, worker and beat that
``run_platform`` starts read the same keys. The test run supplies its own keys
(``tests/conftest.py``), so CI needs none.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Values that have been committed to this repository as defaults: never acceptable in production.
REPOSITORY_DEFAULTS = frozenset({
    "dev-only-insecure-key-change-me-in-production-0123456789",
})
MIN_KEY_LENGTH = 32
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,8}$")
# PII_KEY (one key) is shorthand for PII_KEYS="1:<key>": data written before key ids existed
# was written by this key, so an upgrade keeps reading it.
SHORTHAND_KEY_ID = "1"
DEV_KEYS_FILE = "dev-keys.json"

# Management commands that read only the code and the schema, never a signed or encrypted value: in production
# they run without the keys (throwaway random ones, neither stored nor exported), so a reviewer's or a deploy
# pipeline's ``manage.py makemigrations --check`` needs no secrets.
KEY_FREE_COMMANDS = frozenset({"makemigrations"})

PRODUCTION_HINT = ("生产环境（已设置 DATABASE_URL 且未开启 DJANGO_DEBUG）必须通过环境变量提供随机密钥，"
                   "例如：python -c \"import secrets; print(secrets.token_urlsafe(48))\"")


def parse_pii_keys(spec: str) -> list[tuple[str, str]]:
    """``"2:newkey,1:oldkey"`` → ``[("2", "newkey"), ("1", "oldkey")]`` (newest first)."""
    ring = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        key_id, sep, secret = item.partition(":")
        key_id = key_id.strip()
        if not sep or not secret:
            raise ImproperlyConfigured(f"PII_KEYS 格式错误：每一项应为“密钥编号:密钥”，用逗号分隔，最新的在前（出错的一项：{key_id[:8]}…）。")
        if not KEY_ID_PATTERN.match(key_id):
            raise ImproperlyConfigured(f"PII_KEYS 格式错误：密钥编号“{key_id}”只能由1–8个字母、数字、-、_ 组成。")
        if key_id in dict(ring):
            raise ImproperlyConfigured(f"PII_KEYS 格式错误：密钥编号“{key_id}”重复。")
        ring.append((key_id, secret))
    return ring


def _dev_keys(var_dir: Path) -> dict[str, str]:
    """Random keys for this checkout, created on first use and kept under var/."""
    path = var_dir / DEV_KEYS_FILE
    if path.exists():
        return json.loads(path.read_text())
    var_dir.mkdir(parents=True, exist_ok=True)
    ring = [(SHORTHAND_KEY_ID, secrets.token_urlsafe(48))]
    if (var_dir / "pgdata").exists():
        # An embedded database seeded before keys were required holds data under the old default
        # (PII_KEY fell back to the secret key): keep it readable; `manage.py pii_rotate` moves it.
        ring = [("2", ring[0][1]), ("1", next(iter(REPOSITORY_DEFAULTS)))]
    keys = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "PII_KEYS": ",".join(f"{key_id}:{secret}" for key_id, secret in ring),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(keys, fh)
    print(f"已为本机开发生成随机密钥，保存在 {path}（仅用于开发；生产环境请设置 DJANGO_SECRET_KEY 与 PII_KEY）。",
          file=sys.stderr)
    return keys


def _refuse_weak(name: str, value: str) -> None:
    if not value:
        raise ImproperlyConfigured(f"缺少密钥 {name}：{PRODUCTION_HINT}")
    if value in REPOSITORY_DEFAULTS or value.startswith("dev-only-insecure"):
        raise ImproperlyConfigured(f"密钥 {name} 使用了代码仓库中的默认值，不能用于生产环境：{PRODUCTION_HINT}")
    if len(value) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(f"密钥 {name} 太短（至少 {MIN_KEY_LENGTH} 个字符）：{PRODUCTION_HINT}")


def manage_command(argv: list[str] | None = None) -> str | None:
    """The management command this process runs (``manage.py makemigrations`` → "makemigrations"), else None."""
    argv = sys.argv if argv is None else argv
    if len(argv) > 1 and Path(argv[0]).name in ("manage.py", "django-admin"):
        return argv[1]
    return None


def load_keys(env, *, debug: bool, var_dir: Path, command: str | None = None) -> tuple[str, list[tuple[str, str]]]:
    """Return ``(SECRET_KEY, PII_KEYS)`` from the environment, or refuse to start. ``command``: the management
    command being run; one of ``KEY_FREE_COMMANDS`` gets throwaway keys when none are set."""
    secret_key = env.str("DJANGO_SECRET_KEY", default="")
    pii_keys_spec = env.str("PII_KEYS", default="")
    pii_key = env.str("PII_KEY", default="")
    if pii_keys_spec and pii_key:
        raise ImproperlyConfigured("PII_KEYS 与 PII_KEY 只能设置其一（PII_KEY 是只有一个密钥时的简写）。")
    production = "DATABASE_URL" in env and not debug
    if production and command in KEY_FREE_COMMANDS and not (secret_key or pii_keys_spec or pii_key):
        return secrets.token_urlsafe(48), [(SHORTHAND_KEY_ID, secrets.token_urlsafe(48))]
    if not production and not (secret_key and (pii_keys_spec or pii_key)):
        dev = _dev_keys(var_dir)
        secret_key = secret_key or dev["DJANGO_SECRET_KEY"]
        if not (pii_keys_spec or pii_key):
            pii_keys_spec = dev["PII_KEYS"]
        # Processes started from this one (gunicorn, Celery) read the same keys.
        os.environ["DJANGO_SECRET_KEY"] = secret_key
        os.environ["PII_KEYS"] = pii_keys_spec
        os.environ.pop("PII_KEY", None)
    ring = parse_pii_keys(pii_keys_spec) if pii_keys_spec else ([(SHORTHAND_KEY_ID, pii_key)] if pii_key else [])
    if production:
        _refuse_weak("DJANGO_SECRET_KEY", secret_key)
        if not ring:
            raise ImproperlyConfigured(f"缺少密钥 PII_KEY（或 PII_KEYS）：用于加密身份证号与电话，且不会再借用 DJANGO_SECRET_KEY。{PRODUCTION_HINT}")
        name = "PII_KEY" if pii_key else "PII_KEYS"
        for key_id, secret in ring:
            _refuse_weak(name if pii_key else f"{name}（编号 {key_id}）", secret)
        if ring[0][1] == secret_key:
            raise ImproperlyConfigured(f"{name} 不能与 DJANGO_SECRET_KEY 相同：请设置独立的个人信息密钥"
                                       f"（旧数据可用 PII_KEYS=\"2:新密钥,1:旧密钥\" 读取，再运行 manage.py pii_rotate）。")
    elif not ring:
        raise ImproperlyConfigured("缺少密钥 PII_KEY（或 PII_KEYS）。")
    return secret_key, ring


def use_development_keys(var_dir: Path | None = None) -> None:
    """For tools that run against throwaway databases (bench/): this checkout's development keys,
    unless keys are set. They run with a DATABASE_URL and DEBUG off, which settings treat as production."""
    if os.environ.get("DJANGO_SECRET_KEY") and (os.environ.get("PII_KEYS") or os.environ.get("PII_KEY")):
        return
    keys = _dev_keys(var_dir or Path(__file__).resolve().parent.parent / "var")
    os.environ.setdefault("DJANGO_SECRET_KEY", keys["DJANGO_SECRET_KEY"])
    if not (os.environ.get("PII_KEYS") or os.environ.get("PII_KEY")):
        os.environ["PII_KEYS"] = keys["PII_KEYS"]
