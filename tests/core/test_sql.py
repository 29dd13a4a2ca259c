"""core.sql.CompiledQuery: the SQL of a queryset compiled once, run with new values; same rows as the queryset."""
import pytest
from django.db import connection
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext

from core.sql import CompiledQuery
from tests import factories as f
from zones.models import Town

pytestmark = pytest.mark.django_db


def test_compiled_rows_equal_the_queryset_rows():
    towns = f.TownFactory.create_batch(3)
    query = CompiledQuery(lambda name: Town.objects.filter(name=name).values_list("pk", "name"))
    assert query.sql("default", 1) is not None
    for town in towns:
        assert query.rows(town.name) == list(query.build(town.name)) == [(town.pk, town.name)]
    assert query.rows("没有这个街道") == []
    with CaptureQueriesContext(connection) as queries:
        query.rows(towns[0].name)
    assert len(queries) == 1


def test_a_value_the_orm_would_change_falls_back_to_the_queryset():
    town = f.TownFactory()
    # the value is transformed in SQL, not passed through: still correct, just not compiled
    query = CompiledQuery(lambda pk: Town.objects.filter(pk=pk).values_list("pk"))
    assert query.sql("default", 1) is None  # pk values are converted to int when the queryset is built
    assert query.rows(town.pk) == [(town.pk,)]
    upper = CompiledQuery(lambda name: Town.objects.annotate(up=Upper("name")).filter(up=name).values_list("pk"))
    assert upper.rows(town.name.upper()) == [(town.pk,)]


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'cq\\_%%'")
        return [row[0] for row in cursor.fetchall()]


def test_the_statement_is_prepared_once_per_connection_and_planned_no_more(settings):
    settings.DB_PREPARED_STATEMENTS = True
    towns = f.TownFactory.create_batch(2)
    # a statement no other test runs (a session keeps its prepared statements across the tests' rollbacks)
    query = CompiledQuery(lambda name: Town.objects.filter(name=name).values_list("pk", "name", "name"))
    with CaptureQueriesContext(connection) as first:
        assert query.rows(towns[0].name) == [(towns[0].pk, towns[0].name, towns[0].name)]
    assert [q["sql"].split()[0] for q in first] == ["PREPARE", "EXECUTE"]
    assert len([s for s in _prepared_here() if "\"name1\"" in s]) == 1
    with CaptureQueriesContext(connection) as again:
        assert query.rows(towns[1].name) == [(towns[1].pk, towns[1].name, towns[1].name)]
        assert query.rows("没有这个街道") == []
    assert [q["sql"].split()[0] for q in again] == ["EXECUTE", "EXECUTE"]


def test_placeholders_are_numbered_and_literal_percents_kept():
    from core.sql import _numbered

    assert _numbered("a LIKE '%%x' AND b = %s AND c = ANY(%s)") == "a LIKE '%x' AND b = $1 AND c = ANY($2)"


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler(settings):
    settings.DB_PREPARED_STATEMENTS = False
    town = f.TownFactory()
    query = CompiledQuery(lambda name: Town.objects.filter(name=name).values_list("pk"))
    with CaptureQueriesContext(connection) as queries:
        assert query.rows(town.name) == [(town.pk,)]
    assert queries[0]["sql"].startswith("SELECT")
