"""The work-zone pages in the sidebar (core.menu registry), and the labels of the zones' coded values."""
from core.menu import MENU, MenuEntry
from core.pages import register_choices

from .models import CommitteeOrigin, CommitteeRole, OfficeKind

MENU.append(MenuEntry(title="党建工作区", url="zones:list", icon="OfficeBuilding", order=30))
MENU.append(MenuEntry(title="街道(镇)", url="zones:towns", icon="MapLocation", order=31, roles=frozenset({"district_admin"})))
register_choices(office_kind=OfficeKind, committee_role=CommitteeRole, committee_origin=CommitteeOrigin)
