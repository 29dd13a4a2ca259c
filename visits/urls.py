from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("visits/my/", views.MyVisitsView.as_view(), name="my"),
    path("visits/dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("visits/households/<int:pk>/", views.HouseholdVisitsView.as_view(), name="household"),
]
