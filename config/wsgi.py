import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: a wrong or missing personal-data key must stop the start here,
# not surface as a failed reveal later.
from core.checks import pii_keys_startup  # noqa: E402

pii_keys_startup()

from core.middleware import web_process  # noqa: E402  (after setup: it reads settings)

web_process()  # gunicorn and runserver serve only web requests: their sessions keep the web's time limits
