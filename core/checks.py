"""Start-up check of the personal-data keys: a wrong or missing key stops the start.

Run as a database system check (``migrate``, ``manage.py check --database default``) and by
the web server (``config/wsgi.py``) and the Celery worker (``config/celery.py``) as they start,
which Django's checks do not reach. Without it a wrong key
would only show as a failed reveal, long after the start.
"""
from __future__ import annotations

from cryptography.fernet import InvalidToken
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection

from core import pii


def _existing_tables() -> set[str]:
    return set(connection.introspection.table_names())


def pii_key_problems() -> list[str]:
    """What stops the configured keys from reading this database's personal data (empty: nothing)."""
    from core.models import PiiCanary

    ring = {key.id: key for key in pii.key_ring()}
    tables = _existing_tables()
    problems = []
    if PiiCanary._meta.db_table in tables:
        for canary in PiiCanary.objects.order_by("key_id"):
            key = ring.get(canary.key_id)
            if key is None:
                problems.append(
                    f"数据库中可能仍有用密钥“{canary.key_id}”加密的个人信息，但 PII_KEYS 中没有该密钥：请把它加回 PII_KEYS"
                    f"（放在新密钥之后），运行 manage.py pii_rotate 完成后再移除。")
                continue
            try:
                ok = pii.decrypt_with(key, canary.ciphertext) == pii.CANARY_TEXT
            except InvalidToken:
                ok = False
            if not ok:
                problems.append(
                    f"PII_KEYS/PII_KEY 中编号“{canary.key_id}”的密钥与写入本数据库的密钥不符（密钥配置错误？），"
                    f"已加密的身份证号、电话将无法解密。")
    # The newest protected row of each kind, too: a database written before the canary existed
    # (or restored from elsewhere) is checked against what it really holds.
    for model, fields in pii.protected_models():
        if model._meta.db_table not in tables:
            continue
        for field in fields:
            column = f"{field}_encrypted"
            token = (model._base_manager.exclude(**{column: ""}).order_by("-pk")
                     .values_list(column, flat=True).first())
            if not token:
                continue
            try:
                pii.decrypt(token)
            except ValueError:
                problems.append(
                    f"{model._meta.verbose_name}（{model._meta.label}）最新一条记录的 {field} 无法用已配置的密钥解密："
                    f"PII_KEYS 缺少写入它的密钥，或密钥有误。")
    return problems


# A database check (Django runs those for `migrate` and `check --database default`): it reads
# tables, which a plain `check` (or a test without database access) must not.
@checks.register(checks.Tags.database)
def check_pii_keys(app_configs=None, databases=None, **kwargs):
    if not databases or "default" not in databases:
        return []
    try:
        problems = pii_key_problems()
    except DatabaseError:  # no database to check against (e.g. makemigrations offline): nothing to read yet
        return []
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="core.E101")]
    return [checks.Error(problem, hint="个人信息密钥见 README「安全与运维」。", id="core.E100") for problem in problems]


def pii_keys_startup() -> None:
    """For the web server and the worker: refuse to start on a key problem, then record the newest key."""
    from core.services import pii_canary_ensure

    try:
        problems = pii_key_problems()
        if not problems:
            pii_canary_ensure()
    except DatabaseError:  # the database is down: the health check reports it; nothing to compare yet
        return
    finally:
        # A connection opened before the worker pool forks must not be shared by the children.
        connection.close()
    if problems:
        raise ImproperlyConfigured("个人信息密钥检查未通过：\n" + "\n".join(problems))
