import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from .models import MIN_SUNK_CADRES, PartyInstructor, SunkCadrePosting, WorkZone


def current_q(today: datetime.date | None = None) -> Q:
    today = today or datetime.date.today()
    return Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))


def cadre_postings_current(queryset: QuerySet[SunkCadrePosting], today=None) -> QuerySet[SunkCadrePosting]:
    return queryset.filter(current_q(today))


def zones_with_cadre_counts(queryset: QuerySet[WorkZone], today=None) -> QuerySet[WorkZone]:
    today = today or datetime.date.today()
    current = Q(cadre_postings__start_date__lte=today) & (
        Q(cadre_postings__end_date__isnull=True) | Q(cadre_postings__end_date__gte=today)
    )
    return queryset.annotate(current_cadres=Count("cadre_postings", filter=current))


def zones_short_of_cadres(queryset: QuerySet[WorkZone], today=None) -> QuerySet[WorkZone]:
    return zones_with_cadre_counts(queryset, today).filter(current_cadres__lt=MIN_SUNK_CADRES)


def villages_without_instructor(queryset, today=None):
    """Villages with no current "1+1" party-building instructor."""
    today = today or datetime.date.today()
    current = PartyInstructor.objects.filter(village=OuterRef("pk")).filter(current_q(today))
    return queryset.filter(~Exists(current))


def zone_flags(zone: WorkZone, today=None) -> dict:
    village_model = PartyInstructor._meta.get_field("village").related_model  # villages sit above zones
    current = cadre_postings_current(zone.cadre_postings.all(), today).count()
    missing = villages_without_instructor(village_model.objects.filter(zone=zone), today).values("id", "name")
    return {
        "zone": zone.id,
        "zone_name": zone.name,
        "current_cadres": current,
        "cadres_below_minimum": current < MIN_SUNK_CADRES,
        "villages_without_instructor": list(missing),
    }
