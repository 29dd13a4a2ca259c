"""The villages' pages in the sidebar (core.menu registry), and the labels of the villages' coded values."""
from core.menu import MENU, MenuEntry
from core.pages import register_choices

from .models import CadreRole, CircumstanceTag, HouseholdColor, PersonRelation, VillageKind

MENU.append(MenuEntry(title="村/社区", url="villages:villages", icon="School", order=35))
MENU.append(MenuEntry(title="户与四色分类", url="villages:households", icon="House", order=40))
register_choices(color=HouseholdColor, tag=CircumstanceTag, village_kind=VillageKind, cadre_role=CadreRole,
                 person_relation=PersonRelation)
