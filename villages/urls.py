from django.urls import path

from . import views

app_name = "villages"

urlpatterns = [
    path("villages/", views.VillageListView.as_view(), name="villages"),
    path("households/", views.HouseholdListView.as_view(), name="households"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="household"),
]
