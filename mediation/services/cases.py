"""Dispute cases: intake and the state machine, with a timeline event for every transition.

受理 → 分类处置 → 调处中 → 化解（签订调解协议）/ 未化解 → 上交（工作区，再到街道）或 转办（部门、法院）
→ 回访 → 结案. Every transition goes through ``_transition``; an invalid one raises a
ValidationError naming the allowed next states (400 in the API).
"""
from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.scoping import TOWN_UP, VILLAGE_UP, ZONE_UP, user_scope
from villages.models import Village

from ..models import (
    CaseCategory, CaseEvent, CaseLevel, CaseSource, CaseState, DisputeCase, DisputeParty, EventAction, FollowUp,
    FollowUpMethod, MediationAgreement, PartyRole, ReferralKind, Satisfaction, Urgency,
)
from . import notices

S = CaseState

# The state machine: state -> states a person may move the case to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (S.CLASSIFIED,),
    S.CLASSIFIED: (S.MEDIATING, S.ESCALATED, S.REFERRED),
    S.MEDIATING: (S.RESOLVED, S.UNRESOLVED),
    S.UNRESOLVED: (S.ESCALATED, S.REFERRED),
    S.ESCALATED: (S.MEDIATING, S.REFERRED),
    S.RESOLVED: (S.FOLLOW_UP,),  # the follow-up job schedules the visits
    S.REFERRED: (S.FOLLOW_UP,),
    S.FOLLOW_UP: (S.CLOSED,),
    S.CLOSED: (),
}
# A case idle in one of these states escalates by itself (system path, not offered to people).
AUTO_ESCALATE_FROM = (S.RECEIVED, S.CLASSIFIED, S.MEDIATING, S.UNRESOLVED, S.ESCALATED)
NEXT_LEVEL = {CaseLevel.VILLAGE: CaseLevel.ZONE, CaseLevel.ZONE: CaseLevel.TOWN}
# Who may act on a case at each level (besides its assignee).
LEVEL_ROLES = {CaseLevel.VILLAGE: VILLAGE_UP, CaseLevel.ZONE: ZONE_UP, CaseLevel.TOWN: TOWN_UP}
# Actions offered to people, by target state (the API action names).
ACTIONS = {
    S.CLASSIFIED: ("classify", "分类处置"),
    S.MEDIATING: ("start-mediation", "开始调处"),
    S.RESOLVED: ("resolve", "调解成功（签订协议）"),
    S.UNRESOLVED: ("mark-unresolved", "调解未成"),
    S.ESCALATED: ("escalate", "上交"),
    S.REFERRED: ("refer", "转办"),
    S.CLOSED: ("close", "结案"),
}


def _label(state: str) -> str:
    return str(CaseState(state).label)


def allowed_next_states(case: DisputeCase) -> list[str]:
    states = list(TRANSITIONS[case.state])
    if case.level == CaseLevel.TOWN and S.ESCALATED in states:
        states.remove(S.ESCALATED)  # nothing above the town: refer instead
    return states


def may_act(case: DisputeCase, user) -> bool:
    """The case's assignee, or a writer role over the case at its current level."""
    scope = user_scope(user)
    return DisputeCase.objects.filter(scope.q(DisputeCase, write=True, roles=LEVEL_ROLES[case.level]), pk=case.pk).exists()


def _ensure_may_act(case: DisputeCase, by) -> None:
    if by is not None and not may_act(case, by):
        raise PermissionDenied(f"案件目前由{case.get_level_display()}层级办理，您无权操作。")


def next_actions(case: DisputeCase, user) -> list[dict]:
    """The transitions `user` may perform now (for the case page's buttons)."""
    if not may_act(case, user):
        return []
    actions = []
    for state in allowed_next_states(case):
        if state not in ACTIONS:
            continue
        if state == S.CLOSED and case.follow_ups.filter(done_on__isnull=True).exists():
            continue
        name, label = ACTIONS[state]
        if state == S.ESCALATED:
            label = f"上交{CaseLevel(NEXT_LEVEL[case.level]).label}"
        actions.append({"action": name, "to_state": state, "label": label})
    return actions


def _lock(case: DisputeCase) -> DisputeCase:
    return DisputeCase.objects.select_for_update(of=("self",)).select_related("village", "zone").get(pk=case.pk)


