from django.urls import path

from . import views

app_name = "organization"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("tree/", views.TreeView.as_view(), name="tree"),
    path("reorganize/", views.ReorganizeView.as_view(), name="reorganize"),
]
