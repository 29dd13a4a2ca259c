"""What the beat schedule runs. Each job is idempotent: running it twice, or twice at once, does nothing twice."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import CaseEvent, CaseLevel, CaseState, DisputeCase, EventAction, FollowUp
from . import notices
from .cases import AUTO_ESCALATE_FROM, NEXT_LEVEL, case_escalate

BATCH = 500


def _follow_up_offsets() -> list[int]:
    return sorted({int(d) for d in settings.MEDIATION_FOLLOW_UP_DAYS if int(d) > 0})


def follow_ups_schedule(*, now: datetime.datetime | None = None) -> dict:
    """Schedule the follow-up visits of resolved and referred cases (default day 7 and 30), move them to 回访,
    and remind the person in charge once when a visit falls due.

    Rows are claimed with SKIP LOCKED and the follow-ups are unique per (case, sequence),
    so concurrent runs neither block each other nor create anything twice.
    """
    now = now or timezone.now()
    offsets = _follow_up_offsets()
    scheduled = 0
    while True:
        with transaction.atomic():
            cases = list(
                DisputeCase.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(state__in=[CaseState.RESOLVED, CaseState.REFERRED])
                .order_by("id")[:BATCH]
            )
            if not cases:
                break
            follow_ups, events = [], []
            for case in cases:
                base = timezone.localdate(case.resolved_at or case.referred_at or now)
                dates = [base + datetime.timedelta(days=d) for d in offsets]
                follow_ups += [FollowUp(case=case, sequence=i, due_date=d) for i, d in enumerate(dates, start=1)]
                events.append(CaseEvent(
                    case=case, action=EventAction.SCHEDULE_FOLLOW_UP, from_state=case.state, to_state=CaseState.FOLLOW_UP,
                    from_level=case.level, to_level=case.level, actor=None, created_at=now,
                    note="安排回访：" + "、".join(f"{d}" for d in dates) if dates else "无需回访",
                ))
            FollowUp.objects.bulk_create(follow_ups, ignore_conflicts=True)
            CaseEvent.objects.bulk_create(events)
            DisputeCase.objects.filter(pk__in=[c.pk for c in cases]).update(state=CaseState.FOLLOW_UP, last_activity_at=now)
            scheduled += len(cases)
    reminded = follow_ups_remind_due(today=timezone.localdate(now))
    return {"scheduled": scheduled, "reminded": reminded}


def follow_ups_remind_due(*, today: datetime.date) -> int:
    """One reminder per follow-up visit that is due and not yet recorded, to the case's assignee (or receiver)."""
    sent = 0
    due = (
        FollowUp.objects.filter(done_on__isnull=True, due_date__lte=today, case__state=CaseState.FOLLOW_UP)
        .select_related("case__assignee", "case__received_by", "case__village")
        .order_by("due_date", "id")
    )
    for follow_up in due.iterator(chunk_size=BATCH):
        case = follow_up.case
        user = case.assignee or case.received_by
        if user is None:
            continue
        if notices.send(
            user=user, title="回访到期",
            body=f"{case.number}“{case.title}”（{case.village.name}）第{follow_up.sequence}次回访应于{follow_up.due_date}进行。",
            link=notices.case_link(case.pk), kind="mediation.follow_up",
            dedupe_key=f"mediation:follow-up-due:{follow_up.pk}",
        ):
            sent += 1
    return sent


def cases_escalate_idle(*, now: datetime.datetime | None = None) -> dict:
    """Escalate cases idle longer than MEDIATION_IDLE_DAYS to the next level (village → zone → town);
    at town level there is nothing above, so town staff are told, once per case."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.MEDIATION_IDLE_DAYS)
    idle = DisputeCase.objects.filter(state__in=AUTO_ESCALATE_FROM, last_activity_at__lt=cutoff)
    escalated = 0
    for case_id in list(idle.filter(level__in=list(NEXT_LEVEL)).order_by("id").values_list("id", flat=True)):
        with transaction.atomic():
            case = (
                DisputeCase.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=case_id, state__in=AUTO_ESCALATE_FROM, last_activity_at__lt=cutoff, level__in=list(NEXT_LEVEL))
                .first()
            )
            if case is None:  # taken by a concurrent run, or acted on meanwhile
                continue
            case_escalate(case=case, by=None, auto=True)
            escalated += 1
    warned = 0
    for case in idle.filter(level=CaseLevel.TOWN).select_related("village").order_by("id").iterator(chunk_size=BATCH):
        for user in notices.town_staff_users(case.town_id):
            if notices.send(
                user=user, title="案件超期未办理",
                body=f"{case.number}“{case.title}”（{case.village.name}）在街道(镇)层级已超过{settings.MEDIATION_IDLE_DAYS}天未办理。",
                link=notices.case_link(case.pk), kind="mediation.case",
                dedupe_key=f"mediation:idle-town:{case.pk}:{case.town_escalated_at:%Y%m%d}",
            ):
                warned += 1
    return {"escalated": escalated, "warned": warned}
