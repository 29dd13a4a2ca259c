"""ScopeSpec(via=…): a row is in scope exactly when its parent is, and the SQL starts from the parent's rows."""
import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.scoping import ScopeSpec, UserScope
from visits.models import Reminder, Visit


def test_via_excludes_the_parents_own_paths():
    with pytest.raises(ImproperlyConfigured, match="via"):
        ScopeSpec(via="household", town="household__town")
    with pytest.raises(ImproperlyConfigured, match="via"):
        ScopeSpec(via="household", member="household__link__member")


def _sql(scope, model):
    return str(scope.filter(model.objects.all()).query)


def test_a_grid_members_via_filter_is_an_array_of_their_households_not_a_join():
    from accounts.scoping import GRID_MEMBER, Grant

    scope = UserScope(7, [Grant(GRID_MEMBER, "grid", {"grid": 3, "natural_village": 2, "village": 1, "zone": 1, "town": 1})])
    sql = _sql(scope, Visit)
    assert '"visits_visit"."household_id" = ANY((ARRAY(SELECT' in sql
    assert "JOIN" not in sql.split("ARRAY(")[0]  # the visits are not joined to households to test the grant
    # one's own linked households are an array too, so that ORed with the grid both sides use an index
    assert sql.count("ARRAY(SELECT") == 2
    # a reminder addressed to oneself stays readable beside the households' ones
    assert '"visits_reminder"."recipient_id" = 7' in _sql(scope, Reminder)


def test_the_whole_district_is_not_filtered_through_the_parent():
    from accounts.scoping import DISTRICT_ADMIN, Grant

    scope = UserScope(1, [Grant(DISTRICT_ADMIN, None, {})])
    assert "WHERE" not in _sql(scope, Visit)
