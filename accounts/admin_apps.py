"""The admin app with the superuser-only site (its own module: app configs load before models may be imported)."""
from django.contrib.admin.apps import AdminConfig


class PlatformAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.PlatformAdminSite"
