from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo content (演示数据): `seed_demo`, `run_platform` and the demo accounts. The top floor: it may use
    every app, and no app uses it."""

    name = "demo"
    verbose_name = "演示数据"
