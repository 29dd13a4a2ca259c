"""Pages of the mediation room: Vue shells over the API, and the printable mediation agreement."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from accounts.scoping import user_scope
from core.views import PageView, ScopedDetailView

from .models import (
    WEEKDAY_LABELS, CaseCategory, CaseLevel, CaseSource, CaseState, DisputeCase, FollowUpMethod, MediationAgreement, MediationRoom,
    OfficerKind, PartyRole, ReferralKind, Satisfaction, Urgency,
)


def _options(choices) -> list[dict]:
    return [{"value": value, "label": str(label)} for value, label in choices.choices]


def mediation_choices() -> dict:
    """Labels of the mediation room's coded values (one source: the models)."""
    return {
        "case_source": _options(CaseSource),
        "case_category": _options(CaseCategory),
        "case_urgency": _options(Urgency),
        "case_state": _options(CaseState),
        "case_level": _options(CaseLevel),
        "party_role": _options(PartyRole),
        "referral_kind": _options(ReferralKind),
        "follow_up_method": _options(FollowUpMethod),
        "satisfaction": _options(Satisfaction),
        "officer_kind": _options(OfficerKind),
        "weekday": [{"value": i, "label": label} for i, label in enumerate(WEEKDAY_LABELS)],
    }


class MediationPage(PageView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_data"]["choices"].update(mediation_choices())
        return context


class CaseBoardView(MediationPage):
    template_name = "mediation/board.html"
    page_title = "案件看板"


class CaseIntakeView(MediationPage):
    template_name = "mediation/intake.html"
    page_title = "受理登记"


class CaseDetailView(MediationPage, ScopedDetailView):
    template_name = "mediation/case_detail.html"
    page_title = "案件详情"
    model = DisputeCase


class RotaView(MediationPage):
    template_name = "mediation/rota.html"
    page_title = "值班排班"


class StatisticsView(MediationPage):
    template_name = "mediation/statistics.html"
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
