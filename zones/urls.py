from django.urls import path

from . import views

app_name = "zones"

urlpatterns = [
    path("zones/", views.ZoneListView.as_view(), name="list"),
    path("zones/towns/", views.TownListView.as_view(), name="towns"),
    path("zones/<int:pk>/", views.ZoneDetailView.as_view(), name="detail"),
]
