"""Page base classes: the signed-in Vue shells every app's ``views.py`` builds its pages on.

A page only renders its template (``core/page.html`` and friends, extending ``base.html``);
its data come from the REST API in the browser. The server hands the page a little JSON
(``page_data``): the record's id, rules it displays, and the labels of the coded values it
shows (``choices``).

Core imports no domain app, so what the pages need from above is registered from above:

- the labels every page carries are contributed by each app (``register_choices`` in its
  ``menu.py``, beside its sidebar entries), and a page adds its own with ``page_choices``;
- a higher app adds a part to a lower app's page (``register_section``; the page names its
  ``section_name`` and renders ``{% for section in sections %}{% include section %}{% endfor %}``);
- who may read what is the user's scope, named by the setting ``PLATFORM_USER_SCOPE``
  (``accounts.scoping.user_scope``): a callable taking a user and returning an object with
  ``roles`` (the set of role codes) and ``filter(queryset)`` (the rows in scope).
"""
from __future__ import annotations

import functools
import re

from django.apps import apps
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.module_loading import import_string
from django.views.generic import TemplateView

HOME = ("首页", "/")

# key -> a Django Choices class (or a callable returning [{"value", "label"}, ...]); every page carries them
PAGE_CHOICES: dict[str, object] = {}
# a page's name -> the templates other apps add to it, in order (e.g. the visits card on the household page)
PAGE_SECTIONS: dict[str, list[str]] = {}


def options(choices) -> list[dict]:
    """A Choices class (or a callable) as the pages' [{"value": ..., "label": ...}] list."""
    if not hasattr(choices, "choices"):
        return choices()
    return [{"value": value, "label": str(label)} for value, label in choices.choices]


def register_choices(**choices) -> None:
    """An app contributes the coded values every page may display or filter on (one source: its models)."""
    PAGE_CHOICES.update(choices)


def register_section(page: str, template: str) -> None:
    """An app adds a part (a template rendered inside the page's Vue app) to another app's page."""
    templates = PAGE_SECTIONS.setdefault(page, [])
    if template not in templates:
        templates.append(template)


def ui_choices() -> dict:
    """Labels of the coded values every page carries."""
    return {key: options(value) for key, value in PAGE_CHOICES.items()}


@functools.cache
def _scope_function():
    return import_string(settings.PLATFORM_USER_SCOPE)


def user_scope(user):
    """The user's scope (see the module docstring): ``roles`` and ``filter(queryset)``."""
    return _scope_function()(user)


def _href(target: str | None) -> str | None:
    if not target or target.startswith("/"):
        return target
    return reverse(target)


class PageView(LoginRequiredMixin, TemplateView):
    """A signed-in page; anonymous users go to /login/.

    ``page_title`` is the window title and the last breadcrumb; ``breadcrumbs`` are the
    crumbs between 首页 and it, as ``(title, URL name or path or None)``; ``page_choices``
    are the labels only this page needs, beside the ones every page carries. The template
    is ``template_name``, else named after the view as Django's generic views do:
    ``zones.views.ZoneListView`` renders ``zones/zone_list.html``. ``section_name`` names the
    page for the parts other apps add to it (``register_section``).
    """

    page_title = ""
    breadcrumbs: tuple[tuple[str, str | None], ...] = ()
    page_choices: dict[str, object] = {}
    section_name = ""  # the name other apps add sections to (register_section)

    def get_template_names(self) -> list[str]:
        if self.template_name is not None:
            return [self.template_name]
        app = apps.get_containing_app_config(type(self).__module__)
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__.removesuffix("View")).lower()
        return [f"{app.label}/{name}.html"]

    def get_page_data(self) -> dict:
        return {}

    def get_breadcrumbs(self) -> list[dict]:
        crumbs = [HOME, *self.breadcrumbs, (self.page_title, None)]
        return [{"title": title, "href": _href(target)} for title, target in crumbs]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        choices = ui_choices()
        choices.update({key: options(value) for key, value in self.page_choices.items()})
        context["page_title"] = self.page_title
        context["breadcrumbs"] = self.get_breadcrumbs()
        context["sections"] = PAGE_SECTIONS.get(self.section_name, []) if self.section_name else []
        context["page_data"] = {"choices": choices, **self.get_page_data()}
        return context


class ScopedDetailView(PageView):
    """A detail page of one record the user may read; otherwise 404."""

    model = None

    def get_scoped_queryset(self):
        return user_scope(self.request.user).filter(self.model.objects.all())

    def get_page_data(self) -> dict:
        self.object = get_object_or_404(self.get_scoped_queryset(), pk=self.kwargs["pk"])
        return {"id": self.object.pk}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        return context
