from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "四色走访"

    def ready(self):
        from . import handlers, menu  # noqa: F401  (domain-event subscriptions; sidebar entries)
