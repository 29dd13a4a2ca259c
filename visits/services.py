"""Writes for four-color visits: policies, color changes, visits. The only code that moves a household's due date
(its set-based statements are built by the planning module, ``reminders.py``, from a ``HouseholdSelection``).

Due-date arithmetic (the household keeps ``next_visit_due`` so due lists are index range scans):
- a new household is due ``interval(color)`` days after registration;
- a visit on V makes it due on ``max(current due, V + interval)`` (a back-dated visit never moves it back);
- raising the color (shorter interval) never postpones: ``min(current due, today + new interval)``;
  lowering it keeps the clock of the last visit: ``current due + (new interval − old interval)``;
- a policy change shifts every governed household by ``new − old`` interval of its color, in one UPDATE.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.scoping import VILLAGE_UP, ZONE_UP, user_scope
from core.triggers import touch
from members.models import Duty, HouseholdLink, PartyMember
from villages.models import Household, HouseholdColor
from zones.models import Town, WorkZone

from . import analytics, reminders, selectors
from .models import (
    COLOR_RANK, COLORS, MAX_INTERVAL_DAYS, VISIT_WRITERS, ColorChange, ColorChangeSource, ColorSuggestionReview,
    HouseholdVisitState, SuggestionDecision, Visit, VisitMethod, VisitPolicy,
)

CORRECTION_DAYS = 7
COLOR_LABELS = dict(HouseholdColor.choices)
HouseholdSelection = reminders.HouseholdSelection


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _has_role_over(user, household: Household, roles) -> bool:
    if user is None:
        return False
    scope = user_scope(user)
    return scope.filter(Household.objects.filter(pk=household.pk), roles=frozenset(roles)).exists()


def _lock_household(household: Household) -> Household:
    return Household.objects.select_for_update().get(pk=household.pk)


def _color_label(color: str) -> str:
    return COLOR_LABELS.get(color, color)


def _remind(selection: HouseholdSelection) -> int:
    """A due date (or color, or policy) changed: close the reminders of the old date, re-date the open one's next
    escalation step, add the reminder of a new date within its window (the daily job only looks at dates that
    entered it since its last run)."""
    return reminders.reminders_sync(selection)


def _remind_household(household_id: int) -> int:
    return _remind(HouseholdSelection(household_ids=(household_id,)))


def reminders_readdress(selection: HouseholdSelection) -> int:
    """Households whose first contact changed (link, grid, grid worker) or that moved to another zone or town:
    their open reminders follow (addressee, next escalation step; a reminder due in the window is added)."""
    return _remind(selection)


# --- policies ------------------------------------------------------------------------------

POLICY_INTERVAL_FIELDS = [f"{c}_days" for c in COLORS]
POLICY_CONTENT_FIELDS = [f"{c}_content" for c in COLORS]
POLICY_ESCALATION_FIELDS = ["escalate_grid_days", "escalate_zone_red_days", "escalate_zone_days", "escalate_town_days"]
POLICY_FIELDS = POLICY_INTERVAL_FIELDS + POLICY_CONTENT_FIELDS + ["remind_days_before"] + POLICY_ESCALATION_FIELDS


def _label(field: str) -> str:
    return str(VisitPolicy._meta.get_field(field).verbose_name)


def _validate_policy(policy: VisitPolicy) -> None:
    errors: dict[str, str] = {}
    for field in POLICY_INTERVAL_FIELDS:
        value = getattr(policy, field)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_INTERVAL_DAYS:
            errors[field] = f"{_label(field)}必须是1到{MAX_INTERVAL_DAYS}之间的整数。"
    for field in POLICY_CONTENT_FIELDS:
        items = getattr(policy, field)
        if not isinstance(items, list) or any(not isinstance(i, str) or not i.strip() or len(i) > 50 for i in items):
            errors[field] = f"{_label(field)}应为不超过50字的事项列表，且不能有空项。"
        elif len(set(items)) != len(items):
            errors[field] = f"{_label(field)}有重复的事项。"
    value = policy.remind_days_before
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 60:
        errors["remind_days_before"] = "提前提醒天数必须是0到60之间的整数。"
    steps = [getattr(policy, f) for f in POLICY_ESCALATION_FIELDS]
    for field, value in zip(POLICY_ESCALATION_FIELDS, steps):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
            errors[field] = f"{_label(field)}必须是0到365之间的整数。"
    if not errors and not steps[0] <= steps[1] <= steps[2] <= steps[3]:
        errors["escalate_zone_red_days"] = (
            "逐级上报的天数应依次不减：告知网格员 ≤ 红色户上报工作区 ≤ 其他户上报工作区 ≤ 上报街道。"
        )
    if errors:
        raise ValidationError(errors)


def _governed(*, town_id: int, zone_id: int | None) -> HouseholdSelection:
    """The households a policy governs: its zone's, or its town's except those of zones with their own."""
    if zone_id is not None:
        return HouseholdSelection(zone_id=zone_id)
    overridden = VisitPolicy.objects.filter(town_id=town_id, zone__isnull=False).values_list("zone_id", flat=True)
    return HouseholdSelection(town_id=town_id, except_zone_ids=tuple(overridden))


def _replan(*, town_id: int, zone_id: int | None, before: dict, after: dict) -> int:
    """Shift the due dates of the households a policy governs by (new − old) interval of their color: one UPDATE."""
    deltas = {c: after[c] - before[c] for c in COLORS}
    if not any(deltas.values()):
        return 0
    return reminders.households_shift_due(_governed(town_id=town_id, zone_id=zone_id), days=deltas)


def _policy_place(town: Town | None, zone: WorkZone | None) -> tuple[int, int | None]:
    if zone is not None:
        if town is not None and zone.town_id != town.pk:
            raise ValidationError({"zone": f"工作区{zone.name}不属于{town.name}。"})
        return zone.town_id, zone.pk
    if town is not None:
        return town.pk, None
    raise ValidationError({"town": "请指定街道(镇)或工作区。"})


def _policy_compose(*, town_id: int, zone_id: int | None, values: dict):
    """The policy of a place with ``values`` applied (not saved, validated) and the values in force before."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({"non_field_errors": f"未知的策略字段：{'、'.join(sorted(unknown))}。"})
    existing = VisitPolicy.objects.filter(town_id=town_id, zone_id=zone_id).first() if zone_id else \
        VisitPolicy.objects.filter(town_id=town_id, zone__isnull=True).first()
    before = selectors.policy_for(town_id=town_id, zone_id=zone_id)
    policy = existing or VisitPolicy(town_id=town_id, zone_id=zone_id)
    if existing is None:  # a new policy starts from the one in force (a zone override from its town's)
        for color in COLORS:
            setattr(policy, f"{color}_days", before.intervals[color])
            setattr(policy, f"{color}_content", list(before.content[color]))
        policy.remind_days_before = before.remind_days_before
        for field in POLICY_ESCALATION_FIELDS:
            setattr(policy, field, getattr(before, field))
    for field, value in values.items():
        setattr(policy, field, value)
    _validate_policy(policy)
    return policy, before


