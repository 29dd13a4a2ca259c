"""Writes for villages, grids and households.

Effects on higher apps (a new household's visit plan, a colour edited, a grid's worker changed …) are the
domain events of ``villages/events.py``, emitted here after the write, in its transaction.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core import records
from core.moves import node_move
from core.text import pinyin_key

from . import events
from .models import CircumstanceTag, Household, HouseholdPerson, MicroGrid, NaturalVillage, PersonRelation


def _clean_household(household: Household) -> None:
    errors = {}
    if household.people_count is None or household.people_count < 1:
        errors["people_count"] = "人口数必须是不小于1的整数。"
    bad_tags = [t for t in household.tags if t not in CircumstanceTag.values]
    if bad_tags:
        errors["tags"] = f"未知的情况标签：{'、'.join(bad_tags)}。"
    if errors:
        raise ValidationError(errors)


def _household_new(*, grid: MicroGrid, head_name: str, address: str, people_count: int | None = None,
                   phone: str = "", tags: list[str] | None = None, color: str = "green",
                   people: list[dict] | None = None) -> tuple[Household, list[HouseholdPerson]]:
    """A new household checked by the rules of registration (its people first: a bad person writes nothing, not
    even the household), unsaved, placed in its grid, with its people's rows (``clean_people``)."""
    rows = []
    if people:
        rows = clean_people(people)
        people_count = len(people)
    household = Household(head_name=head_name, address=address, people_count=people_count, tags=tags or [], color=color)
    household.place_in(grid)
    _clean_household(household)
    try:
        household.set_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    return household, rows


@transaction.atomic
def household_create(*, grid: MicroGrid, head_name: str, address: str, people_count: int | None = None,
                     phone: str = "", tags: list[str] | None = None, color: str = "green",
                     people: list[dict] | None = None) -> Household:
    """Register a household; with ``people`` (户成员) its people count is the list's length. All or nothing."""
    household, _ = _household_new(grid=grid, head_name=head_name, address=address, people_count=people_count,
                                  phone=phone, tags=tags, color=color, people=people)
    household = household_insert(household=household)
    if people:
        household_set_people(household=household, people=people)
    return household


BULK_ROWS = 1000  # rows per INSERT statement of a set-based registration


@transaction.atomic
def households_create(*, households: list[dict]) -> list[Household]:
    """Register many households at once (an Excel import): each item is ``household_create``'s arguments (grid,
    head_name, address, people_count, phone, tags, color, people), checked by the same rules. All or nothing:
    every error is reported, under its field and naming the household ("第3户：…"), and then nothing is written.
    The writes are set-based (``households_insert``), the households as registered one by one would be."""
    errors: dict[str, list[str]] = {}
    built, people = [], []
    for i, item in enumerate(households, start=1):
        try:
            household, rows = _household_new(**item)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(f"第{i}户：{m}" for m in messages)
            continue
        built.append(household)
        people.append(rows)
    if errors:
        raise ValidationError(errors)
    return households_insert(households=built, people=people)


@transaction.atomic
def households_insert(*, households: list[Household], people: list[list[HouseholdPerson]] | None = None
                      ) -> list[Household]:
    """Insert new, validated households placed in their grids, with their people (``people[i]``: the cleaned rows,
    ``clean_people``, of ``households[i]``; a non-empty list sets its people count), one INSERT per ``BULK_ROWS``
    rows (pghistory's triggers record each row). The apps that plan households hear the set once:
    ``households_registering`` before the insert, ``households_registered`` after."""
    if not households:
        return []
    people = people or []
    if len(people) > len(households):
        raise ValueError("more lists of people than households")
    for household, rows in zip(households, people):
        if rows:
            household.people_count = len(rows)
    for household in households:  # bulk_create does not call save(), which keeps the pinyin key
        household.name_pinyin = pinyin_key(getattr(household, household.pinyin_source))
    events.households_registering.emit(households=households)
    with connection.cursor() as cursor:
        # pgtrigger's check of its (unset) "ignore" setting raises and catches an error per row in the history
        # triggers, an aborted subtransaction each, ever slower along a long transaction (60,000 rows: 4x); set
        # to ignore nothing, for this transaction only, the triggers record every row as before
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true) WHERE current_setting('pgtrigger.ignore', "
                       "true) IS NULL OR current_setting('pgtrigger.ignore', true) = ''")
    Household.objects.bulk_create(households, batch_size=BULK_ROWS)
    persons = []
    for household, rows in zip(households, people):
        for position, row in enumerate(rows, start=1):
            row.household = household
            row.position = position
            persons.append(row)
    HouseholdPerson.objects.bulk_create(persons, batch_size=BULK_ROWS)
    events.households_registered.emit(household_ids=[household.pk for household in households])
    return households


