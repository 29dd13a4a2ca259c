"""The security log page: district admins and town staff get it (and its menu entry); the others 403, logged."""
import pytest

from accounts.models import Role, SecurityAction, SecurityEvent
from core.menu import menu_for
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_page_renders_for_district_and_town(client):
    for user in (f.make_user(Role.DISTRICT_ADMIN), f.make_user(Role.TOWN_STAFF, f.TownFactory())):
        client.force_login(user)
        response = client.get("/security/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "/static/accounts/security_log.js" in html and "安全日志" in html
        assert '"security_choices"' in html and "查看完整个人信息" in html
        assert {"title": "安全日志", "path": "/security/", "icon": "Lock"} in menu_for(user)[0]


def test_other_roles_get_403_logged_and_no_menu_entry(client):
    zone = f.WorkZoneFactory()
    for user in (f.make_user(Role.ZONE_COMMITTEE, zone), f.make_user(Role.API_CONSUMER, zone.town),
                 f.make_user(Role.GRID_MEMBER, None), f.UserFactory()):
        client.force_login(user)
        assert client.get("/security/").status_code == 403
        denied = SecurityEvent.objects.filter(action=SecurityAction.FORBIDDEN, user=user)
        assert denied.get().detail == {"method": "GET", "path": "/security/"}
        assert all(item.get("path") != "/security/" for item in menu_for(user)[0])


def test_anonymous_goes_to_login(client):
    response = client.get("/security/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/security/"
