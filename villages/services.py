"""Writes for villages, grids and households."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import CircumstanceTag, Household, MicroGrid, NaturalVillage


def _clean_household(household: Household) -> None:
    errors = {}
    if household.people_count is None or household.people_count < 1:
        errors["people_count"] = "人口数必须是不小于1的整数。"
    bad_tags = [t for t in household.tags if t not in CircumstanceTag.values]
    if bad_tags:
        errors["tags"] = f"未知的情况标签：{'、'.join(bad_tags)}。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def household_create(*, grid: MicroGrid, head_name: str, address: str, people_count: int, phone: str = "",
                     tags: list[str] | None = None, color: str = "green") -> Household:
    household = Household(head_name=head_name, address=address, people_count=people_count, tags=tags or [], color=color)
    household.place_in(grid)
    _clean_household(household)
    try:
        household.set_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    household.save()
    return household


@transaction.atomic
def household_update(*, household: Household, **changes) -> Household:
    phone = changes.pop("phone", None)
    grid = changes.pop("grid", None)
    for name, value in changes.items():
        setattr(household, name, value)
    if grid is not None and grid.pk != household.grid_id:
        household.place_in(grid)
    if phone is not None:
        try:
            household.set_phone(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc
    _clean_household(household)
    household.save()
    return household


def grid_move(*, grid: MicroGrid, to_natural_village: NaturalVillage, apply: bool) -> dict:
    """Move a grid (and its households) to another natural village, possibly of another village."""
    if to_natural_village.pk == grid.natural_village_id:
        raise ValidationError({"natural_village": "目标自然村与当前自然村相同。"})
    if MicroGrid.objects.filter(natural_village=to_natural_village, name=grid.name).exclude(pk=grid.pk).exists():
        raise ValidationError({"natural_village": f"目标自然村已有同名网格“{grid.name}”。"})
    target_village = to_natural_village.village
    preview = {
        "grid": grid.name,
        "from_natural_village": grid.natural_village.name,
        "to_natural_village": to_natural_village.name,
        "from_village": grid.village.name,
        "to_village": target_village.name,
        "households": Household.objects.filter(grid=grid).count(),
        "applied": False,
    }
    if not apply:
        return preview
    with transaction.atomic():
        MicroGrid.objects.select_for_update().filter(pk=grid.pk).update(
            natural_village=to_natural_village, village=target_village
        )
        Household.objects.filter(grid=grid).update(
            natural_village=to_natural_village, village=target_village,
            zone_id=target_village.zone_id, town_id=target_village.zone.town_id,
        )
    grid.refresh_from_db()
    preview["applied"] = True
    return preview


def natural_village_move(*, natural_village: NaturalVillage, to_village, apply: bool) -> dict:
    """Move a natural village (with its grids and their households) to another administrative village."""
    if to_village.pk == natural_village.village_id:
        raise ValidationError({"village": "目标村/社区与当前村/社区相同。"})
    if NaturalVillage.objects.filter(village=to_village, name=natural_village.name).exclude(pk=natural_village.pk).exists():
        raise ValidationError({"village": f"目标村/社区已有同名自然村“{natural_village.name}”。"})
    preview = {
        "natural_village": natural_village.name,
        "from_village": natural_village.village.name,
        "to_village": to_village.name,
        "grids": MicroGrid.objects.filter(natural_village=natural_village).count(),
        "households": Household.objects.filter(natural_village=natural_village).count(),
        "applied": False,
    }
    if not apply:
        return preview
    with transaction.atomic():
        NaturalVillage.objects.select_for_update().filter(pk=natural_village.pk).update(village=to_village)
        MicroGrid.objects.filter(natural_village=natural_village).update(village=to_village)
        Household.objects.filter(natural_village=natural_village).update(
            village=to_village, zone_id=to_village.zone_id, town_id=to_village.zone.town_id,
        )
    natural_village.refresh_from_db()
    preview["applied"] = True
    return preview
