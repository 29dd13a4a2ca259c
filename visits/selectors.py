"""Reads for four-color visits, shared by the API, the pages, the reminder job and the reports.

**Overdue has one definition**: a household is overdue when its next due date is
before today (``next_visit_due < today``). It is computed, never stored; ``overdue_q``
(ORM) and ``OVERDUE_SQL`` (raw SQL of the set-based jobs) are the only two spellings
of it, and both are defined here, next to each other.
"""
from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from django.db.models import Case, CharField, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from accounts.scoping import UserScope
from core import metrics
from core.metrics import NodeSet
from members.models import HouseholdLink, PartyMember
from villages.models import Household, HouseholdColor, MicroGrid, Village
from villages.nodes import figure_definitions, narrowed, nodes_below, scope_top, today_period
from zones.models import Town, WorkZone

from . import policies
from .models import (
    COLOR_RANK, COLORS, DEFAULT_CONTENT, DEFAULT_ESCALATION, DEFAULT_INTERVALS, DEFAULT_REMIND_DAYS_BEFORE,
    ColorSuggestionReview, CoverageSnapshot, SuggestionDecision, VisitPolicy,
)

# The raw-SQL spelling of "overdue" for a household aliased ``h``; the date is the parameter ``%(today)s``.
OVERDUE_SQL = "h.next_visit_due < %(today)s"


def today() -> datetime.date:
    """Today in the platform's time zone (Asia/Shanghai)."""
    return timezone.localdate()


def overdue_q(*, on: datetime.date | None = None, prefix: str = "") -> Q:
    """The one definition of overdue: next due date before today."""
    return Q(**{f"{prefix}next_visit_due__lt": on or today()})


def due_q(*, within_days: int, on: datetime.date | None = None, prefix: str = "") -> Q:
    """Due within `within_days` days from today, overdue included."""
    return Q(**{f"{prefix}next_visit_due__lte": (on or today()) + datetime.timedelta(days=within_days)})


def is_overdue(household: Household, *, on: datetime.date | None = None) -> bool:
    return household.next_visit_due is not None and household.next_visit_due < (on or today())


# --- policies ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PolicyValues:
    """The policy in force for a zone: its own override, else its town's, else the defaults."""

    intervals: dict
    content: dict
    remind_days_before: int
    escalate_grid_days: int
    escalate_zone_red_days: int
    escalate_zone_days: int
    escalate_town_days: int
    source: str  # "zone" | "town" | "default"
    policy_id: int | None = None

    @classmethod
    def of(cls, policy: VisitPolicy | None, source: str) -> PolicyValues:
        if policy is None or source == "default":
            return cls(
                intervals=dict(DEFAULT_INTERVALS), content={c: list(v) for c, v in DEFAULT_CONTENT.items()},
                remind_days_before=DEFAULT_REMIND_DAYS_BEFORE, source="default", **DEFAULT_ESCALATION,
            )
        return cls(
            intervals={c: policy.interval(c) for c in COLORS}, content={c: policy.content(c) for c in COLORS},
            remind_days_before=policy.remind_days_before, escalate_grid_days=policy.escalate_grid_days,
            escalate_zone_red_days=policy.escalate_zone_red_days, escalate_zone_days=policy.escalate_zone_days,
            escalate_town_days=policy.escalate_town_days, source=source, policy_id=policy.pk,
        )

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def policy_for(*, town_id: int, zone_id: int | None) -> PolicyValues:
    """The policy governing a zone (or, with zone_id None, the town level): ``policies.effective``."""
    candidates = list(VisitPolicy.objects.filter(
        policies.candidates_q(town_ids=[town_id], zone_ids=[zone_id] if zone_id is not None else [])))
    return PolicyValues.of(*policies.effective(candidates, town_id=town_id, zone_id=zone_id))


def policy_for_household(household: Household) -> PolicyValues:
    return policy_for(town_id=household.town_id, zone_id=household.zone_id)


