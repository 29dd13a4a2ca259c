"""The visits' analytics tables (DHIS2's analytics tables, kept exact): ``VisitDay`` and ``HouseholdVisitYear``.

The figures registry (``visits/metrics.py``) reads these instead of the visits themselves: a year of the
district is 2.6 million visits, but 525 villages × 365 days of sums and one row of day bits per household.

Each measure is defined once, here (``MEASURES``: the SQL of one visit's contribution), and used three ways:
a logged visit *adds* its contribution to its village and day, a correction *moves* it (subtracts the old,
adds the new), and ``rebuild`` recomputes rows from the visits (the demo seed, households changing village,
the nightly check ``visits.tasks.check_analytics``). Adding is an ``INSERT … ON CONFLICT DO UPDATE SET x = x +
excluded.x``, so concurrent visits in one village and day both count; a rebuild locks the table against those
additions for its transaction, so none is lost between its read and its write.

The in-person days of a household are bits of ``bit(366)`` (day of year ``n`` is bit ``n - 1``); removing a
day (a correction) recomputes that household's year from its visits (the household is locked by the service).
"""
from __future__ import annotations

import datetime

from django.db import connection, transaction

from members.models import Duty

from .models import HouseholdVisitYear, Visit, VisitDay, VisitMethod

DAY_BITS = 366

# one visit's contribution to each column of VisitDay, as SQL over a visits row `v`
MEASURES: dict[str, str] = {
    "total": "1",
    **{f"method_{m}": f"(v.method = '{m}')::int" for m in VisitMethod.values},
    **{f"duty_{d}": f"('{d}' = ANY(v.duties))::int" for d in Duty.values},
    "concerns": "(v.concerns <> '')::int",
    "concerns_on_spot": "(v.concerns <> '' AND NOT v.follow_up_needed)::int",
}
COLUMNS = list(MEASURES)
_DAY_TABLE = VisitDay._meta.db_table
_YEAR_TABLE = HouseholdVisitYear._meta.db_table
_VISITS = Visit._meta.db_table
_ZERO_BITS = f"repeat('0', {DAY_BITS})::bit({DAY_BITS})"
_DAY_BIT = f"set_bit({_ZERO_BITS}, extract(doy FROM v.visited_on)::int - 1, 1)"


def _check_columns() -> None:
    declared = {f.column for f in VisitDay._meta.concrete_fields} - {"id", "village_id", "day"}
    if declared != set(COLUMNS):  # a new visit method or duty needs its VisitDay column (and a migration)
        raise RuntimeError(f"VisitDay columns {sorted(declared)} differ from the measures {sorted(COLUMNS)}")


_check_columns()


def _day_sums(where: str, *, sign: int = 1) -> str:
    """SQL: (village, day, each measure summed, times `sign`) of the visits matching `where` (over ``v``, ``h``)."""
    sums = ", ".join(f"{sign} * sum({sql})" for sql in MEASURES.values())
    return (f"SELECT h.village_id, v.visited_on, {sums} FROM {_VISITS} v JOIN villages_household h ON h.id = v.household_id "
            f"WHERE {where} GROUP BY 1, 2")


def _year_days(where: str) -> str:
    """SQL: (household, year, its in-person days as bits) of the in-person visits matching `where` (over ``v``)."""
    return (f"SELECT v.household_id, extract(year FROM v.visited_on)::int, bit_or({_DAY_BIT}) FROM {_VISITS} v "
            f"WHERE v.method = 'in_person' AND {where} GROUP BY 1, 2")


_DAY_INSERT = f"INSERT INTO {_DAY_TABLE} AS d (village_id, day, {', '.join(COLUMNS)}) "
_YEAR_INSERT = f"INSERT INTO {_YEAR_TABLE} AS y (household_id, year, days) "


def _add(visit_ids: list[int], sign: int) -> None:
    """Add (sign 1) or subtract (sign -1) the contribution of these visits to their village's days."""
    updates = ", ".join(f"{c} = d.{c} + excluded.{c}" for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            _DAY_INSERT + _day_sums("v.id = ANY(%s)", sign=sign)
            + f" ON CONFLICT (village_id, day) DO UPDATE SET {updates}",
            [visit_ids],
        )


