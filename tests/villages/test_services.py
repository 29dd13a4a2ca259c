"""Village services: households (validation, denormalised columns, protected phone) and moving a grid."""

import pytest
from django.core.exceptions import ValidationError

from tests import factories as f
from tests.failures import update_fails_on
from villages.models import Household, MicroGrid
from villages.services import grid_move, household_create, household_update

pytestmark = pytest.mark.django_db


def test_household_create_places_it_under_every_ancestor():
    grid = f.MicroGridFactory()
    household = household_create(grid=grid, head_name="张三", address="东街1号", people_count=4, phone="13812345678",
                                 tags=["低保", "独居老人"], color="yellow")
    household.refresh_from_db()
    village = grid.natural_village.village
    assert (household.natural_village_id, household.village_id, household.zone_id, household.town_id) == (
        grid.natural_village_id, village.pk, village.zone_id, village.zone.town_id)
    assert household.phone_masked == "138****5678"
    assert household.reveal_phone() == "13812345678"
    assert household.name_pinyin == "zs zhangsan"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"people_count": 0}, "people_count"),
        ({"people_count": -2}, "people_count"),
        ({"tags": ["低保", "富裕"]}, "tags"),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_household_create_refuses_bad_input_and_writes_nothing(changes, field):
    grid = f.MicroGridFactory()
    data = {"grid": grid, "head_name": "李四", "address": "西街2号", "people_count": 3, "phone": "", **changes}
    with pytest.raises(ValidationError) as exc:
        household_create(**data)
    assert field in exc.value.message_dict
    assert not Household.objects.exists()


def test_household_update_moves_denormalised_columns_with_the_grid():
    household = f.HouseholdFactory()
    other = f.MicroGridFactory()  # another village, zone and town
    household_update(household=household, grid=other, color="red")
    household.refresh_from_db()
    assert (household.grid_id, household.village_id, household.zone_id, household.town_id) == (
        other.pk, other.village_id, other.village.zone_id, other.village.zone.town_id)
    assert household.color == "red"


def test_household_update_refuses_a_bad_phone_and_keeps_the_old_one():
    household = f.HouseholdFactory(phone="13900001111")
    with pytest.raises(ValidationError) as exc:
        household_update(household=household, phone="139")
    assert "phone" in exc.value.message_dict
    assert Household.objects.get(pk=household.pk).reveal_phone() == "13900001111"


@pytest.fixture
def grid_setup():
    grid = f.MicroGridFactory()
    households = f.HouseholdFactory.create_batch(3, grid=grid)
    target = f.NaturalVillageFactory()  # another village in another zone and town
    return grid, households, target


def _rows(grid):
    return (
        MicroGrid.objects.filter(pk=grid.pk).values_list("natural_village_id", "village_id").get(),
        sorted(Household.objects.filter(grid=grid).values_list("id", "natural_village_id", "village_id", "zone_id",
                                                                "town_id")),
    )


def test_grid_move_preview_changes_nothing(grid_setup):
    grid, _households, target = grid_setup
    before = _rows(grid)
    preview = grid_move(grid=grid, to_natural_village=target, apply=False)
    assert preview["households"] == 3 and preview["applied"] is False
    assert preview["to_village"] == target.village.name
    assert _rows(grid) == before


def test_grid_move_apply_moves_grid_and_households(grid_setup):
    grid, households, target = grid_setup
    result = grid_move(grid=grid, to_natural_village=target, apply=True)
    assert result["applied"] is True
    grid.refresh_from_db()
    assert (grid.natural_village_id, grid.village_id) == (target.pk, target.village_id)
    village = target.village
    assert set(Household.objects.filter(pk__in=[h.pk for h in households]).values_list(
        "natural_village_id", "village_id", "zone_id", "town_id")) == {(target.pk, village.pk, village.zone_id,
                                                                        village.zone.town_id)}


def test_grid_move_failing_midway_leaves_everything_unchanged(grid_setup):
    grid, _households, target = grid_setup
    before = _rows(grid)
    with update_fails_on(Household):  # the grid row is already updated at this point
        grid_move(grid=grid, to_natural_village=target, apply=True)
    assert _rows(grid) == before