def policy_place_writable(user, *, town_id: int, zone_id: int | None) -> bool:
    """Whether ``user`` may set the policy of a town (town staff, district) or of a zone (also its committee)."""
    for grant in user_scope(user).grants:
        if grant.role not in ZONE_UP:
            continue
        if grant.level is None or (grant.level == "town" and grant.chain.get("town") == town_id):
            return True
        if zone_id is not None and grant.level == "zone" and grant.chain.get("zone") == zone_id:
            return True
    return False


def visit_policy_preview(*, town: Town | None = None, zone: WorkZone | None = None, **values) -> dict:
    """What saving these values would re-plan (nothing is written): how many households' due dates move, by
    color, counted with the condition of the re-plan's UPDATE (``reminders.households_shift_count``)."""
    town_id, zone_id = _policy_place(town, zone)
    policy, before = _policy_compose(town_id=town_id, zone_id=zone_id, values=values)
    after = {c: policy.interval(c) for c in COLORS}
    deltas = {c: after[c] - before.intervals[c] for c in COLORS}
    by_color = reminders.households_shift_count(_governed(town_id=town_id, zone_id=zone_id), days=deltas)
    return {
        "households": sum(by_color.values()),
        "by_color": {c: by_color.get(c, 0) for c in COLORS},
        "deltas": deltas, "before": dict(before.intervals), "after": after,
        "source": before.source, "creates": policy.pk is None,
    }


