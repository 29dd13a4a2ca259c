from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/metrics/", views.MetricsView.as_view(), name="metrics"),
    path("reports/", views.ReportListView.as_view(), name="list"),
    path("reports/completeness/", views.CompletenessView.as_view(), name="completeness"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("reports/<int:pk>/print/", views.ReportPrintView.as_view(), name="print"),
]