def _transition(
    case: DisputeCase, *, to: str, action: str, by, note: str = "", to_level: str | None = None, system: bool = False,
) -> CaseEvent:
    allowed = allowed_next_states(case)
    if not system and to not in allowed:
        names = "、".join(_label(s) for s in allowed) or "无（案件已结案）"
        raise ValidationError(
            {"state": f"当前状态“{_label(case.state)}”不能变更为“{_label(to)}”。允许的下一状态：{names}。"}
        )
    now = timezone.now()
    event = CaseEvent(
        case=case, action=action, from_state=case.state, to_state=to, from_level=case.level,
        to_level=to_level or case.level, actor=by, note=note.strip(), created_at=now,
    )
    case.state = to
    if to_level:
        case.level = to_level
    case.last_activity_at = now
    case.save()
    event.save()
    return event


def _deadline(level: str, start: datetime.date | None = None) -> datetime.date:
    start = start or timezone.localdate()
    return start + datetime.timedelta(days=settings.MEDIATION_DEADLINE_DAYS[level])


def _choice(value, choices, field: str, label: str, errors: dict) -> None:
    if value not in choices.values:
        errors[field] = f"“{value}”不是有效的{label}（可选：{'、'.join(str(c) for c in choices.labels)}）。"


# --- intake ---------------------------------------------------------------------------------

def _build_parties(parties: Sequence[dict], errors: dict) -> list[DisputeParty]:
    built, problems = [], []
    if not parties:
        errors["parties"] = "至少登记一位当事人。"
        return built
    for index, data in enumerate(parties, start=1):
        name = (data.get("name") or "").strip()
        party = DisputeParty(role=data.get("role") or PartyRole.APPLICANT, name=name, address=(data.get("address") or "").strip())
        if not name:
            problems.append(f"第{index}位当事人：姓名不能为空。")
        if party.role not in PartyRole.values:
            problems.append(f"第{index}位当事人：身份“{party.role}”无效。")
        try:
            party.set_phone(data.get("phone") or "")
        except ValidationError as exc:
            problems.append(f"第{index}位当事人：{exc.messages[0]}")
        try:
            party.set_id_number(data.get("id_number") or "")
        except ValidationError as exc:
            problems.append(f"第{index}位当事人：{exc.messages[0]}")
        built.append(party)
    if problems:
        errors["parties"] = problems
    return built


@transaction.atomic
def case_create(
    *, by, village: Village, source: str, category: str, title: str, description: str, parties: Sequence[dict],
    urgency: str = Urgency.NORMAL, received_at: datetime.datetime | None = None, visit=None,
) -> DisputeCase:
    """受理登记: a case starts at village level, assigned to whoever received it."""
    if by is not None and not user_scope(by).filter(Village.objects.filter(pk=village.pk), write=True).exists():
        raise PermissionDenied("您无权在该村/社区登记纠纷案件。")
    errors: dict = {}
    _choice(source, CaseSource, "source", "来源", errors)
    _choice(category, CaseCategory, "category", "类别", errors)
    _choice(urgency, Urgency, "urgency", "紧急程度", errors)
    if not (title or "").strip():
        errors["title"] = "案由不能为空。"
    if not (description or "").strip():
        errors["description"] = "请填写纠纷情况。"
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + datetime.timedelta(minutes=5):
        errors["received_at"] = "受理时间不能晚于现在。"
    built = _build_parties(parties, errors)
    if errors:
        raise ValidationError(errors)
    case = DisputeCase(
        title=title.strip(), source=source, category=category, urgency=urgency, description=description.strip(),
        state=S.RECEIVED, level=CaseLevel.VILLAGE,
        level_deadline=_deadline(CaseLevel.VILLAGE, timezone.localdate(received_at)),
        assignee=by, received_by=by, received_at=received_at, last_activity_at=now,
    )
    case.place_in(village)
    if visit is not None:
        case.visit = visit
    case.save()
    for party in built:
        party.case = case
        party.save()
    CaseEvent.objects.create(
        case=case, action=EventAction.INTAKE, from_state="", to_state=S.RECEIVED, from_level="",
        to_level=CaseLevel.VILLAGE, actor=by, note=f"来源：{case.get_source_display()}", created_at=now,
    )
    return case