@transaction.atomic
def visit_policy_save(*, town: Town | None = None, zone: WorkZone | None = None, user=None, **values) -> VisitPolicy:
    """Create or change the policy of a town (zone=None) or a zone override; re-plan the governed households."""
    town_id, zone_id = _policy_place(town, zone)
    # Serialise policy edits per town: the re-plan below reads which zones override.
    Town.objects.select_for_update().filter(pk=town_id).first()
    policy, before = _policy_compose(town_id=town_id, zone_id=zone_id, values=values)
    policy.updated_by = user
    policy.save()
    policy.moved = _replan(town_id=town_id, zone_id=zone_id, before=before.intervals,
                           after={c: policy.interval(c) for c in COLORS})
    _remind_governed(town_id=town_id, zone_id=zone_id)
    return policy


def _remind_governed(*, town_id: int, zone_id: int | None) -> int:
    return _remind(_governed(town_id=town_id, zone_id=zone_id))


@transaction.atomic
def visit_policy_delete(*, policy: VisitPolicy) -> int:
    """Remove a policy: its households fall back to the town's policy (or the defaults); re-planned at once."""
    Town.objects.select_for_update().filter(pk=policy.town_id).first()
    before = {c: policy.interval(c) for c in COLORS}
    town_id, zone_id = policy.town_id, policy.zone_id
    policy.delete()
    after = selectors.policy_for(town_id=town_id, zone_id=zone_id).intervals
    moved = _replan(town_id=town_id, zone_id=zone_id, before=before, after=after)
    _remind_governed(town_id=town_id, zone_id=zone_id)
    return moved


def household_initial_due(household: Household, *, on: datetime.date | None = None) -> datetime.date:
    """A new household's first due date: its color's interval after registration."""
    policy = selectors.policy_for(town_id=household.town_id, zone_id=household.zone_id)
    return (on or selectors.today()) + _days(policy.intervals.get(household.color, policy.intervals["green"]))


def households_initial_due(households: list[Household], *, on: datetime.date | None = None) -> None:
    """``household_initial_due`` for many new households at once: sets each one's ``next_visit_due`` (the policy
    read once per zone, not once per household)."""
    policies: dict[tuple, selectors.PolicyValues] = {}
    start = on or selectors.today()
    for household in households:
        place = (household.town_id, household.zone_id)
        if place not in policies:
            policies[place] = selectors.policy_for(town_id=place[0], zone_id=place[1])
        intervals = policies[place].intervals
        household.next_visit_due = start + _days(intervals.get(household.color, intervals["green"]))


def households_remind_new(household_ids) -> int:
    """``household_remind`` for many households just registered: the reminders already due added, one statement
    for the whole set (a new household has no reminder to close or re-address)."""
    return reminders.reminders_sync(HouseholdSelection(household_ids=tuple(household_ids)), new=True)


def household_remind(*, household: Household) -> int:
    """Add the household's reminder if its due date is within the window (a no-op otherwise)."""
    return _remind_household(household.pk)


def households_plan_missing() -> int:
    """Give every household without a due date one (registration date + interval), set-based."""
    return reminders.households_plan_missing()


# --- color classification -------------------------------------------------------------------


