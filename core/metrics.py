"""The registry of figures (指标): each figure defined once, read by the API, the pages and the reports.

A figure is a ``Metric``: a code (``visits.in_person_households``), a Chinese name, the definition in one
sentence (shown beside the number), a unit and the *source* that computes it. A source is one function
that computes several figures at once for a set of nodes of one level over one period, in a few grouped
queries (one ``GROUP BY zone_id`` instead of one query per zone and figure)::

    @metrics.source("visits")
    def visit_figures(nodes: metrics.NodeSet, period: metrics.Period) -> dict[int | None, dict[str, Number]]:
        ...  # {node id (None for the district): {code: value}}

Each app declares its figures in ``<app>/metrics.py`` (found at start-up, like the menus); the registry
knows no app. A capability built later adds one such module.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime
import logging
import re
from collections.abc import Callable, Iterable

from django.core.cache import caches

LEVELS = ("district", "town", "zone", "village")
LEVEL_LABELS = {"district": "全区", "town": "街道(镇)", "zone": "工作区", "village": "村/社区"}

Number = int | float | None
logger = logging.getLogger("core.metrics")


class MetricError(ValueError):
    """A request for figures that cannot be answered (an unknown code, a bad period); the message is Chinese."""


@dataclasses.dataclass(frozen=True)
class Period:
    """A closed range of days: a month (2026-11), a quarter (2026-Q4), a year (2026) or a range
    (2026-03-01..2026-05-31)."""

    start: datetime.date
    end: datetime.date
    kind: str
    key: str

    MIN_YEAR = 1900
    MAX_YEAR = 2099

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}年"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.isoformat()}至{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def parse(cls, text: str) -> Period:
        text = (text or "").strip()
        try:
            if m := re.fullmatch(r"(\d{4})", text):
                year = cls._year(m[1])
                return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year", text)
            if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
                year, quarter = cls._year(m[1]), int(m[2])
                first = 3 * quarter - 2
                last = datetime.date(year, first + 2, calendar.monthrange(year, first + 2)[1])
                return cls(datetime.date(year, first, 1), last, "quarter", f"{year}-Q{quarter}")
            if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
                year, month = cls._year(m[1]), int(m[2])
                last = datetime.date(year, month, calendar.monthrange(year, month)[1])
                return cls(datetime.date(year, month, 1), last, "month", f"{year}-{month:02d}")
            if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
                start, end = datetime.date.fromisoformat(m[1]), datetime.date.fromisoformat(m[2])
                cls._year(str(start.year)), cls._year(str(end.year))
                if end < start:
                    raise MetricError("统计期：结束日期不能早于开始日期。")
                return cls(start, end, "range", f"{start.isoformat()}..{end.isoformat()}")
        except ValueError as exc:
            if isinstance(exc, MetricError):
                raise
            raise MetricError("统计期：日期不存在。") from exc
        raise MetricError("统计期：格式应为 2026（年）、2026-Q4（季度）、2026-11（月）或 2026-01-01..2026-03-31（起止日期）。")

    @classmethod
    def _year(cls, text: str) -> int:
        year = int(text)
        if not cls.MIN_YEAR <= year <= cls.MAX_YEAR:
            raise MetricError(f"统计期：年份须在{cls.MIN_YEAR}—{cls.MAX_YEAR}之间。")
        return year

    def shifted_years(self, years: int) -> Period:
        """The same period `years` earlier or later (for year over year); 29 February becomes the 28th."""
        def shift(day: datetime.date) -> datetime.date:
            year = day.year + years
            return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))

        start, end = shift(self.start), shift(self.end)
        key = {"year": f"{start.year}", "quarter": f"{start.year}-Q{(start.month - 1) // 3 + 1}",
               "month": f"{start.year}-{start.month:02d}"}.get(self.kind, f"{start.isoformat()}..{end.isoformat()}")
        return Period(start, end, self.kind, key)


@dataclasses.dataclass(frozen=True)
class NodeSet:
    """The nodes a source computes for: all of one level (``ids``), or the district as a whole (level
    ``district``, ids ``(None,)``). ``column`` names the level's column on rows that carry it
    (``zone_id``); a source adds its own path (``household__zone_id``)."""

    level: str
    ids: tuple

    @property
    def column(self) -> str | None:
        return None if self.level == "district" else f"{self.level}_id"

    def key(self, prefix: str = "") -> str | None:
        """The grouping column with the source's path, or None for the district (one group)."""
        return None if self.column is None else f"{prefix}{self.column}"

    def filter(self, prefix: str = "") -> dict:
        return {} if self.column is None else {f"{prefix}{self.column}__in": list(self.ids)}


