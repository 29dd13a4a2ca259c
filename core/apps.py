from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共"

    def ready(self):
        from .logs import connect_request_signals

        connect_request_signals()  # request log lines: the trusted client address, paths without query strings