@transaction.atomic
def color_change(*, household: Household, to_color: str, reason: str = "", user=None,
                 source: str = ColorChangeSource.MANUAL) -> ColorChange:
    """Reclassify a household, keep the history, re-plan its due date at once.

    A reason is required to raise a household to orange or red; lowering a color needs a
    village cadre or above (a grid member cannot quietly lower a household out of escalation).
    """
    if to_color not in COLORS:
        raise ValidationError({"to_color": f"“{to_color}”不是有效的颜色，应为绿色、黄色、橙色或红色（green/yellow/orange/red）。"})
    if source not in ColorChangeSource.values:
        raise ValidationError({"source": f"未知的来源“{source}”。"})
    household = _lock_household(household)
    from_color = household.color
    if from_color == to_color:
        raise ValidationError({"to_color": f"该户已是{_color_label(to_color)}，无需调整。"})
    reason = (reason or "").strip()
    raising = COLOR_RANK[to_color] > COLOR_RANK[from_color]
    if source == ColorChangeSource.SUGGESTION:
        suggested, rules = selectors.color_suggestion(household.tags)
        if COLOR_RANK[to_color] > COLOR_RANK[suggested] or not raising:
            raise ValidationError({"to_color": f"系统建议该户至少为{_color_label(suggested)}，与所选颜色不符。"})
        reason = reason or f"情况标签：{'；'.join(rules)}"
    if raising and to_color in ("orange", "red") and not reason:
        raise ValidationError({"reason": f"调为{_color_label(to_color)}必须填写原因。"})
    if not raising and user is not None and not _has_role_over(user, household, VILLAGE_UP):
        raise PermissionDenied("调低颜色需由村干部或以上确认。")

    new_due = due_after_color_change(household, from_color=from_color, to_color=to_color, due=household.next_visit_due)
    Household.objects.filter(pk=household.pk).update(color=to_color, next_visit_due=new_due, updated_at=timezone.now())
    _remind_household(household.pk)
    return ColorChange.objects.create(
        household=household, from_color=from_color, to_color=to_color, reason=reason, source=source,
        changed_by=user, next_visit_due=new_due,
    )


def _current_suggestion(household: Household) -> tuple[str, list[str]]:
    suggested, rules = selectors.color_suggestion(household.tags)
    if COLOR_RANK[suggested] <= COLOR_RANK[household.color]:
        raise ValidationError({"household": f"该户目前没有调高颜色的建议（现为{_color_label(household.color)}）。"})
    return suggested, rules


@transaction.atomic
def color_suggestion_accept(*, household: Household, user=None, reason: str = "") -> ColorSuggestionReview:
    """Accept the system's suggestion for a household: raise it to the suggested color (``color_change``), recorded."""
    household = _lock_household(household)
    suggested, _ = _current_suggestion(household)
    from_color = household.color
    change = color_change(household=household, to_color=suggested, reason=reason, user=user,
                          source=ColorChangeSource.SUGGESTION)
    return ColorSuggestionReview.objects.create(
        household=household, from_color=from_color, suggested_color=suggested, decision=SuggestionDecision.ACCEPTED,
        reason=change.reason, color_change=change, reviewed_by=user,
    )


@transaction.atomic
def color_suggestion_reject(*, household: Household, reason: str, user=None) -> ColorSuggestionReview:
    """Reject the suggestion for a household with a reason (village cadre or above); it leaves the review list
    while the household keeps this color and this suggestion."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "不采纳建议必须填写理由。"})
    if len(reason) > 500:
        raise ValidationError({"reason": "理由不能超过500字。"})
    household = _lock_household(household)
    if user is not None and not _has_role_over(user, household, VILLAGE_UP):
        raise PermissionDenied("不采纳调整建议需由村干部或以上确认。")
    suggested, _ = _current_suggestion(household)
    return ColorSuggestionReview.objects.create(
        household=household, from_color=household.color, suggested_color=suggested,
        decision=SuggestionDecision.REJECTED, reason=reason, reviewed_by=user,
    )


def due_after_color_change(household: Household, *, from_color: str, to_color: str,
                           due: datetime.date | None) -> datetime.date:
    """Raising never postpones (the new interval counts from today at the latest); lowering keeps the last visit's clock."""
    policy = selectors.policy_for_household(household)
    old_interval, new_interval = policy.intervals[from_color], policy.intervals[to_color]
    today = selectors.today()
    if due is None:
        return today + _days(new_interval)
    if new_interval < old_interval:
        return min(due, today + _days(new_interval))
    return due + _days(new_interval - old_interval)


