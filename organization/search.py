"""The header's global search: households, party members, villages and dispute cases, each kind within the
user's scope and matched by the `q` filter of its own list (name, pinyin initials, address …).

Each kind is one LIMITed query: the list's queryset, the scope filter the list endpoint applies, the list's
filterset `q` (no matching code of its own), at most `limit` rows.
"""
from __future__ import annotations

from django.urls import reverse

from accounts.scoping import user_scope
from mediation.filters import DisputeCaseFilter
from mediation.models import DisputeCase
from members.filters import PartyMemberFilter
from members.models import PartyMember
from villages.filters import HouseholdFilter, VillageFilter
from villages.models import Household, Village

KINDS = ("households", "members", "villages", "cases")


def _matching(scope, queryset, filterset_class, q: str, limit: int) -> list:
    if not scope.can_read(queryset.model):
        return []
    queryset = scope.filter(queryset)
    return list(filterset_class(data={"q": q}, queryset=queryset).filter_q(queryset, "q", q)[:limit])


def _households(scope, q, limit):
    rows = _matching(scope, Household.objects.select_related("village").order_by("id"), HouseholdFilter, q, limit)
    return [
        {"id": h.pk, "title": h.head_name, "subtitle": f"{h.village.name} · {h.address}",
         "url": reverse("villages:household", args=[h.pk])}
        for h in rows
    ]


def _members(scope, q, limit):
    rows = _matching(scope, PartyMember.objects.select_related("branch").order_by("id"), PartyMemberFilter, q, limit)
    return [
        {"id": m.pk, "title": m.name, "subtitle": m.branch.name, "url": reverse("members:detail", args=[m.pk])}
        for m in rows
    ]


def _villages(scope, q, limit):
    rows = _matching(scope, Village.objects.select_related("zone").order_by("id"), VillageFilter, q, limit)
    return [
        {"id": v.pk, "title": v.name, "subtitle": v.zone.name,
         "url": f"{reverse('villages:households')}?village={v.pk}"}
        for v in rows
    ]


def _cases(scope, q, limit):
    rows = _matching(scope, DisputeCase.objects.select_related("village"), DisputeCaseFilter, q, limit)
    return [
        {"id": c.pk, "title": f"{c.number} {c.title}", "subtitle": c.village.name,
         "url": reverse("mediation:case", args=[c.pk])}
        for c in rows
    ]


_FINDERS = {"households": _households, "members": _members, "villages": _villages, "cases": _cases}


def global_search(user, q: str, *, limit: int = 5) -> dict:
    scope = user_scope(user)
    return {kind: _FINDERS[kind](scope, q, limit) for kind in KINDS}
