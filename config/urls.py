from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.health import HealthView

# a database fault raised outside a view is a 503 too (core.middleware handles those raised in views)
handler500 = "core.middleware.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("healthz", HealthView.as_view(), name="healthz"),
    # the pages: each app's own (paths as before: /, /tree/, /zones/, /households/, /members/ ...)
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("zones.urls")),
    path("", include("villages.urls")),
    path("", include("members.urls")),
    path("", include("notifications.urls")),
    path("", include("visits.urls")),
    path("", include("mediation.urls")),
    path("", include("organization.urls")),
    path("", include("reports.urls")),
    path("", include("ledgers.urls")),
]
