from django.urls import path

from . import views

app_name = "ledgers"

urlpatterns = [
    path("imports/", views.ImportPageView.as_view(), name="imports"),
]