@transaction.atomic
def household_insert(*, household: Household) -> Household:
    """Insert a new, validated household placed in its grid, and tell the apps that plan households."""
    events.household_registering.emit(household=household)
    household.save()
    events.household_created.emit(household=household)
    return household


@transaction.atomic
def household_update(*, household: Household, **changes) -> Household:
    """Edit a household; ``people`` (the whole list) replaces its people, and a kept list sets its people count."""
    before = Household.objects.filter(pk=household.pk).values_list(
        "color", "next_visit_due", "grid_id", "village_id").first()
    people = changes.pop("people", None)
    if people:
        clean_people(people)
        changes["people_count"] = len(people)
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
    if before is not None:
        from_color, due, grid_id, village_id = before
        if grid_id != household.grid_id:  # another grid: an unlinked household's reminders go to its new worker
            events.household_grid_changed.emit(household_ids=[household.pk])
        if village_id != household.village_id:
            events.households_changed_village.emit(village_ids=[village_id, household.village_id])
        if from_color != household.color:
            events.household_color_edited.emit(household=household, from_color=from_color, due=due)
    if people is not None:
        household_set_people(household=household, people=people)
    return household


@transaction.atomic
def household_archive(*, household: Household) -> Household:
    """Archive a household (it leaves the lists, keeps its history and people) and stop its visit plan: no due
    date, so no reminder is due for it; the apps that plan visits hear ``households_archived``."""
    if household.archived_at is not None:
        return household
    records.record_archive(household)
    household.next_visit_due = None
    household.save(update_fields=["next_visit_due", "updated_at"])
    events.households_archived.emit(household_ids=[household.pk])
    return household


@transaction.atomic
def household_restore(*, household: Household) -> Household:
    """Bring an archived household back (refused while its grid is archived) and plan it as a new registration:
    its first due date from today (``household_registering``), its reminder if already due (``household_created``)."""
    if household.archived_at is None:
        return household
    records.record_restore(household)
    household.next_visit_due = None
    events.household_registering.emit(household=household)
    household.save(update_fields=["next_visit_due", "updated_at"])
    events.household_created.emit(household=household)
    return household


@transaction.atomic
def grid_create(**data) -> MicroGrid:
    """A new micro-grid (its village follows from the natural village on save)."""
    return records.record_create(MicroGrid, data)


@transaction.atomic
def grid_update(*, grid: MicroGrid, **changes) -> MicroGrid:
    """Change a grid's name or worker; a new worker account takes over its unlinked households' reminders."""
    worker_before = MicroGrid.objects.filter(pk=grid.pk).values_list("worker_user_id", flat=True).first()
    grid = records.record_update(grid, changes)
    if grid.worker_user_id != worker_before:
        events.grid_worker_changed.emit(grid_id=grid.pk)
    return grid


def grid_move(*, grid: MicroGrid, to_natural_village: NaturalVillage, apply: bool) -> dict:
    """Move a grid (and its households) to another natural village, possibly of another village."""
    target_village = to_natural_village.village
    from_village_id = grid.village_id

    def carry():
        Household.objects.filter(grid=grid).update(
            natural_village=to_natural_village, village=target_village,
            zone_id=target_village.zone_id, town_id=target_village.zone.town_id,
        )
        events.households_moved.emit(grid_id=grid.pk)
        if from_village_id != target_village.pk:
            events.households_changed_village.emit(village_ids=[from_village_id, target_village.pk])

    return node_move(
        grid, key="grid", parent="natural_village", to=to_natural_village, labels=("自然村", "网格"),
        counts={"households": Household.objects.filter(grid=grid)}, carry=carry, apply=apply,
        also={"village": target_village},
        preview={"from_village": grid.village.name, "to_village": target_village.name},
    )


