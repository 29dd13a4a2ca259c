"""Reports filed and approved: open, edit, attach, submit (figures frozen), return, approve; the town's report
after its zones'; completeness; late reminders; the outputs (print view, PDF, xlsx)."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from notifications.models import Notification
from reports import services
from reports.models import Report, ReportState
from reports.tasks import remind_late_reports
from tests.clients import api_client, page_client
from tests.factories import (
    HouseholdFactory, HouseholdLinkFactory, MicroGridFactory, NaturalVillageFactory, PartyBranchFactory,
    PartyMemberFactory, TownFactory, VillageFactory, WorkZoneFactory, make_user,
)

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    town = TownFactory()
    zone_a, zone_b = WorkZoneFactory(town=town), WorkZoneFactory(town=town)
    village = VillageFactory(zone=zone_a)
    grid = MicroGridFactory(natural_village=NaturalVillageFactory(village=village))
    households = [HouseholdFactory(grid=grid, people_count=3) for _ in range(3)]
    member = PartyMemberFactory(branch=PartyBranchFactory(village=village))
    HouseholdLinkFactory(member=member, household=households[0])
    return dict(
        town=town, zone_a=zone_a, zone_b=zone_b, households=households, member=member,
        secretary=make_user("zone_committee", zone_a), other_secretary=make_user("zone_committee", zone_b),
        town_staff=make_user("town_staff", town), admin=make_user("district_admin"),
        grid_member=make_user("grid_member", grid),
    )


def _open(user, kind, node, period):
    return api_client(user).post("/api/reports/", {"kind": kind, "node": node.pk, "period": period}, format="json")


def _last_month() -> str:
    day = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return f"{day.year}-{day.month:02d}"


def test_a_secretary_opens_the_monthly_report_with_live_figures(world):
    answer = _open(world["secretary"], "zone_monthly", world["zone_a"], _last_month())
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "draft" and body["may_edit"] and not body["may_review"]
    figures = {f["code"]: f for f in body["figures"]}
    assert figures["members.linked_households"]["value"] == 1 and figures["members.households"]["value"] == 3
    assert body["timeline"][0]["action"] == "open"
    # opening it again gives the same report (200)
    again = _open(world["secretary"], "zone_monthly", world["zone_a"], _last_month())
    assert again.status_code == 200 and again.json()["id"] == body["id"]


@pytest.mark.parametrize("kind,period,field", [
    ("zone_monthly", "2026", "period"),     # a monthly report needs a month
    ("zone_yearly", "2026-05", "period"),
    ("zone_monthly", "2099-01", "period"),  # not begun
    ("nope", "2026", "kind"),
])
def test_bad_opens_name_the_field(world, kind, period, field):
    answer = _open(world["secretary"], kind, world["zone_a"], period)
    assert answer.status_code == 400 and field in answer.json(), answer.content
    assert not Report.objects.exists()


def test_another_zones_secretary_and_a_grid_member_cannot(world):
    answer = _open(world["other_secretary"], "zone_monthly", world["zone_a"], _last_month())
    assert answer.status_code == 400 and "node" in answer.json()
    assert _open(world["grid_member"], "zone_monthly", world["zone_a"], _last_month()).status_code == 403
    report = _open(world["secretary"], "zone_monthly", world["zone_a"], _last_month()).json()
    assert api_client(world["other_secretary"]).get(f"/api/reports/{report['id']}/").status_code == 404
    assert api_client(world["grid_member"]).get("/api/reports/").status_code == 403


def test_the_whole_flow_submit_return_fix_resubmit_approve(world):
    secretary, town_staff = api_client(world["secretary"]), api_client(world["town_staff"])
    report = _open(world["secretary"], "zone_monthly", world["zone_a"], _last_month()).json()
    url = f"/api/reports/{report['id']}/"
    # submitting without highlights names the field, nothing changes
    refused = secretary.post(url + "submit/", {}, format="json")
    assert refused.status_code == 400 and "highlights" in refused.json()
    assert Report.objects.get().state == ReportState.DRAFT
    assert secretary.patch(url, {"highlights": "走访全覆盖"}, format="json").status_code == 200
    photo = SimpleUploadedFile("活动.png", PNG, content_type="image/png")
    uploaded = secretary.post(url + "attachments/", {"file": photo}, format="multipart")
    assert uploaded.status_code == 201, uploaded.content
    assert secretary.get(uploaded.json()["url"]).status_code == 200
    submitted = secretary.post(url + "submit/", {}, format="json").json()
    assert submitted["state"] == "submitted" and submitted["frozen_at"] and not submitted["may_edit"]
    # frozen: a new linked household changes the live value, not the report's; the change is explained
    HouseholdLinkFactory(member=world["member"], household=world["households"][1])
    again = secretary.get(url).json()
    linked = next(f for f in again["figures"] if f["code"] == "members.linked_households")
    assert (linked["value"], linked["live"]) == (1, 2)
    # the secretary may not edit or approve a submitted report
    assert secretary.patch(url, {"highlights": "改"}, format="json").status_code == 400
    assert secretary.post(url + "approve/", {}, format="json").status_code == 403
    # the town returns it: a comment is required
    assert town_staff.post(url + "return/", {"comment": ""}, format="json").status_code == 400
    returned = town_staff.post(url + "return/", {"comment": "请补充典型案例"}, format="json").json()
    assert returned["state"] == "returned"
    assert Notification.objects.filter(user=world["secretary"], title__startswith="报告被退回").exists()
    assert secretary.patch(url, {"problems": "部分网格走访滞后"}, format="json").status_code == 200
    assert secretary.post(url + "submit/", {"comment": "已补充"}, format="json").json()["state"] == "submitted"
    approved = town_staff.post(url + "approve/", {"comment": "同意"}, format="json").json()
    assert approved["state"] == "approved"
    actions = [e["action"] for e in approved["timeline"]]
    assert actions == ["open", "edit", "attach", "submit", "return", "edit", "submit", "approve"]


def test_typical_cases_must_be_the_zones_and_the_periods(world):
    from mediation.services.cases import case_create

    report = _open(world["secretary"], "zone_monthly", world["zone_a"], _last_month()).json()
    day = timezone.localdate().replace(day=1) - datetime.timedelta(days=3)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    village = world["households"][0].village
    case = case_create(by=world["admin"], village=village, source="walk_in", category="neighbour", title="占道",
                       description="堆放杂物", parties=[{"name": "张三", "role": "applicant"}], received_at=at)
    other_village = VillageFactory(zone=world["zone_b"])
    other = case_create(by=world["admin"], village=other_village, source="walk_in", category="neighbour",
                        title="噪音", description="夜间施工", parties=[{"name": "李四", "role": "applicant"}], received_at=at)
    client = api_client(world["secretary"])
    ok = client.patch(f"/api/reports/{report['id']}/", {"typical_cases": [case.pk]}, format="json")
    assert ok.status_code == 200 and ok.json()["cases"][0]["title"] == "占道"
    # another zone's case is outside the secretary's scope: a 400 naming the field, never a name
    refused = client.patch(f"/api/reports/{report['id']}/", {"typical_cases": [other.pk]}, format="json")
    assert refused.status_code == 400 and "typical_cases" in refused.json()
    assert "噪音" not in refused.content.decode()


def test_a_town_report_waits_for_its_zones(world):
    year = str(timezone.localdate().year - 1)
    town_report = _open(world["town_staff"], "town_yearly", world["town"], year).json()
    client = api_client(world["town_staff"])
    client.patch(f"/api/reports/{town_report['id']}/", {"highlights": "两个工作区"}, format="json")
    refused = client.post(f"/api/reports/{town_report['id']}/submit/", {}, format="json")
    assert refused.status_code == 400 and "2 个工作区" in refused.json()["state"][0]
    for zone, user in ((world["zone_a"], world["secretary"]), (world["zone_b"], world["other_secretary"])):
        report = Report.objects.get(pk=_open(user, "zone_yearly", zone, year).json()["id"])
        services.report_update(report=report, by=user, highlights="好")
        services.report_submit(report=report, by=user)
        services.report_approve(report=report, by=world["town_staff"])
    assert client.post(f"/api/reports/{town_report['id']}/submit/", {}, format="json").status_code == 200
    # only the district approves a town's report
    assert client.post(f"/api/reports/{town_report['id']}/approve/", {}, format="json").status_code == 403
    assert api_client(world["admin"]).post(f"/api/reports/{town_report['id']}/approve/", {},
                                           format="json").json()["state"] == "approved"


def test_attachments_refuse_other_types_and_sizes(world, settings):
    report = _open(world["secretary"], "zone_monthly", world["zone_a"], _last_month()).json()
    client = api_client(world["secretary"])
    url = f"/api/reports/{report['id']}/attachments/"
    bad = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")},
                      format="multipart")
    assert bad.status_code == 400 and "附件" in bad.json()["file"][0]
    settings.REPORT_ATTACHMENT_MAX_MB = 0
    big = client.post(url, {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")}, format="multipart")
    assert big.status_code == 400
    assert not Report.objects.get().attachments.exists()


def test_completeness_and_late_reminders(world):
    month = _last_month()
    report = Report.objects.get(pk=_open(world["secretary"], "zone_monthly", world["zone_a"], month).json()["id"])
    services.report_update(report=report, by=world["secretary"], highlights="好")
    services.report_submit(report=report, by=world["secretary"])
    answer = api_client(world["town_staff"]).get("/api/reports/completeness/", {"kind": "zone_monthly", "period": month})
    assert answer.status_code == 200
    total = answer.json()["total"]
    assert (total["expected"], total["submitted"], total["approved"], total["submitted_rate"]) == (2, 1, 0, 50.0)
    # after the deadline zone B's committee is reminded once, and the town 5 days later
    due = report.due_on
    remind_late_reports(today=(due + datetime.timedelta(days=1)).isoformat())
    remind_late_reports(today=(due + datetime.timedelta(days=1)).isoformat())
    monthly = Notification.objects.filter(kind="report_late", title__startswith="工作区月报")
    assert monthly.filter(user=world["other_secretary"]).count() == 1
    assert not monthly.filter(user=world["secretary"]).exists()
    assert not monthly.filter(user=world["town_staff"]).exists()
    remind_late_reports(today=(due + datetime.timedelta(days=6)).isoformat())
    assert monthly.filter(user=world["town_staff"]).count() == 1


def test_outputs_print_view_pdf_and_xlsx(world):
    year = str(timezone.localdate().year)
    report = _open(world["secretary"], "zone_yearly", world["zone_a"], year).json()
    client = api_client(world["secretary"])
    client.patch(f"/api/reports/{report['id']}/", {"highlights": "联户全覆盖，群众满意"}, format="json")
    page = page_client(world["secretary"]).get(f"/reports/{report['id']}/print/")
    text = page.content.decode()
    assert page.status_code == 200 and f"{year}·我们这一年" in text and "联户全覆盖" in text and "上年同期" in text
    assert page_client(world["other_secretary"]).get(f"/reports/{report['id']}/print/").status_code == 404
    pdf = client.get(f"/api/reports/{report['id']}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 5000
    from tests.browser import RESULTS  # kept for a look (pdftoppm -png): the CI artefacts hold it

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "report-zone-yearly.pdf").write_bytes(pdf.content)
    book = load_workbook(io.BytesIO(client.get(f"/api/reports/{report['id']}/xlsx/").content))
    rows = {r[1]: r for r in book["指标"].iter_rows(min_row=4, values_only=True)}
    assert rows["户数"][3] == 3 and rows["联户户数"][3] == 1


def test_a_history_of_reports_filed_at_once(world):
    from core.metrics import Period

    period = Period.parse(_last_month())
    zones = [world["zone_a"], world["zone_b"]]
    written = services.reports_file_history(
        kind="zone_monthly", period=period, nodes=zones, by=world["admin"],
        states={world["zone_a"].pk: ("approved", True), world["zone_b"].pk: ("submitted", False)})
    assert written == 2
    again = services.reports_file_history(kind="zone_monthly", period=period, nodes=zones, by=world["admin"],
                                          states={z.pk: ("approved", True) for z in zones})
    assert again == 0
    a = Report.objects.get(zone=world["zone_a"])
    assert a.figures["members.linked_households"] == 1 and "上门服务群众" in a.highlights
    assert [s.action for s in a.steps.order_by("created_at")] == ["open", "submit", "approve"]
    from reports.selectors import completeness
    from zones.models import Town

    total = completeness("zone_monthly", period, Town.objects.all())["total"]
    assert (total["submitted"], total["on_time"], total["approved"]) == (2, 1, 1)
