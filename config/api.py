"""The API's routes, gathered from the apps: plural kebab-case routes under /api/.

Each app of ours declares in its ``api.py``
- ``ROUTES``: ``[(prefix, ViewSet), …]`` for the router (every viewset a ``ScopedViewSet``: accounts.E002);
- ``URLS``: plain ``path(...)`` entries for views that are not viewsets (e.g. ``me/``, a move).
A new capability adds its routes in its own app; nothing here changes.
"""
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.urls import include, path
from rest_framework.routers import DefaultRouter


def _api_modules():
    base = str(settings.BASE_DIR)
    for config in apps.get_app_configs():
        if str(config.path).startswith(base) and find_spec(f"{config.name}.api") is not None:
            yield import_module(f"{config.name}.api")


router = DefaultRouter()
extra_urls = []
for module in _api_modules():
    for prefix, viewset in getattr(module, "ROUTES", ()):
        router.register(prefix, viewset)
    extra_urls += getattr(module, "URLS", [])

urlpatterns = [*extra_urls, path("", include(router.urls))]
