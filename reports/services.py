"""Writes of the reports: open, edit, attach, submit (figures frozen), return, approve; every step on the timeline."""
from __future__ import annotations

import datetime
import mimetypes

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.scoping import DISTRICT_ADMIN, TOWN_UP, ZONE_UP, user_scope
from core.metrics import MetricError, Period
from zones.models import Town, WorkZone

from . import figures
from .models import (
    KIND_LEVEL, KIND_PERIOD, Report, ReportAction, ReportAttachment, ReportStep, ReportKind, ReportState,
)

EDITABLE = (ReportState.DRAFT, ReportState.RETURNED)
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def due_on(kind: str, period: Period) -> datetime.date:
    """The deadline: monthly reports by the REPORT_MONTHLY_DUE_DAY of the next month, yearly ones by
    REPORT_YEARLY_DUE (month, day) of the next year."""
    if KIND_PERIOD[kind] == "month":
        following = period.end + datetime.timedelta(days=1)
        return following.replace(day=settings.REPORT_MONTHLY_DUE_DAY)
    month, day = settings.REPORT_YEARLY_DUE
    return datetime.date(period.end.year + 1, month, day)


def _title(kind: str, node, period: Period) -> str:
    if kind == ReportKind.ZONE_MONTHLY:
        return f"{node.name}{period.start.year}年{period.start.month}月工作报告"
    if kind == ReportKind.ZONE_YEARLY:
        return f"{period.start.year}·我们这一年——{node.name}"
    return f"{node.name}{period.start.year}年度党建工作区工作报告"


def _log(report: Report, action: str, by, comment: str = "") -> ReportStep:
    return ReportStep.objects.create(report=report, action=action, actor=by, comment=comment)


def _writable(report_or_node_q, by) -> bool:
    return user_scope(by).filter(report_or_node_q, write=True).exists()


@transaction.atomic
def report_open(*, kind: str, node_id: int, period: str, by) -> tuple[Report, bool]:
    """The report of a node and period: the existing one, or a new draft. (report, created)."""
    errors = {}
    if kind not in ReportKind.values:
        raise ValidationError({"kind": f"报告类型须是{'、'.join(ReportKind.labels)}之一。"})
    try:
        parsed = Period.parse(period)
    except MetricError as exc:
        raise ValidationError({"period": str(exc)}) from exc
    if parsed.kind != KIND_PERIOD[kind]:
        errors["period"] = "统计期：月报须为某一月（如 2026-11），年度报告须为某一年（如 2026）。"
    if parsed.start > timezone.localdate():
        errors["period"] = "统计期：尚未开始的统计期不能建立报告。"
    level = KIND_LEVEL[kind]
    model = WorkZone if level == "zone" else Town
    node = user_scope(by).filter(model.objects.filter(pk=node_id)).first()
    if node is None or not may_file(by, level, node):
        errors["node"] = f"{'工作区' if level == 'zone' else '街道(镇)'}不存在或不在您的管辖范围内。"
    if errors:
        raise ValidationError(errors)
    zone = node if level == "zone" else None
    town_id = node.town_id if level == "zone" else node.pk
    existing = Report.objects.filter(kind=kind, town_id=town_id, zone=zone, period=parsed.key).first()
    if existing is not None:
        return existing, False
    report = Report.objects.create(
        kind=kind, town_id=town_id, zone=zone, period=parsed.key, period_start=parsed.start, period_end=parsed.end,
        due_on=due_on(kind, parsed), title=_title(kind, node, parsed), created_by=by,
    )
    _log(report, ReportAction.OPEN, by)
    return report, True


def may_file(by, level: str, node) -> bool:
    """Who writes a node's report: a zone's committee (or its town's staff, or the district) for a zone's,
    the town's staff (or the district) for a town's."""
    chain = {"zone": node.pk, "town": node.town_id} if level == "zone" else {"town": node.pk}
    roles = ZONE_UP if level == "zone" else TOWN_UP
    return any(
        g.role in roles and (g.level is None or (g.level in chain and g.chain.get(g.level) == chain[g.level]))
        for g in user_scope(by).grants)


