"""The admin UI pages: signed-in users get the Vue shells, anonymous users go to /login/, no CDN."""
import json
import re

import pytest
from django.contrib.staticfiles import finders

from core import menu as menu_module
from core.menu import MenuEntry, menu_for
from tests.e2e.scenario import PASSWORD, build

pytestmark = pytest.mark.django_db

LIST_PAGES = ["/", "/tree/", "/zones/", "/households/", "/members/"]
VENDOR = [
    "vendor/vue.global.prod.js", "vendor/element-plus.full.min.js", "vendor/element-plus.css",
    "vendor/element-plus-zh-cn.min.js", "vendor/element-plus-icons.min.js",
]


@pytest.fixture
def scenario():
    return build()


@pytest.fixture
def secretary_client(client, scenario):
    client.force_login(scenario.secretary)
    return client


def detail_pages(s):
    return [f"/zones/{s.zone_a.pk}/", f"/households/{s.households_a[0].pk}/", f"/members/{s.member_a.pk}/"]


def page_json(response, element_id):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    assert match, f"{element_id} missing"
    return json.loads(match.group(1))


def test_every_page_renders_for_a_signed_in_user(secretary_client, scenario):
    for path in LIST_PAGES + detail_pages(scenario):
        response = secretary_client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "党建工作区综合管理平台" in html
        assert '<div id="app"' in html
        assert "/static/core/platform.js" in html


def test_anonymous_users_are_sent_to_login(client, scenario):
    for path in LIST_PAGES + detail_pages(scenario):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/login/?next={path}"


def test_detail_pages_out_of_scope_are_404(secretary_client, scenario):
    for path in [f"/zones/{scenario.zone_b.pk}/", f"/households/{scenario.households_b[0].pk}/", "/members/999999/"]:
        response = secretary_client.get(path)
        assert response.status_code == 404, path
        assert "不在您的管辖范围内" in response.content.decode()


def test_vendor_files_are_local_and_no_cdn_is_referenced(secretary_client, client, scenario):
    pages = [secretary_client.get(p) for p in LIST_PAGES + detail_pages(scenario)]
    client.logout()
    pages.append(client.get("/login/"))
    for response in pages:
        html = response.content.decode()
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), response.request["PATH_INFO"]
        assert "cdn" not in html.lower()
        for name in VENDOR:
            assert f"/static/{name}" in html
    home = pages[0].content.decode()
    assert "/static/vendor/echarts.min.js" in home
    for name in VENDOR + ["vendor/echarts.min.js", "core/platform.js", "core/platform.css", "organization/home.js"]:
        assert finders.find(name), f"static file {name} is missing (run scripts/copy_vendor.py)"


def test_pages_set_vue_delimiters_and_chinese_locale():
    with open(finders.find("core/platform.js"), encoding="utf-8") as fh:
        source = fh.read()
    assert 'const DELIMITERS = ["[[", "]]"]' in source
    assert "ElementPlusLocaleZhCn" in source


def test_sidebar_menu_is_rendered_from_the_registry(secretary_client, monkeypatch):
    monkeypatch.setattr(menu_module, "MENU", [
        *menu_module.MENU,
        MenuEntry(title="全区报表", url="/reports/", icon="DataLine", roles=frozenset({"district_admin"}), order=90),
        {"title": "调解台账", "url": "/mediation/", "icon": "ChatDotRound", "order": 60},
        MenuEntry(title="未接入路由", url="no-such:route"),
    ])
    response = secretary_client.get("/households/")
    menu = page_json(response, "platform-menu")
    titles = [item["title"] for item in menu["items"]]
    foundation = ["首页", "层级结构", "党建工作区", "户与四色分类", "党员与联户"]
    # other apps (visits, mediation) insert their own entries; the foundation's keep their order
    assert [t for t in titles if t in foundation] == foundation
    assert titles[0] == "首页"
    assert "调解台账" in titles  # a plain dict entry, for everyone
    assert "全区报表" not in titles  # district admins only
    assert "未接入路由" not in titles  # its URL name does not resolve
    assert menu["active"] == "/households/"


def test_menu_roles_and_active_entry(scenario):
    items, active = menu_for(scenario.admin, "/households/12/")
    assert active == "/households/"
    items, active = menu_for(scenario.admin, "/")
    assert active == "/"
    extra = MenuEntry(title="全区报表", url="/reports/", roles=frozenset({"district_admin"}))
    menu_module.MENU.append(extra)
    try:
        assert "全区报表" in [i["title"] for i in menu_for(scenario.admin)[0]]
        assert "全区报表" not in [i["title"] for i in menu_for(scenario.secretary)[0]]
    finally:
        menu_module.MENU.remove(extra)


