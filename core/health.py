"""/healthz: the database and the Celery broker (django-health-check)."""
import dataclasses

from django.conf import settings
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from kombu import Connection


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (Redis or the filesystem transport)."""

    def run(self):
        try:
            with Connection(settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
                with conn.channel() as channel:
                    channel.queue_declare("celery", passive=False)
        except Exception as exc:  # any failure means the broker is unusable
            raise ServiceUnavailable(f"消息队列不可用：{type(exc).__name__}") from exc


class HealthView(HealthCheckView):
    checks = ("health_check.checks.Database", Broker)

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        # a dependency down is "unavailable" (load balancers and probes read 503), not a bug in this server (500)
        if response.status_code == 500:
            response.status_code = 503
        return response
