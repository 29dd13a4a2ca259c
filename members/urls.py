from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("members/", views.MemberListView.as_view(), name="list"),
    path("members/branches/", views.BranchListView.as_view(), name="branches"),
    path("members/<int:pk>/", views.MemberDetailView.as_view(), name="detail"),
]
