from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("visits/my/", views.MyVisitsView.as_view(), name="my"),
    path("visits/dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("visits/policies/", views.PolicyView.as_view(), name="policies"),
    path("visits/color-review/", views.ColorReviewView.as_view(), name="color_review"),
    path("visits/follow-ups/", views.FollowUpsView.as_view(), name="follow_ups"),
    path("visits/households/<int:pk>/", views.HouseholdVisitsView.as_view(), name="household"),
]
