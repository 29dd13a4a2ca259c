"""The fast path of a long list: page over ids, then read only that page, without DRF's field machinery.

A viewset whose serializer's fields are all plain columns or forward relation paths mixes in
``DeferredJoinListMixin``; its output is the serializer's own, key for key (see BENCHMARKS.md for
what it saves on a town's households).
"""
from __future__ import annotations

import datetime
import re

from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, F, Value
from django.utils import timezone
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response

from .sql import AnyOf, CompiledQuery


class DeferredJoinListMixin:
    def list(self, request, *args, **kwargs):
        """Deferred join: page over ids first, then fetch only that page's rows.

        Paging the joined query makes PostgreSQL join every row that OFFSET skips (a deep
        page of a town joined ~20,000 rows); the ids alone come from the (zone|town, id)
        index, so every page costs about the same. The page is then read with one
        values() query when every output field is a plain column or relation path
        (see `values_plan`), which is ~5× cheaper than model instances + DRF fields;
        the output is the serializer's, key for key. See BENCHMARKS.md.
        """
        queryset = self.get_queryset()
        # with no filter or ordering asked for, and no default ordering, the filters change nothing
        if set(request.query_params) - PAGING_PARAMS or getattr(self, "ordering", None):
            queryset = self.filter_queryset(queryset)
        page_ids = self.paginate_queryset(queryset.values_list("pk", flat=True))
        if page_ids is None:
            return Response(self.get_serializer(queryset, many=True).data)
        plan = values_plan(self.get_serializer_class(), queryset.model)
        if plan is None:
            rows = self.get_scoped_queryset().in_bulk(page_ids)
            data = self.get_serializer([rows[pk] for pk in page_ids if pk in rows], many=True).data
        else:
            lookups, page_rows, build_page = plan
            rows = page_rows(page_ids)
            data = build_page([rows[pk] for pk in page_ids if pk in rows])
        return self.get_paginated_response(data)


PAGING_PARAMS = frozenset({"page", "page_size"})
_VALUES_PLANS: dict = {}
_PASSTHROUGH_FIELDS = (
    drf_serializers.CharField, drf_serializers.IntegerField, drf_serializers.BooleanField,
    drf_serializers.ChoiceField, drf_serializers.ListField, drf_serializers.PrimaryKeyRelatedField,
)


def values_plan(serializer_class, model):
    """How to build a serializer's output from one ``values()`` query, or None if a field needs DRF.

    Each readable field must be a model column or a forward relation path (``grid.name``,
    ``link.member_id``), or ``get_<field>_display``; dates and datetimes are formatted as the
    serializer's own field does (see `_datetime_converter`). Anything else (method fields,
    nested serializers, properties) makes the caller fall back to the serializer.
    Returns ``(lookups, page_rows, build_page)``: ``page_rows(ids)`` reads those rows as
    ``{pk: {lookup: value}}`` with one statement compiled once (`core.sql.CompiledQuery`: the ids
    are its one parameter, ``pk = ANY(array)``), and ``build_page(rows)`` turns a page of them into
    the serializer's output, key for key.
    """
    if serializer_class in _VALUES_PLANS:
        return _VALUES_PLANS[serializer_class]
    steps, lookups = [], []
    plan = None
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        lookup, converter = _field_lookup(model, field)
        if lookup is None:
            break
        lookups.append(lookup)
        steps.append((name, lookup, converter))
    else:
        def build_page(rows, steps=tuple(steps)):
            tz = timezone.get_current_timezone()  # once per page, not once per value as DRF does
            bound = tuple((name, lookup, converter(tz) if converter else None) for name, lookup, converter in steps)
            return [
                {name: (None if row[lookup] is None else convert(row[lookup])) if convert else row[lookup]
                 for name, lookup, convert in bound}
                for row in rows
            ]

        names = ("pk", *lookups)
        rows_query = CompiledQuery(
            lambda ids: model._default_manager.filter(_pk_any_of(ids)).order_by().values_list(*names)
        )

        def page_rows(ids):
            rows = rows_query.rows(list(ids), using=model._default_manager.db)
            return {row[0]: dict(zip(names, row)) for row in rows}

        plan = (lookups, page_rows, build_page)
    _VALUES_PLANS[serializer_class] = plan
    return plan


def _pk_any_of(ids):
    return AnyOf(F("pk"), Value(ids, output_field=ArrayField(BigIntegerField())))


def _datetime_converter(field):
    """DRF's ``DateTimeField.to_representation`` for ISO 8601 output, with the current time zone
    looked up once per page: ``converter(tz)`` gives the function for one page.

    The database gives aware datetimes (USE_TZ); anything else goes through the field itself.
    """
    from django.conf import settings
    from rest_framework.settings import ISO_8601, api_settings

    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if not settings.USE_TZ or not isinstance(output_format, str) or output_format.lower() != ISO_8601:
        return lambda tz: field.to_representation
    if hasattr(field, "timezone") and field.timezone is None:  # naive output: leave it to the field
        return lambda tz: field.to_representation

    def converter(tz):
        target = getattr(field, "timezone", tz)  # the field's own zone when it was given one

        def convert(value):
            if not isinstance(value, datetime.datetime) or value.utcoffset() is None:
                return field.to_representation(value)
            text = value.astimezone(target).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return convert

    return converter


def _field_lookup(model, field):
    source = field.source
    display = re.fullmatch(r"get_(\w+)_display", source or "")
    if display:
        choices = dict(model._meta.get_field(display.group(1)).flatchoices)
        return display.group(1), lambda tz: lambda value: str(choices.get(value, value))
    if not source or source == "*" or not isinstance(field, (*_PASSTHROUGH_FIELDS, drf_serializers.DateField,
                                                             drf_serializers.DateTimeField)):
        return None, None
    parts, current = [], model
    for attr in source.split("."):
        if current is None:
            return None, None
        match = next((f for f in current._meta.get_fields() if f.name == attr or getattr(f, "attname", None) == attr), None)
        if match is None or not (match.concrete or match.one_to_one):
            return None, None
        parts.append(match.name)
        by_id = attr != match.name  # `member_id`: the id itself, not the related row
        current = match.related_model if match.is_relation and not by_id else None
    if current is not None and not isinstance(field, drf_serializers.PrimaryKeyRelatedField):
        return None, None  # a relation rendered as something other than its id
    if isinstance(field, drf_serializers.DateTimeField):
        return "__".join(parts), _datetime_converter(field)
    if isinstance(field, drf_serializers.DateField):
        return "__".join(parts), lambda tz: field.to_representation
    return "__".join(parts), None
