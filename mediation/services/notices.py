"""Who the mediation room tells, through the platform's notification channel (notifications.services.notify)."""
from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from accounts.models import Role, User


def send(*, user, title: str, body: str, link: str = "", kind: str = "mediation", dedupe_key: str):
    """At most one notification per (user, dedupe_key); returns it, or None if it existed already."""
    from notifications.services import notify

    return notify(user=user, title=title, body=body, link=link, kind=kind, dedupe_key=dedupe_key)


def zone_committee_users(zone_id: int):
    return User.objects.filter(
        is_active=True, assignments__role=Role.ZONE_COMMITTEE, assignments__zone_id=zone_id
    ).distinct().order_by("id")


def town_staff_users(town_id: int):
    return User.objects.filter(
        is_active=True, assignments__role=Role.TOWN_STAFF, assignments__town_id=town_id
    ).distinct().order_by("id")


def _path(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # pages not routed (e.g. an API-only deployment)
        return ""


def case_link(case_id: int) -> str:
    return _path("mediation:case", case_id)


def rota_link() -> str:
    return _path("mediation:rota")
