from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "党员"

    def ready(self):
        from . import handlers  # noqa: F401  (domain-event subscriptions)
