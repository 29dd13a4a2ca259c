"""The figures of party members and household links (党员联户), for the registry (core/metrics.py).

A member belongs to the node of their branch (a town-level branch's members count for the town only).
"""
from __future__ import annotations

from django.db.models import Count, Q

from core import metrics
from core.metrics import NodeSet, Period
from villages.models import Household

from .models import PartyMember

GROUP = "党员联户"

metrics.metric("members.count", "党员人数", "统计期末在册的党员人数（已入党、未离开）。", unit="人", source="members", group=GROUP)
metrics.metric("members.new", "新发展党员", "入党日期在统计期内的党员人数。", unit="人", source="members", group=GROUP)
metrics.metric("members.households", "户数", "当前在册（未归档）的户数。", unit="户", source="links", group=GROUP)
metrics.metric("members.linked_households", "联户户数", "当前有联户党员的户数。", unit="户", source="links", group=GROUP)
metrics.metric("members.unlinked_households", "未联户户数", "当前没有联户党员的户数（户数减联户户数）。", unit="户",
               source="links", group=GROUP)
metrics.metric("members.link_coverage", "联户覆盖率", "有联户党员的户数占户数的比例（当前）。", unit="%", source="links", group=GROUP)


@metrics.source("members")
def member_figures(nodes: NodeSet, period: Period) -> dict:
    members = PartyMember.objects.filter(**nodes.filter("branch__"))
    measures = {
        "members.count": Count("id", filter=Q(joined_on__lte=period.end) & (Q(left_on__isnull=True) | Q(left_on__gt=period.end))),
        "members.new": Count("id", filter=Q(joined_on__range=(period.start, period.end))),
    }
    key = nodes.key("branch__")
    if key is None:
        return {None: members.aggregate(**measures)}
    return {row[key]: row for row in members.values(key).annotate(**measures)}


@metrics.source("links")
def link_figures(nodes: NodeSet, period: Period) -> dict:
    households = Household.objects.filter(archived_at__isnull=True, **nodes.filter())  # 在册: archived ones left
    # a household has at most one link (one-to-one): counting the joined link is one hash join, where an EXISTS
    # per household is a million index probes at million scale
    measures = {"members.households": Count("id"), "members.linked_households": Count("link")}
    column = nodes.key()
    rows = [households.aggregate(**measures)] if column is None else households.values(column).annotate(**measures)
    result = {}
    for row in rows:
        row = dict(row)
        row["members.unlinked_households"] = row["members.households"] - row["members.linked_households"]
        row["members.link_coverage"] = metrics.share(row["members.linked_households"], row["members.households"])
        result[row.get(column) if column else None] = row
    return result
