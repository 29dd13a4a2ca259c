from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = "台账导入"
    default_auto_field = "django.db.models.BigAutoField"
