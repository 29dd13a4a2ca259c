"""Reads across the levels: the tree with counts and the home-page figures (households, members, links)."""
from __future__ import annotations

from django.db.models import Count, Q

from accounts.scoping import UserScope
from core.records import is_archivable
from members.models import HouseholdLink, PartyMember
from members.selectors import households_unlinked
from villages.models import Household, HouseholdColor, MicroGrid, NaturalVillage, Village
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


def overview_counts(scope: UserScope) -> dict:
    """The home page: what the user's scope holds."""
    households = scope.filter(Household.objects.all())
    by_color = dict.fromkeys(HouseholdColor.values, 0)
    for row in households.values("color").annotate(n=Count("id")):
        by_color[row["color"]] = row["n"]
    return {
        "towns": active(scope.filter(Town.objects.all())).count(),
        "zones": active(scope.filter(WorkZone.objects.all())).count(),
        "villages": active(scope.filter(Village.objects.all())).count(),
        "grids": active(scope.filter(MicroGrid.objects.all())).count(),
        "households": sum(by_color.values()),
        "households_by_color": by_color,
        "members": scope.filter(PartyMember.objects.filter(left_on__isnull=True)).count(),
        "links": scope.filter(HouseholdLink.objects.all()).count(),
        "unlinked_households": households_unlinked(households).count(),
    }


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
    return [{**row, "level": LEVEL_LABELS[level]} for row in rows]