def _household_party(household) -> dict:
    from core import pii

    return {"role": PartyRole.APPLICANT, "name": household.head_name, "phone": pii.decrypt(household.phone_encrypted),
            "address": household.address}


@transaction.atomic
def case_create_from_visit(
    *, visit, by, category: str, title: str, description: str = "", urgency: str = Urgency.NORMAL,
    parties: Sequence[dict] | None = None,
) -> DisputeCase:
    """A concern found on a four-color visit opens a case (source 网格/走访), linked both ways
    (``case.visit``, ``visit.dispute_cases``).

    Whoever may write the visit (its grid member included) may raise the case; the household head is the
    default applicant. Raised by someone below the village cadres, it waits unassigned for the village,
    whose cadres are told.
    """
    from visits.models import Visit

    if not user_scope(by).filter(Visit.objects.filter(pk=visit.pk), write=True).exists():
        raise PermissionDenied("您无权根据该走访记录登记案件。")
    household = visit.household
    village = household.village
    cadre = user_scope(by).filter(Village.objects.filter(pk=village.pk), write=True).exists()
    case = case_create(
        by=None, village=village, source=CaseSource.GRID, category=category, title=title,
        description=(description or "").strip() or visit.concerns, urgency=urgency,
        parties=parties if parties else [_household_party(household)], visit=visit,
    )
    case.received_by = by
    case.assignee = by if cadre else None
    case.save(update_fields=["received_by", "assignee", "updated_at"])
    CaseEvent.objects.filter(case=case, action=EventAction.INTAKE).update(
        actor=by, note=f"来源：走访（{visit.visited_on} {visit.visitor_name}）"
    )
    if not cadre:
        from accounts.models import Role, User

        cadres = User.objects.filter(is_active=True, assignments__role=Role.VILLAGE_CADRE, assignments__village=village).distinct()
        for user in cadres:
            notices.send(user=user, title="走访发现矛盾纠纷", body=f"{visit.visitor_name}走访{household}时登记：{case.title}。",
                         link=notices.case_link(case.pk), kind="mediation.case", dedupe_key=f"mediation:from-visit:{case.pk}")
    return case


# --- the transitions ------------------------------------------------------------------------

@transaction.atomic
def case_classify(*, case: DisputeCase, by, category: str | None = None, urgency: str | None = None, note: str = "") -> DisputeCase:
    """分类处置: confirm the category and urgency."""
    case = _lock(case)
    _ensure_may_act(case, by)
    errors: dict = {}
    if category is not None:
        _choice(category, CaseCategory, "category", "类别", errors)
    if urgency is not None:
        _choice(urgency, Urgency, "urgency", "紧急程度", errors)
    if errors:
        raise ValidationError(errors)
    changes = []
    if category and category != case.category:
        changes.append(f"类别：{case.get_category_display()} → {CaseCategory(category).label}")
        case.category = category
    if urgency and urgency != case.urgency:
        changes.append(f"紧急程度：{case.get_urgency_display()} → {Urgency(urgency).label}")
        case.urgency = urgency
    _transition(case, to=S.CLASSIFIED, action=EventAction.CLASSIFY, by=by, note="；".join([*changes, note] if note else changes))
    return case


@transaction.atomic
def case_start_mediation(*, case: DisputeCase, by, note: str = "") -> DisputeCase:
    """开始调处 (also: the receiving level takes up an escalated case)."""
    case = _lock(case)
    _ensure_may_act(case, by)
    if case.assignee_id is None and by is not None:
        case.assignee = by
    _transition(case, to=S.MEDIATING, action=EventAction.START, by=by, note=note)
    return case


