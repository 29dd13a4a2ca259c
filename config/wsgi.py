import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from core.middleware import web_process  # noqa: E402  (after setup: it reads settings)

web_process()  # gunicorn and runserver serve only web requests: their sessions keep the web's time limits
