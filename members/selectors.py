"""Reads about members and links shared by the API, pages and reports."""
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from villages.models import Household

from .models import LINK_MAX, LINK_MIN, HouseholdLink, PartyMember


def households_unlinked(queryset: QuerySet[Household]) -> QuerySet[Household]:
    return queryset.filter(~Exists(HouseholdLink.objects.filter(household=OuterRef("pk"))))


def members_with_link_counts(queryset: QuerySet[PartyMember]) -> QuerySet[PartyMember]:
    return queryset.annotate(link_count=Count("links"))


def members_by_quota(queryset: QuerySet[PartyMember], quota: str) -> QuerySet[PartyMember]:
    """Active members whose link count is under 10 ("under") or over 20 ("over") or inside ("ok")."""
    queryset = members_with_link_counts(queryset.filter(left_on__isnull=True))
    if quota == "under":
        return queryset.filter(link_count__lt=LINK_MIN)
    if quota == "over":
        return queryset.filter(link_count__gt=LINK_MAX)
    return queryset.filter(Q(link_count__gte=LINK_MIN) & Q(link_count__lte=LINK_MAX))
