"""The mediation pages: signed-in shells, scoped detail pages, the printable mediation agreement."""
import json
import re

import pytest
from django.test import Client

from mediation import services
from tests.clients import page_client

from .conftest import agreement_args, new_case

PAGES = ["/mediation/", "/mediation/cases/new/", "/mediation/rota/", "/mediation/statistics/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_a_login_and_render_with_the_choices(world, path):
    assert Client().get(path).status_code == 302
    response = page_client(world.cadre_a1).get(path)
    assert response.status_code == 200
    text = response.content.decode()
    data = json.loads(re.search(r'<script id="page-data" type="application/json">(.*?)</script>', text, re.S).group(1))
    assert {"value": "classified", "label": "分类处置"} in data["choices"]["case_state"]  # labels come from the models
    menu = json.loads(re.search(r'<script id="platform-menu" type="application/json">(.*?)</script>', text, re.S).group(1))
    group = next(item for item in menu["items"] if item["title"] == "轮值调解室")
    assert [c["path"] for c in group["children"]] == ["/mediation/", "/mediation/cases/new/", "/mediation/rota/",
                                                      "/mediation/statistics/"]


def test_case_page_is_scoped(world):
    case = new_case(world)
    assert page_client(world.cadre_a1).get(f"/mediation/cases/{case.pk}/").status_code == 200
    assert page_client(world.zone_b_user).get(f"/mediation/cases/{case.pk}/").status_code == 404


def test_the_agreement_prints_for_a_resolved_case_only(world):
    case = new_case(world)
    url = f"/mediation/cases/{case.pk}/agreement/"
    assert page_client(world.cadre_a1).get(url).status_code == 404  # no agreement yet
    case = services.case_classify(case=case, by=world.cadre_a1)
    case = services.case_start_mediation(case=case, by=world.cadre_a1)
    services.case_resolve(case=case, by=world.cadre_a1, **{**agreement_args(case), "performance": "2025年4月1日前清理完毕"})
    response = page_client(world.cadre_a1).get(url)
    assert response.status_code == 200
    text = response.content.decode()
    for expected in ("人民调解协议书", case.number, "当事人（申请人）：</span>张德福", "当事人（被申请人）：</span>王长贵",
                     "138****1234", "双方同意共同出资清理排水沟", "2025年4月1日前清理完毕", "闫满党建工作区轮值调解室（印）",
                     "@media print"):
        assert expected in text, expected
    assert "13805311234" not in text  # contacts stay masked on paper too
    assert page_client(world.zone_b_user).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_the_agreement_as_a_server_made_pdf(world):
    case = new_case(world)
    url = f"/mediation/cases/{case.pk}/agreement.pdf"
    assert page_client(world.cadre_a1).get(url).status_code == 404  # no agreement yet
    case = services.case_classify(case=case, by=world.cadre_a1)
    case = services.case_start_mediation(case=case, by=world.cadre_a1)
    services.case_resolve(case=case, by=world.cadre_a1, **agreement_args(case))
    response = page_client(world.cadre_a1).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 3000
    from tests.browser import RESULTS

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "agreement.pdf").write_bytes(response.content)
    assert page_client(world.zone_b_user).get(url).status_code == 404
