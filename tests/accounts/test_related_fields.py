"""Every writable related field of every routed serializer draws its choices from the caller's scope.

For each field, the test posts the id of a row of the related model that lies in another town: the
answer is a 400 on that field that names nothing from outside (regression: `visits.visitor_user`
accepted any active account and its error named a user of another town).
"""
import pytest
from rest_framework import relations
from rest_framework.test import APIClient

from accounts.checks import project_serializers, unscoped_related_fields
from accounts.models import Role
from accounts.scoping import user_scope
from config.api import router
from mediation import services as mediation_services
from mediation.models import OfficerKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def _world(town):
    zone = f.WorkZoneFactory(town=town)
    village = f.VillageFactory(zone=zone)
    grid = f.MicroGridFactory(natural_village=f.NaturalVillageFactory(village=village))
    branch = f.PartyBranchFactory(village=village)
    member = f.PartyMemberFactory(branch=branch)
    household = f.HouseholdFactory(grid=grid)
    f.HouseholdLinkFactory(member=member, household=household)
    posting = f.SunkCadrePostingFactory(zone=zone, office=f.ZoneOfficeFactory(zone=zone))
    f.PartyInstructorFactory(village=village, cadre=posting)
    committee = f.CommitteeMemberFactory(zone=zone, user=f.make_user(Role.ZONE_COMMITTEE, zone))
    f.VillageCadreFactory(village=village, user=f.make_user(Role.VILLAGE_CADRE, village))
    f.make_user(Role.GRID_MEMBER, grid, member=member)
    room = mediation_services.room_save(zone=zone, place="党群服务中心")
    mediation_services.rota.officer_save(room=room, name=committee.name, kind=OfficerKind.SECRETARY,
                                         committee_member=committee, user=committee.user, rotation_order=1)
    return zone


def _outside(model, user):
    if model.__name__ == "User":
        from accounts.api_base import users_in_scope

        inside = users_in_scope(user, model.objects.all()).values("pk")
    else:
        inside = user_scope(user).filter(model.objects.all()).values("pk")
    return model._default_manager.exclude(pk__in=inside).order_by("pk").first()


def test_no_serializer_of_ours_has_an_unscoped_related_field():
    assert unscoped_related_fields(project_serializers()) == []


def test_a_foreign_id_from_another_town_is_a_400_that_names_nothing_from_there():
    town_a, town_b = f.TownFactory(name="官庄街道"), f.TownFactory(name="相公庄街道")
    _world(town_a)
    _world(town_b)
    callers = [f.make_user(Role.TOWN_STAFF, town_a), f.make_user(Role.ZONE_COMMITTEE, town_a.zones.first())]
    checked = []
    for prefix, viewset, _ in router.registry:
        if viewset.serializer_class is None or "post" not in viewset.http_method_names:
            continue
        for name, field in viewset.serializer_class().fields.items():
            relation = field.child_relation if isinstance(field, relations.ManyRelatedField) else field
            if not isinstance(relation, relations.RelatedField) or relation.read_only:
                continue
            for caller in callers:
                foreign = _outside(relation.queryset.model, caller)
                assert foreign is not None, f"no {relation.queryset.model.__name__} outside the caller's scope"
                client = APIClient()
                client.force_authenticate(caller)
                value = [foreign.pk] if isinstance(field, relations.ManyRelatedField) else foreign.pk
                response = client.post(f"/api/{prefix}/", {name: value}, format="json")
                if response.status_code == 405:  # no create here (e.g. shifts are generated)
                    break
                if response.status_code == 403:  # this caller may not write here: try the next
                    continue
                assert response.status_code == 400, (prefix, name, response.status_code)
                assert name in response.data, (prefix, name, response.data)
                text = response.content.decode()
                for outside_name in (str(foreign), "相公庄"):
                    assert outside_name not in text, (prefix, name, text)
                checked.append(f"{prefix}.{name}")
                break
    assert "visits.visitor_user" in checked and "household-links.member" in checked
    assert len(checked) >= 25, checked
