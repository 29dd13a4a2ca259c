"""Run by `manage.py shell` against a private database: a grid member with a few linked households, an API token.
Prints {"token": …, "households": […]} as JSON."""
import datetime
import json

from django.utils import timezone
from knox.models import AuthToken

from accounts.models import Role
from tests import factories as f
from villages.models import Household

grid = f.MicroGridFactory()
member = f.PartyMemberFactory(branch=f.PartyBranchFactory(village=grid.village))
user = f.make_user(Role.GRID_MEMBER, None, member=member, username="faults")
households = []
for color in ("red", "orange", "yellow", "green", "red", "orange"):
    household = f.HouseholdFactory(grid=grid, color=color)
    f.HouseholdLinkFactory(member=member, household=household)
    households.append(household.pk)
Household.objects.filter(pk__in=households).update(next_visit_due=timezone.localdate() - datetime.timedelta(days=3))
_, token = AuthToken.objects.create(user=user, expiry=datetime.timedelta(days=1))
print(json.dumps({"token": token, "households": households}))