def _ensure_editable(report: Report, by) -> None:
    if report.state not in EDITABLE:
        raise ValidationError({"state": f"报告{report.get_state_display()}，不能修改；被退回后才能再改。"})
    if not _writable(Report.objects.filter(pk=report.pk), by):
        raise PermissionDenied("您无权修改这份报告。")


@transaction.atomic
def report_update(*, report: Report, by, **changes) -> Report:
    """Edit the narrative (title, highlights, problems, next steps) and the typical cases and visits."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    _ensure_editable(report, by)
    cases = changes.pop("typical_cases", None)
    visits = changes.pop("typical_visits", None)
    unknown = set(changes) - {"title", "highlights", "problems", "next_steps"}
    if unknown:
        raise ValidationError({"non_field_errors": f"不能修改的字段：{'、'.join(sorted(unknown))}。"})
    if "title" in changes and not (changes["title"] or "").strip():
        raise ValidationError({"title": "标题不能为空。"})
    errors = {}
    if cases is not None:
        outside = [c for c in cases if not _case_belongs(report, c)]
        if outside:
            errors["typical_cases"] = f"典型纠纷案例须是本{_level_word(report)}在统计期内受理的案件（{'、'.join(c.title for c in outside)}不是）。"
    if visits is not None:
        outside = [v for v in visits if not _visit_belongs(report, v)]
        if outside:
            errors["typical_visits"] = f"典型走访须是本{_level_word(report)}在统计期内的走访（有 {len(outside)} 条不是）。"
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        setattr(report, name, value)
    report.save()
    if cases is not None:
        report.typical_cases.set(cases)
    if visits is not None:
        report.typical_visits.set(visits)
    _log(report, ReportAction.EDIT, by)
    return report


def _level_word(report: Report) -> str:
    return "工作区" if report.level == "zone" else "街道(镇)"


def _case_belongs(report: Report, case) -> bool:
    node = case.zone_id if report.level == "zone" else case.town_id
    return node == report.node_id and report.period_start <= timezone.localtime(case.received_at).date() <= report.period_end


def _visit_belongs(report: Report, visit) -> bool:
    household = visit.household
    node = household.zone_id if report.level == "zone" else household.town_id
    return node == report.node_id and report.period_start <= visit.visited_on <= report.period_end


@transaction.atomic
def report_attach(*, report: Report, by, upload) -> ReportAttachment:
    """Attach a photo or a file (jpg, png, webp, pdf, docx, xlsx) of at most REPORT_ATTACHMENT_MAX_MB."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    _ensure_editable(report, by)
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1][:200]
    content_type = mimetypes.guess_type(name)[0] or ""
    if content_type not in ATTACHMENT_TYPES:
        raise ValidationError({"file": "附件：只能上传 jpg、png、webp 照片或 pdf、docx、xlsx 文件。"})
    limit = settings.REPORT_ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError({"file": f"附件：文件不能大于 {settings.REPORT_ATTACHMENT_MAX_MB} MB。"})
    if report.attachments.count() >= 30:
        raise ValidationError({"file": "附件：一份报告最多 30 个附件。"})
    attachment = ReportAttachment(report=report, name=name, content_type=content_type, size=upload.size, uploaded_by=by)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _log(report, ReportAction.ATTACH, by, name)
    return attachment


@transaction.atomic
def report_detach(*, attachment: ReportAttachment, by) -> None:
    report = Report.objects.select_for_update().get(pk=attachment.report_id)
    _ensure_editable(report, by)
    name = attachment.name
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    _log(report, ReportAction.DETACH, by, name)


