"""The Django admin: superusers only, and no pghistory model in it (the audit trail is read through scoped APIs)."""
import pytest
from django.apps import apps
from django.contrib import admin

from accounts.admin_site import PlatformAdminSite
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_admin_site_is_the_superuser_only_one():
    assert isinstance(admin.site, PlatformAdminSite)


def test_no_pghistory_model_is_registered():
    registered = {model._meta.app_label for model in admin.site._registry}
    assert "pghistory" not in registered
    assert not apps.is_installed("pghistory.admin")


def test_a_staff_user_who_is_not_a_superuser_gets_no_admin(client):
    staff = f.UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get("/admin/auth/group/").status_code == 302

    client.logout()
    response = client.post("/admin/login/?next=/admin/", {"username": "staff", "password": f.PASSWORD})
    assert response.status_code == 200  # the form again, with the wrong-password message
    assert response.context["form"].errors
    assert client.get("/admin/").status_code == 302


def test_a_superuser_gets_the_admin(client):
    client.force_login(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/auth/group/").status_code == 200