def policies_by_zone(zone_ids=None) -> dict[int, PolicyValues]:
    """The policy in force for each zone (all zones, or the given ones): two small queries."""
    zones = WorkZone.objects.all() if zone_ids is None else WorkZone.objects.filter(pk__in=list(zone_ids))
    zone_town = dict(zones.values_list("id", "town_id"))
    candidates = list(VisitPolicy.objects.filter(
        policies.candidates_q(town_ids=set(zone_town.values()), zone_ids=zone_town)))
    by_town: dict[int, list] = defaultdict(list)
    for policy in candidates:
        by_town[policy.town_id].append(policy)
    cache: dict = {}  # one PolicyValues per policy row (zones sharing their town's policy share it)
    result = {}
    for zone_id, town_id in zone_town.items():
        policy, source = policies.effective(by_town[town_id], town_id=town_id, zone_id=zone_id)
        key = (policy.pk if policy is not None else None, source)
        if key not in cache:
            cache[key] = PolicyValues.of(policy, source)
        result[zone_id] = cache[key]
    return result


def _zone_groups(policies: dict[int, PolicyValues], value) -> dict:
    """Group zone ids by a value derived from their policy, e.g. (color, interval) -> [zone ids]."""
    groups: dict = defaultdict(list)
    for zone_id, values in policies.items():
        for key in value(values):
            groups[key].append(zone_id)
    return groups


def covered_q(policies: dict[int, PolicyValues], *, on: datetime.date | None = None, prefix: str = "") -> Q:
    """Visited within the interval its color demands (its zone's policy), as of `on`.

    `policies` must hold every zone the filtered households may be in (e.g. all zones of the user's scope).

    Matches the due-date arithmetic: a visit on V makes the household due on V + interval,
    so it is covered until that day and overdue the day after.
    """
    on = on or today()
    condition = Q(pk__in=[])
    groups = _zone_groups(policies, lambda v: [(c, v.intervals[c]) for c in COLORS])
    for (color, days), zone_ids in groups.items():
        terms = {f"{prefix}color": color, f"{prefix}visit_state__last_visited_on__gte": on - datetime.timedelta(days=days)}
        if len(zone_ids) < len(policies):  # a group holding every zone of the scope needs no zone test
            terms[f"{prefix}zone_id__in"] = zone_ids
        condition |= Q(**terms)
    return condition


def color_rank_expression(field: str = "color") -> Case:
    return Case(*[When(**{field: c}, then=Value(r)) for c, r in COLOR_RANK.items()], output_field=IntegerField())


# --- color suggestion from circumstance tags -----------------------------------------------

# (tags that must all be present, the least color they call for). Suggestions only ever raise.
SUGGESTION_RULES: list[tuple[frozenset[str], str]] = [
    (frozenset({"矛盾纠纷", "信访"}), "red"),
    (frozenset({"独居老人", "重病"}), "orange"),
    (frozenset({"独居老人", "残疾"}), "orange"),
    (frozenset({"重病", "低保"}), "orange"),
    (frozenset({"矛盾纠纷"}), "orange"),
    (frozenset({"信访"}), "orange"),
    (frozenset({"独居老人"}), "yellow"),
    (frozenset({"重病"}), "yellow"),
    (frozenset({"残疾"}), "yellow"),
    (frozenset({"低保"}), "yellow"),
    (frozenset({"留守儿童"}), "yellow"),
    (frozenset({"优抚对象"}), "yellow"),
]


def color_suggestion(tags) -> tuple[str, list[str]]:
    """The least color the household's circumstances call for, and the tag combinations that call for it."""
    tags = set(tags or [])
    matched = [(needed, color) for needed, color in SUGGESTION_RULES if needed <= tags]
    if not matched:
        return "green", []
    best = max((color for _, color in matched), key=COLOR_RANK.__getitem__)
    return best, ["+".join(sorted(needed)) for needed, color in matched if color == best]


def suggested_color_expression() -> Case:
    """The same rules in SQL (array containment on the tags column), most urgent first."""
    whens = []
    for color in reversed(COLORS[1:]):
        for needed, rule_color in SUGGESTION_RULES:
            if rule_color == color:
                whens.append(When(tags__contains=sorted(needed), then=Value(color)))
    return Case(*whens, default=Value("green"), output_field=CharField())


