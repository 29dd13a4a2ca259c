"""Pages of the admin UI: thin Vue 3 shells, each a client of the REST API under /api/.

A page only renders its template; its data come from the API in the browser.
Detail pages check the record against the user's scope first, so a record out of
scope is a plain 404 page rather than an empty shell.
"""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from accounts.models import Role
from accounts.scoping import user_scope
from members.models import LINK_MAX, LINK_MIN, BranchKind, Duty, Gender, MemberStatus, PartyMember
from villages.models import CircumstanceTag, Household, HouseholdColor, VillageKind
from zones.models import MIN_SUNK_CADRES, CommitteeOrigin, CommitteeRole, OfficeKind, WorkZone


def _options(choices) -> list[dict]:
    return [{"value": value, "label": str(label)} for value, label in choices.choices]


def ui_choices() -> dict:
    """Labels of the coded values the pages display or filter on (one source: the models)."""
    return {
        "color": _options(HouseholdColor),
        "tag": _options(CircumstanceTag),
        "duty": _options(Duty),
        "status": _options(MemberStatus),
        "gender": _options(Gender),
        "branch_kind": _options(BranchKind),
        "village_kind": _options(VillageKind),
        "office_kind": _options(OfficeKind),
        "committee_role": _options(CommitteeRole),
        "committee_origin": _options(CommitteeOrigin),
        "role": _options(Role),
    }


class PageView(LoginRequiredMixin, TemplateView):
    """A signed-in page; anonymous users go to /login/."""

    page_title = ""

    def get_page_data(self) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = self.page_title
        context["page_data"] = {"choices": ui_choices(), **self.get_page_data()}
        return context


class HomeView(PageView):
    template_name = "core/home.html"
    page_title = "首页"


class TreeView(PageView):
    template_name = "core/tree.html"
    page_title = "层级结构"


class ZoneListView(PageView):
    template_name = "core/zone_list.html"
    page_title = "党建工作区"


class HouseholdListView(PageView):
    template_name = "core/household_list.html"
    page_title = "户与四色分类"


class MemberListView(PageView):
    template_name = "core/member_list.html"
    page_title = "党员与联户"

    def get_page_data(self) -> dict:
        return {"link_min": LINK_MIN, "link_max": LINK_MAX}


class ScopedDetailView(PageView):
    """A detail page of one record the user may read; otherwise 404."""

    model = None

    def get_page_data(self) -> dict:
        queryset = user_scope(self.request.user).filter(self.model.objects.all())
        obj = get_object_or_404(queryset, pk=self.kwargs["pk"])
        self.object = obj
        return {"id": obj.pk}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        return context


class ZoneDetailView(ScopedDetailView):
    template_name = "core/zone_detail.html"
    page_title = "工作区详情"
    model = WorkZone

    def get_page_data(self) -> dict:
        return {**super().get_page_data(), "min_cadres": MIN_SUNK_CADRES}


class HouseholdDetailView(ScopedDetailView):
    template_name = "core/household_detail.html"
    page_title = "户详情"
    model = Household


class MemberDetailView(ScopedDetailView):
    template_name = "core/member_detail.html"
    page_title = "党员详情"
    model = PartyMember

    def get_page_data(self) -> dict:
        return {**super().get_page_data(), "link_min": LINK_MIN, "link_max": LINK_MAX}
