"""Member selectors: quota (10–20 households) and unlinked households."""
import datetime

import pytest

from members.models import PartyMember
from members.selectors import households_unlinked, members_by_quota, members_with_link_counts
from tests import factories as f
from villages.models import Household

pytestmark = pytest.mark.django_db


def _member(n_links, **kwargs):
    member = f.PartyMemberFactory(**kwargs)
    grid = f.MicroGridFactory(natural_village__village=member.branch.village)
    for household in f.HouseholdFactory.create_batch(n_links, grid=grid):
        f.HouseholdLinkFactory(member=member, household=household)
    return member


def test_members_by_quota():
    none, nine, ten, twenty, over = _member(0), _member(9), _member(10), _member(20), _member(21)
    _member(3, left_on=datetime.date(2024, 5, 1))  # left: in no list
    members = PartyMember.objects.all()
    assert set(members_by_quota(members, "under")) == {none, nine}
    assert set(members_by_quota(members, "ok")) == {ten, twenty}
    assert set(members_by_quota(members, "over")) == {over}
    counts = dict(members_with_link_counts(members).values_list("id", "link_count"))
    assert (counts[none.pk], counts[nine.pk], counts[over.pk]) == (0, 9, 21)


def test_households_unlinked():
    linked = f.HouseholdLinkFactory().household
    grid = linked.grid
    free = f.HouseholdFactory.create_batch(2, grid=grid)
    assert set(households_unlinked(Household.objects.all())) == set(free)
    assert set(households_unlinked(Household.objects.filter(pk=linked.pk))) == set()
