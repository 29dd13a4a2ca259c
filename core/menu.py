"""The sidebar menu: one registry that every app appends to.

Each app adds its pages in its own ``<app>/menu.py``, which core imports at start-up
(``CoreConfig.ready`` autodiscovers every installed app's ``menu`` module, as the admin
does with ``admin``)::

    from core.menu import MENU, MenuEntry
    MENU.append(MenuEntry(title="四色走访", url="visits:list", icon="Calendar", order=40))

``url`` is a URL name (reversed) or a path starting with ``/``. ``roles`` limits an
entry to users holding one of those roles (``None``: everyone signed in). ``icon``
is the name of an Element Plus icon component (``@element-plus/icons-vue``).
Plain dicts with the same keys are accepted too.
"""
from __future__ import annotations

import dataclasses

from django.urls import NoReverseMatch, reverse

from .pages import user_scope


@dataclasses.dataclass(frozen=True)
class MenuEntry:
    """一个菜单项。"""

    title: str
    url: str
    icon: str = "Document"
    roles: frozenset[str] | None = None
    order: int = 100
    group: str | None = None  # entries with the same group title are shown under one sub-menu

    def path(self) -> str | None:
        if self.url.startswith("/"):
            return self.url
        try:
            return reverse(self.url)
        except NoReverseMatch:  # an app that registered an entry but is not routed (yet): hide it
            return None


MENU: list[MenuEntry | dict] = []


def _entry(item: MenuEntry | dict) -> MenuEntry:
    if isinstance(item, MenuEntry):
        return item
    data = dict(item)
    if data.get("roles") is not None:
        data["roles"] = frozenset(data["roles"])
    return MenuEntry(**data)


def menu_for(user, current_path: str = "") -> tuple[list[dict], str]:
    """The entries this user may see, in order and grouped, and the path of the active one."""
    roles = user_scope(user).roles
    entries = []
    for index, item in enumerate(MENU):
        entry = _entry(item)
        if entry.roles is not None and not (roles & set(entry.roles)):
            continue
        path = entry.path()
        if path is None:
            continue
        entries.append((entry.order, index, entry, path))
    entries.sort(key=lambda row: (row[0], row[1]))

    # the active entry: the longest path that prefixes the current one ("/" only matches itself)
    active = ""
    for _, _, _, path in entries:
        matches = current_path == path if path == "/" else current_path.startswith(path)
        if matches and len(path) > len(active):
            active = path

    result: list[dict] = []
    groups: dict[str, dict] = {}
    for _, _, entry, path in entries:
        row = {"title": entry.title, "path": path, "icon": entry.icon}
        if entry.group:
            group = groups.get(entry.group)
            if group is None:
                group = groups[entry.group] = {"title": entry.group, "icon": entry.icon, "path": None, "children": []}
                result.append(group)
            group["children"].append(row)
        else:
            result.append(row)
    return result, active


def menu_context(request) -> dict:
    """Context processor: the sidebar for base.html."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items, active = menu_for(user, request.path)
    return {"platform_menu": {"items": items, "active": active}}