def test_menu_groups_entries_under_one_title(scenario, monkeypatch):
    monkeypatch.setattr(menu_module, "MENU", [
        MenuEntry(title="调解案件", url="/mediation/cases/", group="轮值调解室", icon="ChatDotRound"),
        MenuEntry(title="值班表", url="/mediation/rota/", group="轮值调解室"),
    ])
    items, active = menu_for(scenario.secretary, "/mediation/rota/")
    assert items == [{
        "title": "轮值调解室", "icon": "ChatDotRound", "path": None,
        "children": [
            {"title": "调解案件", "path": "/mediation/cases/", "icon": "ChatDotRound"},
            {"title": "值班表", "path": "/mediation/rota/", "icon": "Document"},
        ],
    }]
    assert active == "/mediation/rota/"


def test_page_data_carries_choices_and_the_record_id(secretary_client, scenario):
    household = scenario.households_a[0]
    data = page_json(secretary_client.get(f"/households/{household.pk}/"), "page-data")
    assert data["id"] == household.pk
    assert {"value": "red", "label": "红色"} in data["choices"]["color"]
    members = page_json(secretary_client.get("/members/"), "page-data")
    assert (members["link_min"], members["link_max"]) == (10, 20)
    zone = page_json(secretary_client.get(f"/zones/{scenario.zone_a.pk}/"), "page-data")
    assert zone["min_cadres"] == 15


def test_login_page_is_chinese_and_signs_in(client, scenario):
    page = client.get("/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "账号登录" in html and 'name="username"' in html and 'name="password"' in html

    wrong = client.post("/login/", {"username": "yanman", "password": "wrong"})
    assert wrong.status_code == 200
    assert "正确的" in wrong.content.decode()  # Django's zh-hans message: 请输入一个正确的用户名和密码…

    ok = client.post("/login/?next=/households/", {"username": "yanman", "password": PASSWORD, "next": "/households/"})
    assert ok.status_code == 302 and ok["Location"] == "/households/"
    assert client.get("/households/").status_code == 200
    # a signed-in user visiting /login/ goes straight on
    assert client.get("/login/")["Location"] == "/"


def test_messages_stay_chinese_for_an_english_browser(client, scenario):
    wrong = client.post("/login/", {"username": "yanman", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "正确的" in wrong.content.decode()
    client.force_login(scenario.secretary)
    missing = client.get(f"/api/households/{scenario.households_b[0].pk}/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert missing.status_code == 404
    assert missing.json()["detail"] != "Not found."


def test_logout_is_a_post_and_returns_to_login(secretary_client):
    assert secretary_client.get("/logout/").status_code == 405
    response = secretary_client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert secretary_client.get("/").status_code == 302


def test_breadcrumbs_come_from_the_view(secretary_client, scenario):
    html = secretary_client.get(f"/members/{scenario.member_a.pk}/").content.decode()
    crumbs = re.findall(r"<el-breadcrumb-item>(.*?)</el-breadcrumb-item>", html)
    assert crumbs == ['<a href="/">首页</a>', '<a href="/members/">党员与联户</a>', "党员详情"]
    assert re.findall(r"<el-breadcrumb-item>(.*?)</el-breadcrumb-item>", secretary_client.get("/zones/").content.decode()) == [
        '<a href="/">首页</a>', "党建工作区"]


def test_another_app_adds_its_section_to_the_household_page(secretary_client, scenario):
    # villages' household page does not name visits; visits registers its card (core.pages.register_section)
    html = secretary_client.get(f"/households/{scenario.households_a[0].pk}/").content.decode()
    assert 'data-testid="visits-section"' in html
    assert 'data-testid="visits-section"' not in secretary_client.get(f"/members/{scenario.member_a.pk}/").content.decode()


def test_the_page_shell_in_core_imports_no_domain_app():
    import ast
    from pathlib import Path

    import core

    domain = {"accounts", "zones", "villages", "members", "visits", "mediation", "notifications", "organization"}
    for name in ["pages.py", "menu.py", "urls.py", "apps.py"]:
        tree = ast.parse((Path(core.__file__).parent / name).read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & domain, (name, imported & domain)
