from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "消息通知"

    def ready(self):
        from . import exports  # noqa: F401  (tells the owner of a large export where to download it)