@transaction.atomic
def case_resolve(
    *, case: DisputeCase, by, terms: str, mediators: str, confirmed_parties: Sequence[int],
    performance: str = "", signed_on: datetime.date | None = None, note: str = "",
) -> DisputeCase:
    """化解: a mediation agreement, confirmed by every party."""
    case = _lock(case)
    _ensure_may_act(case, by)
    if S.RESOLVED not in allowed_next_states(case):  # state error first: it says what is possible
        _transition(case, to=S.RESOLVED, action=EventAction.RESOLVE, by=by)
    errors: dict = {}
    today = timezone.localdate()
    signed_on = signed_on or today
    if not (terms or "").strip():
        errors["terms"] = "请填写协议内容。"
    if not (mediators or "").strip():
        errors["mediators"] = "请填写调解员。"
    if signed_on > today:
        errors["signed_on"] = "签订日期不能晚于今天。"
    elif signed_on < timezone.localdate(case.received_at):
        errors["signed_on"] = "签订日期不能早于受理日期。"
    parties = list(case.parties.all())
    confirmed = set(confirmed_parties or [])
    strangers = confirmed - {p.pk for p in parties}
    missing = [p.name for p in parties if p.pk not in confirmed]
    if strangers:
        errors["confirmed_parties"] = "确认人不是本案当事人。"
    elif missing:
        errors["confirmed_parties"] = f"调解协议须经全部当事人确认；尚未确认：{'、'.join(missing)}。"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    MediationAgreement.objects.create(
        case=case, terms=terms.strip(), performance=(performance or "").strip(), mediators=mediators.strip(),
        signed_on=signed_on, created_by=by,
    )
    DisputeParty.objects.filter(case=case).update(confirmed_at=now)
    case.resolved_at = now
    case.resolved_level = case.level
    # 现场化解 (one definition): resolved on the day it was received, without leaving the village
    case.on_the_spot = timezone.localdate(now) == timezone.localdate(case.received_at) and case.zone_escalated_at is None
    _transition(case, to=S.RESOLVED, action=EventAction.RESOLVE, by=by, note=note or "签订人民调解协议")
    if case.received_by_id and (by is None or case.received_by_id != by.pk):
        notices.send(
            user=case.received_by, title="案件已化解", body=f"{case.number}“{case.title}”已在{case.get_level_display()}调解成功。",
            link=notices.case_link(case.pk), kind="mediation.case", dedupe_key=f"mediation:resolved:{case.pk}",
        )
    return case


@transaction.atomic
def case_mark_unresolved(*, case: DisputeCase, by, reason: str) -> DisputeCase:
    """未化解: mediation failed at this level; the reason is required."""
    case = _lock(case)
    _ensure_may_act(case, by)
    if S.UNRESOLVED in allowed_next_states(case) and not (reason or "").strip():
        raise ValidationError({"reason": "请说明未化解的原因。"})
    _transition(case, to=S.UNRESOLVED, action=EventAction.MARK_UNRESOLVED, by=by, note=reason or "")
    return case


def _assign_on_escalation(case: DisputeCase, level: str) -> str:
    """The new level's receiver: the zone's duty officer of the day; at town level, town staff share it."""
    from ..selectors import duty_officer_now

    if level == CaseLevel.ZONE:
        shift = duty_officer_now(zone_id=case.zone_id)
        if shift is not None:
            case.assignee = shift.officer.user
            return f"值班人员 {shift.officer.name} 接收"
        case.assignee = None
        return "今日无值班人员，由工作区党委接收"
    case.assignee = None
    return "由街道(镇)接收"


def _notify_escalation(case: DisputeCase, level: str, *, auto: bool) -> None:
    title = "超期案件自动上交" if auto else "新上交案件"
    body = f"{case.number}“{case.title}”（{case.village.name}）已上交{CaseLevel(level).label}，请在{case.level_deadline}前办理。"
    if case.assignee_id:
        recipients = [case.assignee]
    elif level == CaseLevel.ZONE:
        recipients = list(notices.zone_committee_users(case.zone_id))
    else:
        recipients = list(notices.town_staff_users(case.town_id))
    for user in recipients:
        notices.send(user=user, title=title, body=body, link=notices.case_link(case.pk), kind="mediation.case",
                     dedupe_key=f"mediation:escalated:{case.pk}:{level}")


