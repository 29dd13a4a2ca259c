"""The Celery application; configuration comes from Django settings (CELERY_*)."""
import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _check_pii_keys(**kwargs):
    # The worker decrypts too (e.g. mediation notices): same start-up refusal as the web server.
    from core.checks import pii_keys_startup

    pii_keys_startup()