@transaction.atomic
def report_submit(*, report: Report, by, comment: str = "") -> Report:
    """Submit for approval: the figures are frozen as of now. A town's report waits for its zones' approved ones."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    _ensure_editable(report, by)
    if report.kind == ReportKind.TOWN_YEARLY:
        missing = pending_zone_reports(report)
        if missing:
            raise ValidationError({"state": f"还有 {len(missing)} 个工作区的年度报告未审核通过（{'、'.join(missing[:5])}），"
                                            "街道(镇)报告须在其后提交。"})
    if not (report.highlights or "").strip():
        raise ValidationError({"highlights": "亮点：提交前请填写本期工作亮点。"})
    report.figures = figures.live_values(report)
    report.frozen_at = timezone.now()
    report.state = ReportState.SUBMITTED
    report.submitted_at = report.frozen_at
    report.save()
    _log(report, ReportAction.SUBMIT, by, comment)
    return report


def pending_zone_reports(report: Report) -> list[str]:
    """The zones of a town report's town whose yearly report for the year is not approved."""
    approved = set(Report.objects.filter(kind=ReportKind.ZONE_YEARLY, town_id=report.town_id, period=report.period,
                                         state=ReportState.APPROVED).values_list("zone_id", flat=True))
    zones = WorkZone.objects.filter(town_id=report.town_id).order_by("id")
    if hasattr(WorkZone, "archived_at"):
        zones = zones.filter(archived_at__isnull=True)
    return [z.name for z in zones if z.pk not in approved]


def may_review(report: Report, by) -> bool:
    """The level above reviews: town staff (or the district) a zone's report, the district a town's."""
    scope = user_scope(by)
    if report.level == "town":
        return DISTRICT_ADMIN in scope.roles
    reviewers = scope.filter(Report.objects.filter(pk=report.pk), write=True, roles=TOWN_UP)
    return reviewers.exists()


def _ensure_reviewable(report: Report, by) -> None:
    if not may_review(report, by):
        raise PermissionDenied("只有上一级（街道(镇)审核工作区报告，区级审核街道(镇)报告）可以审核。")
    if report.state != ReportState.SUBMITTED:
        raise ValidationError({"state": f"报告{report.get_state_display()}，只有已提交的报告可以审核或退回。"})


@transaction.atomic
def report_return(*, report: Report, by, comment: str) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    _ensure_reviewable(report, by)
    if not (comment or "").strip():
        raise ValidationError({"comment": "退回意见：请写明需要修改的地方。"})
    report.state = ReportState.RETURNED
    report.save()
    _log(report, ReportAction.RETURN, by, comment.strip())
    _tell_authors(report, f"报告被退回：{report.title}", comment.strip())
    return report


@transaction.atomic
def report_approve(*, report: Report, by, comment: str = "") -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    _ensure_reviewable(report, by)
    report.state = ReportState.APPROVED
    report.approved_at = timezone.now()
    report.save()
    _log(report, ReportAction.APPROVE, by, (comment or "").strip())
    _tell_authors(report, f"报告已审核通过：{report.title}", (comment or "").strip())
    return report


def _tell_authors(report: Report, title: str, body: str) -> None:
    from notifications.services import notify

    event = report.steps.order_by("-id").first()
    submitter = report.steps.filter(action=ReportAction.SUBMIT).order_by("-id").values_list("actor", flat=True).first()
    if submitter is None:
        return
    from accounts.models import User

    user = User.objects.filter(pk=submitter, is_active=True).first()
    if user is not None:
        notify(user=user, title=title[:100], body=body or title, link=f"/reports/{report.pk}/", kind="report",
               dedupe_key=f"report:{report.pk}:event:{event.pk}")


# ---- a history of filed reports (the demo's year; an office migrating its past reports) --------------