@transaction.atomic
def case_escalate(*, case: DisputeCase, by, note: str = "", auto: bool = False) -> DisputeCase:
    """上交: village → work zone → town, each with its own deadline; the zone's duty officer receives it."""
    case = _lock(case)
    if auto:
        if case.state not in AUTO_ESCALATE_FROM or case.level not in NEXT_LEVEL:
            raise ValidationError({"state": f"“{_label(case.state)}”状态或{case.get_level_display()}层级的案件不能自动上交。"})
    else:
        _ensure_may_act(case, by)
    if not auto and S.ESCALATED not in allowed_next_states(case):
        _transition(case, to=S.ESCALATED, action=EventAction.ESCALATE, by=by)  # raises, naming what is allowed
    level = NEXT_LEVEL[case.level]
    now = timezone.now()
    if level == CaseLevel.ZONE:
        case.zone_escalated_at = now
    else:
        case.town_escalated_at = now
    case.level_deadline = _deadline(level)
    receiver = _assign_on_escalation(case, level)
    if auto:
        reason = f"超过{settings.MEDIATION_IDLE_DAYS}天未办理，系统自动上交"
        note = f"{reason}；{receiver}" + (f"；{note}" if note else "")
    else:
        note = receiver + (f"；{note.strip()}" if note and note.strip() else "")
    _transition(
        case, to=S.ESCALATED, action=EventAction.AUTO_ESCALATE if auto else EventAction.ESCALATE, by=by, note=note,
        to_level=level, system=auto,
    )
    _notify_escalation(case, level, auto=auto)
    return case


@transaction.atomic
def case_refer(*, case: DisputeCase, by, kind: str, target: str, note: str = "") -> DisputeCase:
    """转办: to a functional department or the court."""
    case = _lock(case)
    _ensure_may_act(case, by)
    if S.REFERRED not in allowed_next_states(case):
        _transition(case, to=S.REFERRED, action=EventAction.REFER, by=by)
    errors: dict = {}
    _choice(kind, ReferralKind, "kind", "转办去向", errors)
    if not (target or "").strip():
        errors["target"] = "请填写承接单位（部门或法院名称）。"
    if errors:
        raise ValidationError(errors)
    case.referred_at = timezone.now()
    case.referral_kind = kind
    case.referral_target = target.strip()
    _transition(case, to=S.REFERRED, action=EventAction.REFER, by=by,
                note=f"转{ReferralKind(kind).label}：{case.referral_target}" + (f"；{note.strip()}" if note.strip() else ""))
    return case


@transaction.atomic
def follow_up_record(
    *, follow_up: FollowUp, by, method: str, satisfaction: str, done_on: datetime.date | None = None,
    agreement_performed: bool | None = None, note: str = "",
) -> FollowUp:
    """跟踪回访: record how the parties are doing and whether they are satisfied."""
    case = _lock(follow_up.case)
    _ensure_may_act(case, by)
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    errors: dict = {}
    if case.state != S.FOLLOW_UP:
        errors["state"] = f"案件当前状态为“{_label(case.state)}”，不在回访阶段。"
    if follow_up.done_on is not None:
        errors["done_on"] = f"第{follow_up.sequence}次回访已于{follow_up.done_on}记录。"
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        errors["done_on"] = "回访日期不能晚于今天。"
    _choice(method, FollowUpMethod, "method", "回访方式", errors)
    _choice(satisfaction, Satisfaction, "satisfaction", "满意度", errors)
    if errors:
        raise ValidationError(errors)
    follow_up.done_on = done_on
    follow_up.visitor = by
    follow_up.method = method
    follow_up.satisfaction = satisfaction
    follow_up.agreement_performed = agreement_performed
    follow_up.note = (note or "").strip()
    follow_up.save()
    now = timezone.now()
    CaseEvent.objects.create(
        case=case, action=EventAction.FOLLOW_UP, from_state=case.state, to_state=case.state, from_level=case.level,
        to_level=case.level, actor=by, created_at=now,
        note=f"第{follow_up.sequence}次回访（{follow_up.get_method_display()}）：{follow_up.get_satisfaction_display()}"
        + (f"；{follow_up.note}" if follow_up.note else ""),
    )
    DisputeCase.objects.filter(pk=case.pk).update(last_activity_at=now)
    return follow_up


@transaction.atomic
def case_close(*, case: DisputeCase, by, note: str = "") -> DisputeCase:
    """结案: after every scheduled follow-up visit is recorded."""
    case = _lock(case)
    _ensure_may_act(case, by)
    if S.CLOSED in allowed_next_states(case):
        pending = list(case.follow_ups.filter(done_on__isnull=True).order_by("sequence"))
        if pending:
            names = "、".join(f"第{f.sequence}次（{f.due_date}）" for f in pending)
            raise ValidationError({"state": f"尚有未完成的回访：{names}，不能结案。"})
    case.closed_at = timezone.now()
    _transition(case, to=S.CLOSED, action=EventAction.CLOSE, by=by, note=note)
    return case
