"""Start-up checks (unscoped endpoints refused) and the health endpoint."""
import pytest
from django.core.management import call_command
from rest_framework import viewsets
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from accounts.api_base import ScopedViewSet
from accounts.checks import check_router
from accounts.models import RoleAssignment
from villages.models import Village
from villages.serializers import VillageSerializer


class PlainViewSet(viewsets.ModelViewSet):
    queryset = Village.objects.all()
    serializer_class = VillageSerializer


class OverridingViewSet(ScopedViewSet):
    queryset = Village.objects.all()
    serializer_class = VillageSerializer

    def get_queryset(self):
        return Village.objects.all()


class UnscopedQuerysetMixin:
    def get_queryset(self):
        return Village.objects.all()


class MixinOverridingViewSet(UnscopedQuerysetMixin, ScopedViewSet):
    queryset = Village.objects.all()
    serializer_class = VillageSerializer

    def get_scoped_queryset(self):
        return Village.objects.all()


class UnscopedModelViewSet(ScopedViewSet):
    queryset = RoleAssignment.objects.all()  # a model with no ScopeSpec (served only through /api/users/)

    def get_scoped_queryset(self):
        return RoleAssignment.objects.all()


class GoodViewSet(ScopedViewSet):
    queryset = Village.objects.all()
    serializer_class = VillageSerializer

    def get_scoped_queryset(self):
        return Village.objects.all()


def _ids(*registrations):
    router = DefaultRouter()
    for prefix, viewset in registrations:
        router.register(prefix, viewset, basename=prefix)
    return [error.id for error in check_router(router)]


def test_a_viewset_outside_the_base_class_is_refused():
    assert _ids(("plain", PlainViewSet)) == ["accounts.E002"]


def test_overriding_get_queryset_is_refused():
    assert _ids(("overriding", OverridingViewSet)) == ["accounts.E003"]
    assert _ids(("mixin", MixinOverridingViewSet)) == ["accounts.E003"]


def test_a_model_without_scope_is_refused():
    assert _ids(("unscoped", UnscopedModelViewSet)) == ["accounts.E001"]


def test_a_scoped_viewset_passes():
    assert _ids(("good", GoodViewSet)) == []
    assert _ids(("good", GoodViewSet), ("plain", PlainViewSet)) == ["accounts.E002"]


def test_the_project_router_passes_the_checks():
    from config.api import router

    assert check_router(router) == []
    call_command("check", "--fail-level", "WARNING")


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_ok():
    response = APIClient().get("/healthz", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(k.split("(")[0] for k in body) == ["Broker", "Database"]
    assert set(body.values()) == {"OK"}


@pytest.mark.django_db
def test_healthz_fails_when_the_broker_is_down(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = APIClient().get("/healthz", HTTP_ACCEPT="application/json")
    assert response.status_code == 503  # unavailable, not a server bug
    broker = next(v for k, v in response.json().items() if k.startswith("Broker"))
    assert "消息队列不可用" in broker


def test_every_beat_entry_is_one_celery_beat_accepts():
    """Beat builds a ScheduleEntry from each setting: a misplaced key (e.g. `expires` outside `options`)
    stops beat at start-up, and nothing else would notice."""
    from celery.beat import ScheduleEntry
    from django.conf import settings

    from config.celery import app

    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        ScheduleEntry(name=name, app=app, **entry)
