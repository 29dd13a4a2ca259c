from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from accounts.views import LoginView, LogoutView

from . import views

app_name = "core"

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("", views.HomeView.as_view(), name="home"),
    path("tree/", views.TreeView.as_view(), name="tree"),
    path("zones/", views.ZoneListView.as_view(), name="zones"),
    path("zones/<int:pk>/", views.ZoneDetailView.as_view(), name="zone"),
    path("households/", views.HouseholdListView.as_view(), name="households"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="household"),
    path("members/", views.MemberListView.as_view(), name="members"),
    path("members/<int:pk>/", views.MemberDetailView.as_view(), name="member"),
]