def test_grid_move_to_its_own_natural_village_is_refused(grid_setup):
    grid, _households, _target = grid_setup
    with pytest.raises(ValidationError) as exc:
        grid_move(grid=grid, to_natural_village=grid.natural_village, apply=False)
    assert "natural_village" in exc.value.message_dict


def test_grid_move_refuses_a_name_taken_in_the_target(grid_setup):
    grid, _households, target = grid_setup
    f.MicroGridFactory(natural_village=target, name=grid.name)
    before = _rows(grid)
    for apply in (False, True):
        with pytest.raises(ValidationError) as exc:
            grid_move(grid=grid, to_natural_village=target, apply=apply)
        assert "已有同名" in str(exc.value)
    assert _rows(grid) == before


# --- households registered together (an import) ----------------------------------------------------------

def _many(grid, n=3):
    return [{"grid": grid, "head_name": f"户主{i}", "address": f"南街{i}号", "phone": "13812345678", "color": "yellow",
             "people": [{"name": f"户主{i}", "relation": "户主", "birth_year": 1960},
                        {"name": f"配偶{i}", "relation": "配偶"}]} for i in range(1, n + 1)]


def test_households_create_registers_households_with_their_people():
    from villages.models import HouseholdPerson
    from villages.services import households_create

    grid = f.MicroGridFactory()
    items = _many(grid)
    items[2]["people"] = None
    items[2]["people_count"] = 5
    created = households_create(households=items)
    rows = {h.address: h for h in Household.objects.filter(grid=grid)}
    assert [h.pk for h in created] == [rows[f"南街{i}号"].pk for i in (1, 2, 3)]
    first = rows["南街1号"]
    assert (first.people_count, first.zone_id, first.town_id, first.phone_masked, first.name_pinyin) == (
        2, grid.village.zone_id, grid.village.zone.town_id, "138****5678", "hz huzhu")
    assert list(first.people.order_by("position").values_list("name", "relation", "birth_year", "position")) == [
        ("户主1", "户主", 1960, 1), ("配偶1", "配偶", None, 2)]
    assert rows["南街3号"].people_count == 5 and not rows["南街3号"].people.exists()
    assert HouseholdPerson.objects.filter(household__grid=grid).count() == 4


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"people": [{"name": "孙二", "relation": "户主"}, {"name": "", "relation": "配偶"}]}, "people", "第2户：第2人：姓名不能为空。"),
        ({"people": [{"name": "孙二", "relation": "户主", "birth_year": 1800}]}, "people", "第2户：第1人：出生年份"),
        ({"phone": "12345"}, "phone", "第2户："),
        ({"tags": ["富裕"]}, "tags", "第2户：未知的情况标签：富裕。"),
    ],
)
def test_households_create_writes_nothing_when_one_household_is_bad(change, field, message):
    from pghistory.models import Events

    from villages.models import HouseholdPerson
    from villages.services import households_create
    from visits.models import Reminder

    grid = f.MicroGridFactory()
    items = _many(grid)
    items[1].update(change)
    items[2]["color"] = "red"  # due within the week: would be reminded at once
    with pytest.raises(ValidationError) as exc:
        households_create(households=items)
    assert any(m.startswith(message) for m in exc.value.message_dict[field]), exc.value.message_dict
    assert not Household.objects.exists()
    assert not HouseholdPerson.objects.exists()
    assert not Reminder.objects.exists()
    assert not Events.objects.filter(pgh_model__in=["villages.HouseholdEvent", "villages.HouseholdPersonEvent"]).exists()


def test_households_create_reports_every_bad_household():
    from villages.services import households_create

    grid = f.MicroGridFactory()
    items = _many(grid)
    items[0]["people"][1]["relation"] = "邻居"
    items[2]["people_count"], items[2]["people"] = 0, None
    with pytest.raises(ValidationError) as exc:
        households_create(households=items)
    errors = exc.value.message_dict
    assert errors["people"][0].startswith("第1户：第2人：与户主关系须是")
    assert errors["people_count"] == ["第3户：人口数必须是不小于1的整数。"]
    assert not Household.objects.exists()