@transaction.atomic
def color_change_record_edit(*, household: Household, from_color: str, due: datetime.date | None) -> ColorChange:
    """A color changed by a plain household edit (another app's form): keep the history and re-plan the due date."""
    new_due = due_after_color_change(household, from_color=from_color, to_color=household.color, due=due)
    Household.objects.filter(pk=household.pk).update(next_visit_due=new_due)
    household.next_visit_due = new_due
    _remind_household(household.pk)
    return ColorChange.objects.create(
        household=household, from_color=from_color, to_color=household.color, source=ColorChangeSource.HOUSEHOLD_EDIT,
        reason="修改户信息时变更（未经“调整颜色”填写原因）", next_visit_due=new_due,
    )


# --- visits -----------------------------------------------------------------------------------


def _default_visitor(*, household: Household, author) -> tuple[PartyMember | None, object | None]:
    """Who visited, when the form does not say: the author's party member record (the linked one first), else the author."""
    members = list(PartyMember.objects.filter(user=author, left_on__isnull=True).order_by("id")) if author else []
    linked = HouseholdLink.objects.filter(household=household, member__in=members).values_list("member_id", flat=True).first()
    if linked is not None:
        return next(m for m in members if m.pk == linked), None
    if members:
        return members[0], None
    return None, author


def _validate_visit(*, household: Household, visitor_member, visitor_user, visited_on, method, content, duties,
                    follow_up_needed, follow_up_note) -> None:
    errors: dict[str, str] = {}
    today = selectors.today()
    registered = timezone.localdate(household.created_at)
    if not isinstance(visited_on, datetime.date):
        errors["visited_on"] = "请填写走访日期。"
    elif visited_on > today:
        errors["visited_on"] = "走访日期不能晚于今天。"
    elif visited_on < registered:
        errors["visited_on"] = f"走访日期不能早于该户登记日期（{registered:%Y-%m-%d}）。"
    if method not in VisitMethod.values:
        errors["method"] = f"“{method}”不是有效的走访方式，应为入户、电话或微信/视频（in_person/phone/online）。"
    if visitor_member is None and visitor_user is None:
        errors["visitor_member"] = "请指定走访党员或网格员。"
    elif visitor_member is not None:
        if visitor_member.left_on is not None:
            errors["visitor_member"] = f"党员{visitor_member.name}已离开，不能登记走访。"
        elif not (
            HouseholdLink.objects.filter(household=household, member=visitor_member).exists()
            or _has_role_over(visitor_member.user, household, VISIT_WRITERS)
        ):
            errors["visitor_member"] = f"党员{visitor_member.name}既不是该户的联户党员，也没有管辖该户的角色。"
    else:
        if not (household.grid.worker_user_id == visitor_user.pk or _has_role_over(visitor_user, household, VISIT_WRITERS)):
            errors["visitor_user"] = f"{visitor_user}不是该户所在网格的网格员，也没有管辖该户的角色。"
    policy = selectors.policy_for_household(household)
    allowed = policy.content[household.color]
    bad = [c for c in content if c not in allowed]
    if bad:
        errors["content"] = (
            f"“{'、'.join(bad)}”不在{_color_label(household.color)}户的走访内容中，可选：{'、'.join(allowed)}。"
        )
    bad_duties = [d for d in duties if d not in Duty.values]
    if bad_duties:
        errors["duties"] = f"未知的职责“{'、'.join(map(str, bad_duties))}”，应为六大员之一。"
    if follow_up_needed and not (follow_up_note or "").strip():
        errors["follow_up_note"] = "需要跟进时请填写跟进事项。"
    if errors:
        raise ValidationError(errors)