def households_with_suggestion(households: QuerySet) -> QuerySet:
    """Households whose circumstances call for a more urgent color than they have (never applied silently)."""
    suggested_rank = Case(
        *[When(suggested_color=c, then=Value(r)) for c, r in COLOR_RANK.items()], output_field=IntegerField()
    )
    rejected = ColorSuggestionReview.objects.filter(
        household=OuterRef("pk"), decision=SuggestionDecision.REJECTED, from_color=OuterRef("color"),
        suggested_color=OuterRef("suggested_color"),
    )
    return (
        households.annotate(suggested_color=suggested_color_expression())
        .annotate(suggested_rank=suggested_rank, current_rank=color_rank_expression())
        .filter(suggested_rank__gt=F("current_rank"))
        .exclude(Exists(rejected))  # rejected for this color and this suggestion: reviewed, not to be asked again
    )


# --- lists -----------------------------------------------------------------------------------


def households_mine(households: QuerySet, *, user) -> QuerySet:
    """The households a user is responsible for: linked to their party member record, or in a grid they work.

    Both sets are small (≤ 20 linked households, a few grids) and read first, by index: as joins or subqueries
    ORed together, PostgreSQL cannot estimate them and scans a whole week's due households to test each one
    (0.5–1 s on a million households); as lists of ids it reads just those households."""
    linked = list(HouseholdLink.objects.filter(member__user=user, member__left_on__isnull=True)
                  .values_list("household_id", flat=True))
    worked = list(MicroGrid.objects.filter(worker_user=user).values_list("pk", flat=True))
    return households.filter(Q(pk__in=linked) | Q(grid__in=worked))


def households_due(households: QuerySet, *, within_days: int = 7, overdue_only: bool = False,
                   on: datetime.date | None = None) -> QuerySet:
    """Households due within `within_days` (overdue included), most overdue first; red before green on a tie."""
    condition = overdue_q(on=on) if overdue_only else due_q(within_days=within_days, on=on)
    return (
        households.filter(condition)
        .select_related("grid", "village", "visit_state", "link__member")
        .annotate(color_rank=color_rank_expression())
        .order_by("next_visit_due", "-color_rank", "id")
    )


LEVEL_COLUMNS = {
    "grid": ("grid", MicroGrid),
    "village": ("village", Village),
    "zone": ("zone", WorkZone),
    "town": ("town", Town),
    "member": ("link__member", PartyMember),
}


def _names(model, ids) -> dict:
    return dict(model.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("id", "name"))


def due_counts(households: QuerySet, *, by: str, within_days: int = 7, on: datetime.date | None = None) -> list[dict]:
    """Per grid/village/zone/town/member: households, due (within the window, not overdue) and overdue."""
    column, model = LEVEL_COLUMNS[by]
    on = on or today()
    rows = list(
        households.values(column).annotate(
            households=Count("id"),
            overdue=Count("id", filter=overdue_q(on=on)),
            due=Count("id", filter=due_q(within_days=within_days, on=on) & ~overdue_q(on=on)),
        ).order_by(column)
    )
    names = _names(model, [r[column] for r in rows])
    return [
        {"level": by, "id": r[column], "name": names.get(r[column], "未联户" if by == "member" else ""),
         "households": r["households"], "due": r["due"], "overdue": r["overdue"]}
        for r in rows
    ]


def coverage(households: QuerySet, *, by: str, on: datetime.date | None = None,
             policies: dict[int, PolicyValues] | None = None) -> list[dict]:
    """Visit coverage per level: the share of households visited within their color's interval."""
    column, model = LEVEL_COLUMNS[by]
    policies = policies if policies is not None else policies_by_zone()
    rows = list(
        households.values(column).annotate(
            households=Count("id"), covered=Count("id", filter=covered_q(policies, on=on)),
        ).order_by(column)
    )
    names = _names(model, [r[column] for r in rows])
    return [
        {"level": by, "id": r[column], "name": names.get(r[column], "未联户" if by == "member" else ""),
         "households": r["households"], "covered": r["covered"],
         "rate": round(r["covered"] / r["households"], 4) if r["households"] else None}
        for r in rows
    ]


