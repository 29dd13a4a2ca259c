from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules


def _record_pii_key(**kwargs):
    from core.services import pii_canary_ensure

    pii_canary_ensure()


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共"

    def ready(self):
        from .logs import connect_request_signals

        connect_request_signals()  # request log lines: the trusted client address, paths without query strings
        from core import checks  # noqa: F401  registers the key check

        # every app's contributions to the page shell: sidebar entries and the labels of its coded values
        autodiscover_modules("menu")
        # every app's figures for the registry (core/metrics.py)
        autodiscover_modules("metrics")

        # After migrate (and after a test flush, which re-emits the signal): record the newest key.
        post_migrate.connect(_record_pii_key, sender=self, dispatch_uid="core.pii_canary")