def _dedupe(items) -> list:
    return list(dict.fromkeys(items or []))


def _visitor_name(member, user) -> str:
    return member.name if member is not None else str(user)


def _advance_due(household: Household, visited_on: datetime.date) -> datetime.date:
    interval = selectors.policy_for_household(household).intervals[household.color]
    candidate = visited_on + _days(interval)
    due = household.next_visit_due
    return candidate if due is None or candidate > due else due


@transaction.atomic
def visit_log(*, household: Household, author, visited_on: datetime.date, method: str = VisitMethod.IN_PERSON,
              visitor_member: PartyMember | None = None, visitor_user=None, content: list[str] | None = None,
              duties: list[str] | None = None, concerns: str = "", follow_up_needed: bool = False,
              follow_up_note: str = "") -> Visit:
    """Log a visit and move the household's next due date."""
    household = _lock_household(household)
    if visitor_member is None and visitor_user is None:
        visitor_member, visitor_user = _default_visitor(household=household, author=author)
    content, duties = _dedupe(content), _dedupe(duties)
    _validate_visit(
        household=household, visitor_member=visitor_member, visitor_user=visitor_user, visited_on=visited_on,
        method=method, content=content, duties=duties, follow_up_needed=follow_up_needed, follow_up_note=follow_up_note,
    )
    visit = Visit.objects.create(
        household=household, visitor_member=visitor_member, visitor_user=visitor_user if visitor_member is None else None,
        visitor_name=_visitor_name(visitor_member, visitor_user), visited_on=visited_on, method=method,
        color=household.color, content=content, duties=duties, concerns=(concerns or "").strip(),
        follow_up_needed=follow_up_needed, follow_up_note=(follow_up_note or "").strip(), created_by=author,
    )
    analytics.visit_logged(visit)
    state = HouseholdVisitState.objects.select_for_update().filter(household=household).first()
    if state is None:
        HouseholdVisitState.objects.create(household=household, last_visit=visit, last_visited_on=visited_on, visits=1)
    else:
        state.visits += 1
        if visited_on >= state.last_visited_on:
            state.last_visit, state.last_visited_on = visit, visited_on
        state.save()
    new_due = _advance_due(household, visited_on)
    if new_due != household.next_visit_due:
        Household.objects.filter(pk=household.pk).update(next_visit_due=new_due, updated_at=timezone.now())
        _remind_household(household.pk)
    return visit


VISIT_CORRECTABLE = {"visited_on", "method", "content", "duties", "concerns", "follow_up_needed", "follow_up_note",
                     "visitor_member", "visitor_user"}


def _zone_or_above_over(user, household: Household) -> bool:
    """Zone committee of the household's zone, staff of its town, or a district administrator (from the cached grants)."""
    for grant in user_scope(user).grants:
        if grant.role not in ZONE_UP:
            continue
        if grant.level is None:
            return True
        if grant.level == "town" and grant.chain.get("town") == household.town_id:
            return True
        if grant.level == "zone" and grant.chain.get("zone") == household.zone_id:
            return True
    return False


def visit_can_correct(*, visit: Visit, user) -> bool:
    """The author within 7 days of logging it; afterwards the zone (zone committee, town staff, district)."""
    if user is None or not user.is_authenticated:
        return False
    if visit.created_by_id == user.pk and timezone.now() - visit.created_at <= _days(CORRECTION_DAYS):
        return True
    return _zone_or_above_over(user, visit.household)