@dataclasses.dataclass(frozen=True)
class Metric:
    code: str
    name: str
    definition: str
    unit: str
    source: str
    group: str
    order: int


Source = Callable[[NodeSet, Period], dict]

_sources: dict[str, Source] = {}
_metrics: dict[str, Metric] = {}


def source(name: str) -> Callable[[Source], Source]:
    """Register the function computing the figures of source `name`."""
    def register(function: Source) -> Source:
        if name in _sources and _sources[name] is not function:
            raise ValueError(f"metric source {name!r} registered twice")
        _sources[name] = function
        return function

    return register


def metric(code: str, name: str, definition: str, *, unit: str, source: str, group: str) -> Metric:
    """Declare one figure; the code is unique across the platform."""
    if code in _metrics:
        raise ValueError(f"metric {code!r} declared twice")
    declared = Metric(code, name, definition, unit, source, group, len(_metrics))
    _metrics[code] = declared
    return declared


def all_metrics() -> list[Metric]:
    return sorted(_metrics.values(), key=lambda m: m.order)


def get(code: str) -> Metric:
    try:
        return _metrics[code]
    except KeyError:
        raise MetricError(f"指标：未知的指标代码 {code}。") from None


def evaluate(codes: Iterable[str], nodes: NodeSet, period: Period, *, max_age: int = 0, refresh: bool = False) -> dict:
    """{node id: {code: value}} for the nodes and codes asked, each source run once.
    A node with no rows gets the source's empty values (0 for counts, None for rates).

    ``max_age`` (seconds): a node's figures of one source computed within that time for the same period may be
    reused from the figures cache (the ``figures`` cache alias, shared by the web processes and the worker that
    warms it; DHIS2 serves its analytics the same way). The figures API, which upper-level systems poll, uses
    it; reports, dashboards and statistics pages compute live (``max_age=0``). ``refresh`` computes anew and
    stores the answer (the warming job). A cache that cannot be reached is passed by: the figures are computed.
    """
    wanted = [get(code) for code in codes]
    by_source: dict[str, list[Metric]] = {}
    for m in wanted:
        by_source.setdefault(m.source, []).append(m)
    result: dict = {node: {} for node in nodes.ids}
    for name, members in by_source.items():
        computed = _computed(name, nodes, period, max_age, refresh)
        for node in nodes.ids:
            row = computed.get(node, {})
            for m in members:
                result[node][m.code] = row.get(m.code, _empty(m))
    return result


def _cache_key(name: str, level: str, node, period: Period) -> str:
    return f"metrics:{name}:{level}:{'' if node is None else node}:{period.start.isoformat()}:{period.end.isoformat()}"


def _computed(name: str, nodes: NodeSet, period: Period, max_age: int, refresh: bool) -> dict:
    """{node: {code: value}} of one source: each node from the cache when it holds it, the others computed in one
    call of the source and stored."""
    if max_age <= 0:
        return _sources[name](nodes, period)
    store = caches["figures"]
    keys = {node: _cache_key(name, nodes.level, node, period) for node in nodes.ids}
    found: dict = {}
    if not refresh:
        try:
            cached = store.get_many(list(keys.values()))
        except Exception:  # noqa: BLE001 - a cache outage must not fail the figures: compute them
            logger.warning("figures cache unreachable; computing", exc_info=True)
            return _sources[name](nodes, period)
        found = {node: cached[key] for node, key in keys.items() if key in cached}
    missing = tuple(node for node in nodes.ids if node not in found)
    if missing:
        computed = _sources[name](NodeSet(nodes.level, missing), period)
        fresh = {node: computed.get(node, {}) for node in missing}
        try:
            store.set_many({keys[node]: row for node, row in fresh.items()}, max_age)
        except Exception:  # noqa: BLE001
            logger.warning("figures cache unreachable; not stored", exc_info=True)
        found.update(fresh)
    return found


def _empty(m: Metric) -> Number:
    return None if m.unit in ("%", "天") else 0


def share(part: int, whole: int) -> float | None:
    """A rate in per cent with one decimal, None when nothing was counted."""
    return round(100 * part / whole, 1) if whole else None
