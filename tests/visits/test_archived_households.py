"""An archived household leaves the visit plan: its open reminder closes and the daily job plans it no due date."""
import datetime

import pytest
from django.utils import timezone

from tests.factories import HouseholdFactory, HouseholdLinkFactory, PartyMemberFactory
from villages.models import Household
from villages.services import household_archive
from visits.models import Reminder
from visits.reminders import reminder_job_run

pytestmark = pytest.mark.django_db


def test_archiving_closes_the_reminder_and_the_job_does_not_replan_it():
    household = HouseholdFactory(color="red")
    HouseholdLinkFactory(member=PartyMemberFactory(branch__village=household.village), household=household)
    today = timezone.localdate()
    Household.objects.filter(pk=household.pk).update(next_visit_due=today - datetime.timedelta(days=2))
    reminder_job_run(on=today)
    assert Reminder.objects.filter(household=household, closed_on__isnull=True).exists()

    household_archive(household=Household.objects.get(pk=household.pk))
    assert not Reminder.objects.filter(household=household, closed_on__isnull=True).exists()
    reminder_job_run(on=today + datetime.timedelta(days=1))
    household.refresh_from_db()
    assert household.next_visit_due is None
    assert not Reminder.objects.filter(household=household, closed_on__isnull=True).exists()
