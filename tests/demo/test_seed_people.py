"""The demo's households have their people (户成员): head first, 1–6 of them, the people count is the list's length."""
import pytest
from django.db.models import Count, F, Min

from villages.models import Household, HouseholdPerson

pytestmark = pytest.mark.django_db


def test_every_household_has_its_people_head_first_and_counted(seeded):
    assert "名户成员" in seeded
    households = Household.objects.annotate(listed=Count("people"), first=Min("people__position"))
    assert households.exists()
    assert not households.exclude(listed=F("people_count")).exists()
    assert set(households.values_list("listed", flat=True)) <= set(range(1, 7))
    heads = HouseholdPerson.objects.filter(position=1)
    assert heads.count() == Household.objects.count()
    assert not heads.exclude(relation="户主").exists()
    assert not HouseholdPerson.objects.filter(relation="户主").exclude(position=1).exists()
    assert not heads.exclude(name=F("household__head_name")).exists()


def test_people_are_plausible(seeded):
    people = HouseholdPerson.objects.all()
    relations = set(people.values_list("relation", flat=True))
    assert {"户主", "配偶", "子女"} <= relations
    years = people.values_list("birth_year", flat=True)
    assert min(years) >= 1900 and max(years) <= __import__("datetime").date.today().year
    # an elderly person living alone is the household's only person, tagged so
    alone = Household.objects.filter(tags__contains=["独居老人"])
    assert alone.exists()
    assert not HouseholdPerson.objects.filter(household__in=alone).exclude(tags__contains=["独居老人"]).exists()
    # the household's circumstances sit on its people: some people carry tags
    assert people.exclude(tags=[]).exists()
