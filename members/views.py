"""Party-member pages: Vue shells over /api/members/ and the members' household links (联户)."""
from core.pages import PageView, ScopedDetailView

from .models import LINK_MAX, LINK_MIN, PartyMember


class LinkQuotaMixin:
    """The pages show the rule: each member links LINK_MIN to LINK_MAX households."""

    def get_page_data(self) -> dict:
        return {**super().get_page_data(), "link_min": LINK_MIN, "link_max": LINK_MAX}


def can_pick_user(user) -> bool:
    """Whether the member form offers the account field: only managers may list accounts (/api/users/)."""
    from accounts.scoping import user_scope
    from accounts.users import MANAGER_ROLES

    return bool(user_scope(user).roles & MANAGER_ROLES)


class MemberListView(LinkQuotaMixin, PageView):
    page_title = "党员与联户"

    def get_page_data(self) -> dict:
        from .services import member_accounts_allowed

        return {**super().get_page_data(), "can_open_accounts": member_accounts_allowed(self.request.user),
                "can_pick_user": can_pick_user(self.request.user)}


class MemberDetailView(LinkQuotaMixin, ScopedDetailView):
    page_title = "党员详情"
    breadcrumbs = (("党员与联户", "members:list"),)
    model = PartyMember

    def get_page_data(self) -> dict:
        return {**super().get_page_data(), "can_pick_user": can_pick_user(self.request.user)}


class BranchListView(PageView):
    page_title = "党组织"
    breadcrumbs = (("党员与联户", "members:list"),)
