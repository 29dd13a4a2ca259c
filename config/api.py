"""The API router: plural kebab-case routes under /api/."""
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import LoginView, LogoutAllView, LogoutView, MeView, SecurityEventViewSet
from mediation.api import (
    DisputeCaseViewSet, DutyOfficerViewSet, DutyShiftViewSet, FollowUpViewSet, MediationRoomViewSet,
)
from members.api import HouseholdLinkViewSet, PartyBranchViewSet, PartyMemberViewSet
from notifications.api import NotificationViewSet
from visits.api import ColorChangeViewSet, ReminderViewSet, VisitPolicyViewSet, VisitViewSet
from villages.api import (
    HouseholdViewSet, MicroGridViewSet, NaturalVillageViewSet, OverviewView, TreeView, VillageCadreViewSet,
    VillageViewSet,
)
from zones.api import (
    CommitteeMemberViewSet, PartyInstructorViewSet, SunkCadrePostingViewSet, TownViewSet, WorkZoneViewSet,
    ZoneOfficeViewSet,
)

router = DefaultRouter()
router.register("towns", TownViewSet)
router.register("zones", WorkZoneViewSet)
router.register("zone-offices", ZoneOfficeViewSet)
router.register("committee-members", CommitteeMemberViewSet)
router.register("sunk-cadres", SunkCadrePostingViewSet)
router.register("instructors", PartyInstructorViewSet)
router.register("villages", VillageViewSet)
router.register("village-cadres", VillageCadreViewSet)
router.register("natural-villages", NaturalVillageViewSet)
router.register("grids", MicroGridViewSet)
router.register("households", HouseholdViewSet)
router.register("branches", PartyBranchViewSet)
router.register("members", PartyMemberViewSet)
router.register("household-links", HouseholdLinkViewSet)
router.register("mediation-rooms", MediationRoomViewSet)
router.register("duty-officers", DutyOfficerViewSet)
router.register("duty-shifts", DutyShiftViewSet)
router.register("dispute-cases", DisputeCaseViewSet)
router.register("follow-ups", FollowUpViewSet)
router.register("notifications", NotificationViewSet)
router.register("visit-policies", VisitPolicyViewSet)
router.register("color-changes", ColorChangeViewSet)
router.register("visits", VisitViewSet)
router.register("reminders", ReminderViewSet)
router.register("security-events", SecurityEventViewSet)

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("tree/", TreeView.as_view(), name="tree"),
    path("overview/", OverviewView.as_view(), name="overview"),
    path("auth/token/", LoginView.as_view(), name="knox-login"),
    path("auth/token/revoke/", LogoutView.as_view(), name="knox-logout"),
    path("auth/token/revoke-all/", LogoutAllView.as_view(), name="knox-logout-all"),
    path("", include(router.urls)),
]
