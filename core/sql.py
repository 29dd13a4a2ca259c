"""An ORM query compiled to SQL once per process, then run with new parameter values.

For the few statements every request runs (the token with its user and roles; the rows of a list
page), building and compiling the queryset costs several times what PostgreSQL spends on it. The
queryset is still written with the ORM; only its SQL is kept. When the compiled statement could
differ from what the queryset would run (a parameter not passed through as given, a column that
needs a Python converter), the queryset is simply run each time.

On PostgreSQL the statement is also prepared on the server, once per database connection
(``PREPARE``/``EXECUTE``; connections live ``DB_CONN_MAX_AGE`` seconds), so it is planned once rather
than on every request: planning the token query or a list page's rows costs more than running
them. Prepared statements belong to a server session, so behind a connection pooler in transaction
mode (pgbouncer ``pool_mode = transaction``) set ``DB_PREPARED_STATEMENTS=0``.
"""
from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.db.models import Lookup

_PLACEHOLDER = re.compile(r"%%|%s")
# statement names prepared on each server session: {raw DB-API connection: {(backend pid, name), …}}
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _numbered(sql: str) -> str:
    """Django's ``%s`` placeholders (and ``%%`` literals) as PostgreSQL's ``$1, $2, …``."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(counter)}", sql)


class CompiledQuery:
    """``build(*values)`` must return a ``values_list()`` queryset whose only parameters are ``values``."""

    def __init__(self, build: Callable):
        self.build = build
        self._sql: dict[tuple[str, int], str | None] = {}  # (database alias, number of values) -> SQL or None

    def sql(self, using: str, arity: int) -> str | None:
        key = (using, arity)
        if key not in self._sql:
            markers = tuple(f"\x00value {i}\x00" for i in range(arity))
            try:
                compiler = self.build(*markers).query.get_compiler(using=using)
                sql, params = compiler.as_sql()
                converters = compiler.get_converters([col for col, _alias, _ in compiler.select])
            except Exception:  # a value the ORM checks or converts (e.g. an integer): run the queryset each time
                sql, params, converters = None, (), True
            self._sql[key] = sql if tuple(params) == markers and not converters else None
        return self._sql[key]

    def rows(self, *values, using: str = "default") -> list[tuple]:
        sql = self.sql(using, len(values))
        if sql is None:
            return list(self.build(*values).using(using))
        connection = connections[using]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and getattr(settings, "DB_PREPARED_STATEMENTS", True):
                name = "cq_" + hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()
                raw = connection.connection
                key = (raw.info.backend_pid, name)
                prepared = _PREPARED.setdefault(raw, set())
                if key not in prepared:
                    cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")  # kept by the session, even on rollback
                    prepared.add(key)
                cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(values))})" if values else f"EXECUTE {name}",
                               values)
            else:
                cursor.execute(sql, values)
            return cursor.fetchall()


class AnyOf(Lookup):
    """``lhs = ANY(rhs)`` with an array on the right: ids as one array parameter (the same SQL for every
    count of ids, so one prepared statement serves them all), or ``ARRAY(subquery)`` (an index condition
    PostgreSQL computes once instead of a join)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)
