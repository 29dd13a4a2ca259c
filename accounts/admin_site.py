"""The Django admin, for superusers only: it reads every table unscoped, so no other account may enter it.

Everyone else works in the pages and the API, which apply the scope; the audit trail is read through each
record's scoped ``…/history/`` action, never through pghistory's admin (removed from INSTALLED_APPS).
"""
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError


class SuperuserAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in refuses staff accounts that are not superusers, with the same message as a wrong
    password (it does not tell who is staff)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_superuser:
            raise ValidationError(
                self.error_messages["invalid_login"], code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class PlatformAdminSite(admin.AdminSite):
    site_header = "党建工作区平台 · 系统管理（仅超级管理员）"
    site_title = "系统管理"
    login_form = SuperuserAuthenticationForm

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser
