from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与权限"

    def ready(self):
        from . import audit, checks  # noqa: F401  (security-log receivers; the scope system check)
        from . import middleware  # noqa: F401  (stamps a session's sign-in time for the session limits)
