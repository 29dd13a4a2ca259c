"""Pages of the mediation room: Vue shells over the API, and the printable mediation agreement."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from accounts.scoping import user_scope
from core.pages import PageView, ScopedDetailView

from .models import (
    WEEKDAY_LABELS, CaseCategory, CaseLevel, CaseSource, CaseState, DisputeCase, FollowUpMethod, MediationAgreement, MediationRoom,
    OfficerKind, PartyRole, ReferralKind, Satisfaction, Urgency,
)


def _weekdays() -> list[dict]:
    return [{"value": i, "label": label} for i, label in enumerate(WEEKDAY_LABELS)]


class MediationPage(PageView):
    """A page of the mediation room: under 轮值调解室, with the labels of the room's coded values."""

    breadcrumbs = (("轮值调解室", "mediation:board"),)
    page_choices = {
        "case_source": CaseSource, "case_category": CaseCategory, "case_urgency": Urgency, "case_state": CaseState,
        "case_level": CaseLevel, "party_role": PartyRole, "referral_kind": ReferralKind,
        "follow_up_method": FollowUpMethod, "satisfaction": Satisfaction, "officer_kind": OfficerKind,
        "weekday": _weekdays,
    }


class CaseBoardView(MediationPage):
    page_title = "案件看板"
    breadcrumbs = (("轮值调解室", None),)


class CaseIntakeView(MediationPage):
    page_title = "受理登记"


class CaseDetailView(MediationPage, ScopedDetailView):
    page_title = "案件详情"
    model = DisputeCase


class RotaView(MediationPage):
    page_title = "值班排班"


class RoomsView(MediationPage):
    """调解室与轮值人员：设立、修改、归档（工作区党委、街道）。"""

    page_title = "调解室与轮值人员"


class StatisticsView(MediationPage):
    page_title = "调解统计"


class AgreementPrintView(LoginRequiredMixin, TemplateView):
    """人民调解协议书：a resolved case's agreement as a printable page (A4, print CSS)."""

    template_name = "mediation/agreement_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cases = user_scope(self.request.user).filter(DisputeCase.objects.select_related("village", "zone"))
        case = get_object_or_404(cases, pk=self.kwargs["pk"])
        try:
            agreement = case.agreement
        except MediationAgreement.DoesNotExist:
            raise Http404("该案件尚未签订调解协议。") from None
        parties = list(case.parties.all())
        room = MediationRoom.objects.filter(pk=case.zone_id).first()
        context.update(
            case=case, agreement=agreement, room=room, committee=room.name if room else f"{case.zone.name}轮值调解室",
            applicants=[p for p in parties if p.role == PartyRole.APPLICANT],
            respondents=[p for p in parties if p.role == PartyRole.RESPONDENT],
            others=[p for p in parties if p.role == PartyRole.THIRD],
            parties=parties,
        )
        return context


class AgreementPdfView(AgreementPrintView):
    """人民调解协议书 as a PDF made on the server from the same page (its print layout)."""

    def get(self, request, *args, **kwargs):
        from urllib.parse import quote

        from django.http import HttpResponse
        from django.template.loader import render_to_string

        from core.pdf import PdfUnavailable, html_to_pdf

        context = self.get_context_data(**kwargs)
        try:
            content = html_to_pdf(render_to_string(self.template_name, context, request=request),
                                  base_url=request.build_absolute_uri("/"))
        except PdfUnavailable as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
        response = HttpResponse(content, content_type="application/pdf")
        name = quote(f"人民调解协议书_{context['case'].pk}.pdf")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
        response["Cache-Control"] = "private, no-store"
        return response
