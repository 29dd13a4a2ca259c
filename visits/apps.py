from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "四色走访"

    def ready(self):
        from . import menu, signals  # noqa: F401  (sidebar entries; a new household gets its first due date)
