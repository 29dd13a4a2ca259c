from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/metrics/", views.MetricsView.as_view(), name="metrics"),
]