def _summary(kind: str, values: dict) -> str:
    """A highlight written from the figures themselves (the demo's reports, before anyone edits them)."""
    def n(code: str) -> str:
        value = values.get(code)
        return "—" if value is None else (f"{value:.1f}%" if isinstance(value, float) and code.endswith(
            ("coverage", "share_in_village", "satisfaction", "link_coverage")) else f"{int(value):,}")

    when = "本月" if kind == ReportKind.ZONE_MONTHLY else "全年"
    return (f"{when}党员和网格员入户走访 {n('visits.in_person_households')} 户，上门服务群众 {n('visits.people_served')} 人，"
            f"收集民情 {n('visits.concerns')} 条、当场解决 {n('visits.concerns_on_spot')} 条；轮值调解室受理矛盾纠纷 "
            f"{n('mediation.received')} 件，现场化解 {n('mediation.on_the_spot')} 件，不出村化解率 "
            f"{n('mediation.share_in_village')}。")


@transaction.atomic
def reports_file_history(*, kind: str, period: Period, nodes: list, by, states: dict, seed: int = 0) -> int:
    """File the reports of ``kind`` for ``period`` of many nodes at once, their figures computed in one
    registry call (frozen as if submitted on time) and their timeline written: ``states`` maps a node id to
    (state, submitted on time?). Nodes that already have the report are left alone. Returns the reports written."""
    import random

    from core import metrics
    from core.metrics import NodeSet

    level = KIND_LEVEL[kind]
    existing = set(Report.objects.filter(kind=kind, period=period.key).values_list(
        "zone_id" if level == "zone" else "town_id", flat=True))
    nodes = [n for n in nodes if n.pk not in existing and n.pk in states]
    if not nodes:
        return 0
    values = metrics.evaluate(figures.report_codes(), NodeSet(level, tuple(n.pk for n in nodes)), period)
    rng = random.Random(seed)
    deadline = due_on(kind, period)
    tz = timezone.get_current_timezone()
    reports, steps = [], []
    for node in nodes:
        state, on_time = states[node.pk]
        submitted_day = deadline - datetime.timedelta(days=rng.randint(0, 4)) if on_time else \
            deadline + datetime.timedelta(days=rng.randint(1, 9))
        submitted = datetime.datetime.combine(submitted_day, datetime.time(rng.randint(9, 17), rng.randint(0, 59)), tz)
        filed = state != ReportState.DRAFT
        reports.append(Report(
            kind=kind, town_id=node.town_id if level == "zone" else node.pk, zone=node if level == "zone" else None,
            period=period.key, period_start=period.start, period_end=period.end, due_on=deadline,
            title=_title(kind, node, period), state=state, highlights=_summary(kind, values[node.pk]),
            figures=values[node.pk] if filed else {}, frozen_at=submitted if filed else None,
            submitted_at=submitted if filed else None,
            approved_at=submitted + datetime.timedelta(days=rng.randint(1, 5)) if state == ReportState.APPROVED else None,
            created_by=by,
        ))
    Report.objects.bulk_create(reports)
    for report in reports:
        opened = datetime.datetime.combine(report.period_end + datetime.timedelta(days=1), datetime.time(9), tz)
        steps.append(ReportStep(report=report, action=ReportAction.OPEN, actor=by))
        if report.submitted_at:
            steps.append(ReportStep(report=report, action=ReportAction.SUBMIT, actor=by))
        if report.state == ReportState.RETURNED:
            steps.append(ReportStep(report=report, action=ReportAction.RETURN, actor=by,
                                    comment="请补充典型案例和下步打算。"))
        if report.approved_at:
            steps.append(ReportStep(report=report, action=ReportAction.APPROVE, actor=by, comment="同意。"))
        report._opened = opened
    ReportStep.objects.bulk_create(steps)
    # the timeline's times are those of the history, not of the load
    for step in steps:
        report = step.report
        step.created_at = {ReportAction.OPEN: report._opened, ReportAction.SUBMIT: report.submitted_at,
                           ReportAction.RETURN: (report.submitted_at or report._opened) + datetime.timedelta(days=2),
                           ReportAction.APPROVE: report.approved_at}[step.action]
    ReportStep.objects.bulk_update(steps, ["created_at"])
    return len(reports)
