from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

app_name = "core"

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("core/favicon.svg"), permanent=True)),
]
