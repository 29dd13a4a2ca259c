from django.urls import path

from . import pages

app_name = "accounts"

urlpatterns = [
    path("security/", pages.SecurityLogView.as_view(), name="security"),
]