@transaction.atomic
def visit_correct(*, visit: Visit, user, **changes) -> Visit:
    """Correct a visit (the audit trail keeps every earlier version); re-plan the household if the date moved."""
    if "household" in changes and changes["household"].pk != visit.household_id:
        raise ValidationError({"household": "不能更改走访的户；请为正确的户另行登记。"})
    changes.pop("household", None)
    unknown = set(changes) - VISIT_CORRECTABLE
    if unknown:
        raise ValidationError({"non_field_errors": f"这些字段不能更正：{'、'.join(sorted(unknown))}。"})
    household = _lock_household(visit.household)
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if not visit_can_correct(visit=visit, user=user):
        raise PermissionDenied(f"走访记录只能由登记人在{CORRECTION_DAYS}天内更正，超过{CORRECTION_DAYS}天须由工作区更正。")
    if "visitor_member" in changes or "visitor_user" in changes:
        visit.visitor_member = changes.pop("visitor_member", None)
        visit.visitor_user = changes.pop("visitor_user", None) if visit.visitor_member is None else None
        changes.pop("visitor_user", None)
        visit.visitor_name = _visitor_name(visit.visitor_member, visit.visitor_user)
    for field in ("content", "duties"):
        if field in changes:
            changes[field] = _dedupe(changes[field])
    old_date = visit.visited_on
    for field, value in changes.items():
        setattr(visit, field, value.strip() if isinstance(value, str) and field in ("concerns", "follow_up_note") else value)
    # content is checked against the color the household had when visited
    household.color, current_color = visit.color, household.color
    _validate_visit(
        household=household, visitor_member=visit.visitor_member, visitor_user=visit.visitor_user,
        visited_on=visit.visited_on, method=visit.method, content=visit.content, duties=visit.duties,
        follow_up_needed=visit.follow_up_needed, follow_up_note=visit.follow_up_note,
    )
    household.color = current_color
    visit.corrected_by, visit.corrected_at = user, timezone.now()
    analytics.visit_correcting(visit)  # reads the stored row: its old contribution leaves the analytics tables
    visit.save()
    analytics.visit_corrected(visit, old_years={old_date.year})
    if visit.visited_on != old_date:
        _replan_after_correction(household)
    return visit


def _replan_after_correction(household: Household) -> None:
    last = Visit.objects.filter(household=household).order_by("-visited_on", "-id").first()
    HouseholdVisitState.objects.filter(household=household).update(last_visit=last, last_visited_on=last.visited_on)
    interval = selectors.policy_for_household(household).intervals[household.color]
    Household.objects.filter(pk=household.pk).update(
        next_visit_due=last.visited_on + _days(interval), updated_at=timezone.now()
    )
    _remind_household(household.pk)


@transaction.atomic
def visit_follow_up_done(*, visit: Visit, user, result: str) -> Visit:
    """Mark a visit's follow-up handled (需跟进 → 已办结) with what was done: the grid member or a cadre over the household."""
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": "请填写跟进结果。"})
    if len(result) > 1000:
        raise ValidationError({"result": "跟进结果不能超过1000字。"})
    visit = Visit.objects.select_for_update().select_related("household").get(pk=visit.pk)
    if not visit.follow_up_needed:
        raise ValidationError({"result": "该走访记录未标记需要跟进。"})
    if visit.follow_up_done_at is not None:
        raise ValidationError({"result": f"该跟进事项已于{timezone.localtime(visit.follow_up_done_at):%Y-%m-%d}办结。"})
    if not _has_role_over(user, visit.household, VISIT_WRITERS):
        raise PermissionDenied("您无权办结该户的跟进事项。")
    visit.follow_up_done_at, visit.follow_up_done_by, visit.follow_up_result = timezone.now(), user, result
    visit.save(update_fields=["follow_up_done_at", "follow_up_done_by", "follow_up_result"])
    return visit


def visits_touch(*, households) -> int:
    """Stamp the visits of these households (moved to another grid, village, zone or town): a pull by
    ``updated_since`` lists them in their new place (``core.triggers.touch``; no audit event)."""
    return touch(Visit.objects.filter(household__in=households))
