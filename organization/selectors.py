"""Reads across the levels: the tree with counts and the home-page figures (households, members, links)."""
from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from accounts.scoping import UserScope
from core import metrics
from core.metrics import NodeSet
from core.records import is_archivable
from members.models import HouseholdLink, PartyMember
from members.selectors import households_unlinked
from villages.models import Household, HouseholdColor, MicroGrid, NaturalVillage, Village
from villages.nodes import figure_definitions, scope_top, today_period
from zones.models import Town, WorkZone


# level -> (model, parent field, household column, child level)
TREE_LEVELS = {
    "town": (Town, None, "town", "zone"),
    "zone": (WorkZone, "town", "zone", "village"),
    "village": (Village, "zone", "village", "natural_village"),
    "natural_village": (NaturalVillage, "village", "natural_village", "grid"),
    "grid": (MicroGrid, "natural_village", "grid", None),
}


def active(queryset):
    """Archived nodes (core.models.Archivable) leave the tree and the counts; their rows keep their pages."""
    return queryset.filter(archived_at__isnull=True) if is_archivable(queryset.model) else queryset


def tree_children(scope: UserScope, *, level: str, parent: int | None) -> list[dict]:
    """One level of the hierarchy tree under `parent`, each node with its counts, in scope."""
    model, parent_field, column, child_level = TREE_LEVELS[level]
    nodes = active(scope.filter(model.objects.all()))
    if parent_field and parent is not None:
        nodes = nodes.filter(**{parent_field: parent})
    nodes = list(nodes.order_by("id").values("id", "name"))
    ids = [n["id"] for n in nodes]
    households = scope.filter(Household.objects.filter(**{f"{column}__in": ids}))
    by_node = {
        row[column]: row
        for row in households.values(column).annotate(
            households=Count("id"), red=Count("id", filter=Q(color="red")), orange=Count("id", filter=Q(color="orange"))
        )
    }
    children = {}
    if child_level:
        child_model, child_parent, _, _ = TREE_LEVELS[child_level]
        children = {
            row[child_parent]: row["n"]
            for row in active(scope.filter(child_model.objects.filter(**{f"{child_parent}__in": ids})))
            .values(child_parent).annotate(n=Count("id"))
        }
    return [
        {
            "level": level,
            "id": n["id"],
            "name": n["name"],
            "children": children.get(n["id"], 0),
            "child_level": child_level,
            "households": by_node.get(n["id"], {}).get("households", 0),
            "red": by_node.get(n["id"], {}).get("red", 0),
            "orange": by_node.get(n["id"], {}).get("orange", 0),
        }
        for n in nodes
    ]


# the home page's figures: each read from the registry (core/metrics.py), where it is defined once
OVERVIEW_FIGURES = {
    "towns": "zones.towns", "zones": "zones.zones", "villages": "villages.villages", "grids": "villages.grids",
    "households": "members.households", "members": "members.count", "links": "members.linked_households",
    "unlinked_households": "members.unlinked_households", "link_coverage": "members.link_coverage",
}
COLOR_FIGURES = {c: f"visits.color.{c}" for c in HouseholdColor.values}


def overview_counts(scope: UserScope) -> dict:
    """The home page: what the user's scope holds, as of today, each figure from the registry at the one node at
    the top of the scope (villages.nodes.scope_top: the district, a town, a zone or a village).

    A scope with no such node (a grid member: their grid and their own linked households; roles on several
    villages) is below or across the registry's levels: it is counted here over the scoped rows, with the same
    definitions (the fallback of ``_overview_scoped``)."""
    top = scope_top(scope)
    if top is None:
        counts = _overview_scoped(scope)
    else:
        codes = [*OVERVIEW_FIGURES.values(), *COLOR_FIGURES.values()]
        values = metrics.evaluate(codes, top, today_period())[top.ids[0]]
        counts = {key: values[code] for key, code in OVERVIEW_FIGURES.items()}
        counts["households_by_color"] = {c: values[code] for c, code in COLOR_FIGURES.items()}
    counts["definitions"] = {**figure_definitions(OVERVIEW_FIGURES), **figure_definitions(COLOR_FIGURES)}
    return counts


def _overview_scoped(scope: UserScope) -> dict:
    """The home page's figures over the scoped rows, for a scope no registry node describes (see overview_counts)."""
    households = scope.filter(Household.objects.all())
    by_color = dict.fromkeys(HouseholdColor.values, 0)
    for row in households.values("color").annotate(n=Count("id")):
        by_color[row["color"]] = row["n"]
    on = timezone.localdate()
    in_post = Q(joined_on__lte=on) & (Q(left_on__isnull=True) | Q(left_on__gt=on))  # members.count's definition
    counts = {
        "towns": active(scope.filter(Town.objects.all())).count(),
        "zones": active(scope.filter(WorkZone.objects.all())).count(),
        "villages": active(scope.filter(Village.objects.all())).count(),
        "grids": active(scope.filter(MicroGrid.objects.all())).count(),
        "households": sum(by_color.values()),
        "households_by_color": by_color,
        "members": scope.filter(PartyMember.objects.filter(in_post)).count(),
        "links": scope.filter(HouseholdLink.objects.all()).count(),
        "unlinked_households": households_unlinked(households).count(),
    }
    counts["link_coverage"] = metrics.share(counts["links"], counts["households"])
    return counts


LEVEL_LABELS = {"town": "街道（镇）", "zone": "工作区", "village": "村/社区", "natural_village": "自然村", "grid": "微网格"}


def overview_below(scope: UserScope) -> list[dict]:
    """The home page's breakdown: the nodes one level below the top of the user's scope (the towns for the
    district, the zones of a town, the villages of a zone …), each with its households, red and orange."""
    levels = list(TREE_LEVELS)
    for index, level in enumerate(levels):
        model = TREE_LEVELS[level][0]
        if scope.filter(model.objects.all()).count() > 1 or index == len(levels) - 1:
            break
    rows = tree_children(scope, level=level, parent=None)
    if level in metrics.LEVELS and rows and scope_top(scope) is not None:
        # a node of a registry level: its households, red and orange are the registry's (every row lies under
        # the scope's top, so the registry's whole-node figures are the scope's)
        codes = ["members.households", "visits.color.red", "visits.color.orange"]
        values = metrics.evaluate(codes, NodeSet(level, tuple(r["id"] for r in rows)), today_period())
        for row in rows:
            figures = values[row["id"]]
            row.update(households=figures[codes[0]], red=figures[codes[1]], orange=figures[codes[2]])
    return [{**row, "level": LEVEL_LABELS[level]} for row in rows]
