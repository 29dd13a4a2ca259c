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
