from django.urls import path

from . import views

app_name = "mediation"

urlpatterns = [
    path("mediation/", views.CaseBoardView.as_view(), name="board"),
    path("mediation/cases/new/", views.CaseIntakeView.as_view(), name="intake"),
    path("mediation/cases/<int:pk>/", views.CaseDetailView.as_view(), name="case"),
    path("mediation/cases/<int:pk>/agreement/", views.AgreementPrintView.as_view(), name="agreement"),
    path("mediation/cases/<int:pk>/agreement.pdf", views.AgreementPdfView.as_view(), name="agreement_pdf"),
    path("mediation/rota/", views.RotaView.as_view(), name="rota"),
    path("mediation/rooms/", views.RoomsView.as_view(), name="rooms"),
    path("mediation/statistics/", views.StatisticsView.as_view(), name="statistics"),
]