# the dashboard's figures (page key -> registry code): read from the registry (core/metrics.py), defined there once
DASHBOARD_FIGURES = {
    "households": "visits.households", "overdue": "visits.overdue", "due_week": "visits.due_week",
    "covered": "visits.covered", "coverage_rate": "visits.coverage", "overdue_red": "visits.overdue_color.red",
}
COLOR_MIX_FIGURES = {c: (f"visits.color.{c}", f"visits.overdue_color.{c}") for c in COLORS}
VILLAGE_FIGURES = {
    "households": "visits.households", "overdue": "visits.overdue", "overdue_red": "visits.overdue_color.red",
    "covered": "visits.covered", "rate": "visits.coverage",
}


def dashboard_definitions() -> list[dict]:
    """[{key, definition: "名称：口径"}] of every number the dashboard shows (the page puts each beside its
    number; the export writes them as a sheet)."""
    definitions = {
        **figure_definitions(DASHBOARD_FIGURES),
        **figure_definitions({f"color_{c}": codes[0] for c, codes in COLOR_MIX_FIGURES.items()}),
        **figure_definitions({f"village_{k}": code for k, code in VILLAGE_FIGURES.items()}),
    }
    return [{"key": key, "definition": text} for key, text in definitions.items()]


def _fraction(percent):
    """The page's rates are fractions (0.6667); the registry's are per cent with one decimal (66.7)."""
    return None if percent is None else round(percent / 100, 4)


def dashboard_nodes(scope: UserScope, *, zone: WorkZone | None = None, town: Town | None = None) -> NodeSet | None:
    """The node whose registry figures the dashboard shows: the zone or town asked when the scope reaches it (the
    metrics API's check), the scope's own top when the one asked is an ancestor of it (a village cadre opening
    their zone sees their village) or when none is asked; None for a scope no registry node describes."""
    if zone is not None:
        return narrowed(scope, "zone", zone.pk)
    if town is not None:
        return narrowed(scope, "town", town.pk)
    return scope_top(scope)


def dashboard(scope: UserScope, *, zone: WorkZone | None = None, town: Town | None = None,
              weeks: int = 12, on: datetime.date | None = None) -> dict:
    """A zone, town or the whole scope at a glance: color mix, overdue by village, coverage now and its trend.

    The figures (households, overdue, due within 7 days, coverage, the colour mix, and each village's row) are
    the registry's (core/metrics.py), evaluated for the node shown (``dashboard_nodes``; the zone or town is a row
    the caller has already found in the scope) over today: the same values as GET /api/metrics/values/ for that
    node and period. The trend is the daily coverage snapshots (not a registry figure), ending with today's value;
    `on` dates the trend (the registry's live state is always today's).

    A scope no registry node describes (a grid member's grid and linked households, below the village level; roles
    on several villages) has no such node: the figures are then counted over the scoped rows with the same
    definitions (``_dashboard_scoped``)."""
    on = on or today()
    nodes = dashboard_nodes(scope, zone=zone, town=town)
    snapshots = scope.filter(CoverageSnapshot.objects.all())
    if zone is not None:
        snapshots = snapshots.filter(zone=zone)
    elif town is not None:
        snapshots = snapshots.filter(town=town)
    if nodes is None:
        data = _dashboard_scoped(scope, zone=zone, town=town, on=on)
    else:
        if nodes.level != "district":
            snapshots = snapshots.filter(**nodes.filter())
        data = _dashboard_figures(nodes)
    start = on - datetime.timedelta(weeks=weeks)
    trend = list(
        snapshots.filter(taken_on__gt=start, taken_on__lt=on).values("taken_on")
        .annotate(households=Sum("households"), covered=Sum("covered"), overdue=Sum("overdue")).order_by("taken_on")
    )
    points = [
        {"date": r["taken_on"], "households": r["households"], "covered": r["covered"], "overdue": r["overdue"],
         "rate": round(r["covered"] / r["households"], 4) if r["households"] else None}
        for r in trend
    ]
    points.append({"date": on, "households": data["households"], "covered": data["covered"],
                   "overdue": data["overdue"], "rate": data["coverage_rate"]})
    return {"date": on, **data, "coverage_trend": points, "definitions": dashboard_definitions()}


