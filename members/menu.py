"""The party-member pages in the sidebar (core.menu registry), and the labels of the members' coded values."""
from core.menu import MENU, MenuEntry
from core.pages import register_choices

from .models import BranchKind, Duty, Gender, MemberStatus

MENU.append(MenuEntry(title="党员与联户", url="members:list", icon="User", order=50))
register_choices(duty=Duty, status=MemberStatus, gender=Gender, branch_kind=BranchKind)
