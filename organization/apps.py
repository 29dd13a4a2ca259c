from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    """Cross-level work over the whole tree (above every app): the tree's consistency check."""

    name = "organization"
    verbose_name = "组织结构"