def natural_village_move(*, natural_village: NaturalVillage, to_village, apply: bool) -> dict:
    """Move a natural village (with its grids and their households) to another administrative village."""
    from_village_id = natural_village.village_id

    def carry():
        MicroGrid.objects.filter(natural_village=natural_village).update(village=to_village)
        Household.objects.filter(natural_village=natural_village).update(
            village=to_village, zone_id=to_village.zone_id, town_id=to_village.zone.town_id,
        )
        events.households_moved.emit(natural_village_id=natural_village.pk)
        if from_village_id != to_village.pk:
            events.households_changed_village.emit(village_ids=[from_village_id, to_village.pk])

    return node_move(natural_village, key="natural_village", parent="village", to=to_village,
                     labels=("村/社区", "自然村"), counts={
                         "grids": MicroGrid.objects.filter(natural_village=natural_village),
                         "households": Household.objects.filter(natural_village=natural_village),
                     }, carry=carry, apply=apply)


PERSON_FIELDS = ["name", "relation", "birth_year", "tags", "position"]
PEOPLE_MAX = 30  # a household register (户口簿) has far fewer pages; more is a mistake in the list


def clean_people(people: list[dict]) -> list[HouseholdPerson]:
    """Validate a household's list of people; errors name the row and the field: {"people": ["第2人：出生年份…"]}.
    Each item: name, relation, birth_year (optional), tags (optional)."""
    errors = []
    rows = []
    this_year = datetime.date.today().year
    heads = 0
    if len(people) > PEOPLE_MAX:
        raise ValidationError({"people": [f"户成员：一户最多登记 {PEOPLE_MAX} 人。"]})
    for i, item in enumerate(people, start=1):
        if not isinstance(item, dict):
            errors.append(f"第{i}人：应为一项成员信息（姓名、与户主关系、出生年份、情况标签）。")
            continue
        name = item.get("name")
        name = name.strip() if isinstance(name, str) else ""
        relation = item.get("relation") if isinstance(item.get("relation"), str) else ""
        birth_year = item.get("birth_year")
        if isinstance(birth_year, bool):  # True is an int to Python, not a year
            birth_year = -1
        tags = item.get("tags") or []
        if not isinstance(tags, list) or any(not isinstance(t, str) for t in tags):
            errors.append(f"第{i}人：情况标签应为标签名称的列表。")
            tags = []
        if not name:
            errors.append(f"第{i}人：姓名不能为空。")
        elif len(name) > 50:
            errors.append(f"第{i}人：姓名最多50个字。")
        if relation not in PersonRelation.values:
            errors.append(f"第{i}人：与户主关系须是{'、'.join(PersonRelation.values)}之一。")
        heads += relation == PersonRelation.HEAD
        if birth_year in ("", None):
            birth_year = None
        else:
            try:
                birth_year = int(birth_year)
            except (TypeError, ValueError):
                birth_year = -1
            if not 1900 <= birth_year <= this_year:
                errors.append(f"第{i}人：出生年份须在1900—{this_year}之间。")
        bad = [t for t in tags if t not in CircumstanceTag.values]
        if bad:
            errors.append(f"第{i}人：未知的情况标签：{'、'.join(map(str, bad))}。")
        rows.append(HouseholdPerson(name=name, relation=relation, birth_year=birth_year, tags=tags, position=i))
    if heads > 1:
        errors.append("户成员：只能有一位户主。")
    if errors:
        raise ValidationError({"people": errors})
    return rows


@transaction.atomic
def household_set_people(*, household: Household, people: list[dict]) -> Household:
    """Replace a household's people (户成员). When a list is kept, the people count follows it;
    an empty list removes the people and leaves the count as entered."""
    rows = clean_people(people)
    # row by row in place (the n-th person stays the n-th row): the history shows what changed, not the whole
    # list deleted and written again
    existing = list(HouseholdPerson.objects.filter(household=household).order_by("position", "id"))
    changed = []
    for old, new in zip(existing, rows):
        values = {name: getattr(new, name) for name in PERSON_FIELDS}
        if any(getattr(old, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(old, name, value)
            changed.append(old)
    if changed:
        HouseholdPerson.objects.bulk_update(changed, PERSON_FIELDS)
    if len(existing) > len(rows):
        HouseholdPerson.objects.filter(pk__in=[p.pk for p in existing[len(rows):]]).delete()
    added = rows[len(existing):]
    for row in added:
        row.household = household
    HouseholdPerson.objects.bulk_create(added)
    if rows and household.people_count != len(rows):
        household.people_count = len(rows)
        household.save(update_fields=["people_count", "updated_at"])
    return household
