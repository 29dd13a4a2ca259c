from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The figures (指标) of every app read through one registry, and the reports built from them (top layer)."""

    name = "reports"
    verbose_name = "统计与报告"

    def ready(self):
        from . import checks  # noqa: F401  (registers the start-up check)