def _dashboard_figures(nodes: NodeSet) -> dict:
    period = today_period()
    codes = [*DASHBOARD_FIGURES.values(), *(code for pair in COLOR_MIX_FIGURES.values() for code in pair)]
    values = metrics.evaluate(codes, nodes, period)[nodes.ids[0]]
    villages = nodes_below(nodes, "village")
    by_village = metrics.evaluate(list(VILLAGE_FIGURES.values()), NodeSet("village", tuple(v.id for v in villages)),
                                  period) if villages else {}
    rows = [
        {"id": v.id, "name": v.name, **{key: by_village[v.id][code] for key, code in VILLAGE_FIGURES.items()}}
        for v in villages if by_village[v.id]["visits.households"]
    ]
    for row in rows:
        row["rate"] = _fraction(row["rate"])
    rows.sort(key=lambda r: (-r["overdue"], r["id"]))
    figures = {key: values[code] for key, code in DASHBOARD_FIGURES.items()}
    figures["coverage_rate"] = _fraction(figures["coverage_rate"])
    del figures["overdue_red"]
    return {
        **figures,
        "color_mix": [{"color": c, "label": HouseholdColor(c).label, "households": values[households],
                       "overdue": values[overdue]} for c, (households, overdue) in COLOR_MIX_FIGURES.items()],
        "overdue_by_village": rows,
    }


def _dashboard_scoped(scope: UserScope, *, zone: WorkZone | None, town: Town | None, on: datetime.date) -> dict:
    """The dashboard's figures over the scoped rows (same definitions), for a scope without a registry node."""
    households = scope.filter(Household.objects.all())
    if zone is not None:
        households = households.filter(zone=zone)
    elif town is not None:
        households = households.filter(town=town)
    if zone is not None:
        zone_ids = [zone.pk]
    else:  # the zones of the scope (a small table), not a DISTINCT over the households
        zones = scope.filter(WorkZone.objects.all())
        zone_ids = list((zones.filter(town=town) if town is not None else zones).values_list("id", flat=True))
    policies = policies_by_zone(zone_ids)
    covered = covered_q(policies, on=on)
    totals = households.aggregate(
        households=Count("id"), overdue=Count("id", filter=overdue_q(on=on)),
        due_week=Count("id", filter=due_q(within_days=7, on=on)),
        covered=Count("id", filter=covered),
        **{c: Count("id", filter=Q(color=c)) for c in COLORS},
        **{f"overdue_{c}": Count("id", filter=overdue_q(on=on) & Q(color=c)) for c in COLORS},
    )
    by_village = list(
        households.values("village").annotate(
            households=Count("id"), overdue=Count("id", filter=overdue_q(on=on)),
            overdue_red=Count("id", filter=overdue_q(on=on) & Q(color="red")), covered=Count("id", filter=covered),
        ).order_by("-overdue", "village")
    )
    names = _names(Village, [r["village"] for r in by_village])
    return {
        "households": totals["households"],
        "overdue": totals["overdue"],
        "due_week": totals["due_week"],
        "covered": totals["covered"],
        "coverage_rate": _fraction(metrics.share(totals["covered"], totals["households"])),
        "color_mix": [{"color": c, "label": HouseholdColor(c).label, "households": totals[c],
                       "overdue": totals[f"overdue_{c}"]} for c in COLORS],
        "overdue_by_village": [
            {"id": r["village"], "name": names.get(r["village"], ""), "households": r["households"],
             "overdue": r["overdue"], "overdue_red": r["overdue_red"], "covered": r["covered"],
             "rate": _fraction(metrics.share(r["covered"], r["households"]))}
            for r in by_village
        ],
    }