def visit_logged(visit: Visit) -> None:
    """A new visit counts in its village's day, and an in-person one marks its household's day."""
    _add([visit.pk], 1)
    if visit.method == VisitMethod.IN_PERSON:
        with connection.cursor() as cursor:
            cursor.execute(
                _YEAR_INSERT + _year_days("v.id = %s")
                + " ON CONFLICT (year, household_id) DO UPDATE SET days = y.days | excluded.days",
                [visit.pk],
            )


def visit_correcting(visit: Visit) -> None:
    """Before a correction is saved: take the visit's old contribution out (``visit_corrected`` puts the new in)."""
    _add([visit.pk], -1)


def visit_corrected(visit: Visit, *, old_years: set[int]) -> None:
    """After a correction is saved: the new contribution in, and the household's in-person days of the years the
    visit was and is in recomputed from its visits."""
    _add([visit.pk], 1)
    household_years_rebuild(visit.household_id, years=old_years | {visit.visited_on.year})


def household_years_rebuild(household_id: int, *, years: set[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_YEAR_TABLE} WHERE household_id = %s AND year = ANY(%s)", [household_id, list(years)])
        cursor.execute(
            _YEAR_INSERT + _year_days("v.household_id = %s AND extract(year FROM v.visited_on)::int = ANY(%s)"),
            [household_id, list(years)],
        )


@transaction.atomic
def rebuild(*, village_ids: list[int] | None = None) -> int:
    """Recompute the village-day sums from the visits: every village, or these (households left or joined them).
    The in-person days are per household and do not depend on the village; a full rebuild recomputes them too.
    Returns the number of village-day rows written."""
    where, params = ("true", []) if village_ids is None else ("h.village_id = ANY(%s)", [list(village_ids)])
    with connection.cursor() as cursor:
        # concurrent visit_logged additions wait for this transaction, then add to the rebuilt rows
        cursor.execute(f"LOCK TABLE {_DAY_TABLE} IN SHARE ROW EXCLUSIVE MODE")
        if village_ids is None:
            cursor.execute(f"TRUNCATE {_DAY_TABLE}")
        else:
            cursor.execute(f"DELETE FROM {_DAY_TABLE} WHERE village_id = ANY(%s)", params)
        cursor.execute(_DAY_INSERT + _day_sums(where), params)
        written = cursor.rowcount
        if village_ids is None:
            cursor.execute(f"LOCK TABLE {_YEAR_TABLE} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"TRUNCATE {_YEAR_TABLE}")
            cursor.execute(_YEAR_INSERT + _year_days("true"))
    return written


def differences(*, since: datetime.date | None = None) -> int:
    """How many village-day rows and household-year rows (from `since`) differ from a recount of the visits: 0 when
    the tables are exact (village-day rows summing to nothing, left by corrections, are not differences)."""
    since = since or datetime.date(1, 1, 1)
    recount = _day_sums("v.visited_on >= %s")
    kept = f"SELECT village_id, day, {', '.join(COLUMNS)} FROM {_DAY_TABLE} WHERE day >= %s AND total <> 0"
    years_recount = _year_days("v.visited_on >= make_date(%s, 1, 1)")
    years_kept = f"SELECT household_id, year, days FROM {_YEAR_TABLE} WHERE year >= %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(DISTINCT (village_id, day)) FROM "
            f"(({recount} EXCEPT {kept}) UNION ALL ({kept} EXCEPT {recount})) AS diff (village_id, day)",
            [since] * 4,
        )
        differing = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT count(DISTINCT (household_id, year)) FROM "
            f"(({years_recount} EXCEPT {years_kept}) UNION ALL ({years_kept} EXCEPT {years_recount})) AS diff (household_id, year)",
            [since.year] * 4,
        )
        return differing + cursor.fetchone()[0]


def year_mask(year: int, start: datetime.date, end: datetime.date) -> str | None:
    """The bits of the days of `year` inside [start, end] (a ``bit(366)`` literal), None when none is."""
    first, last = max(start, datetime.date(year, 1, 1)), min(end, datetime.date(year, 12, 31))
    if first > last:
        return None
    a, b = first.timetuple().tm_yday - 1, last.timetuple().tm_yday - 1
    return "0" * a + "1" * (b - a + 1) + "0" * (DAY_BITS - b - 1)
