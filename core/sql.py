"""An ORM query compiled to SQL once per process, then run with new parameter values.

For the few statements every request runs (the token with its user and roles; the rows of a list
page), building and compiling the queryset costs several times what PostgreSQL spends on it. The
queryset is still written with the ORM; only its SQL is kept. When the compiled statement could
differ from what the queryset would run (a parameter not passed through as given, a column that
needs a Python converter), the queryset is simply run each time.
"""
from __future__ import annotations

from collections.abc import Callable

from django.db import connections


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
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)
            return cursor.fetchall()
