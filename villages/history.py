"""A household's audit trail with its people's (户成员) changes in it: who added, changed or removed whom."""
from __future__ import annotations

from pghistory.models import Events

from accounts.api_base import HIDDEN_HISTORY_FIELDS, HISTORY_LABELS, history_for
from accounts.models import User

from .models import HouseholdPerson

PERSON_SHOWN = ("name", "relation", "birth_year", "tags")  # not the row's id, household or position


def _label(field: str) -> str:
    return str(HouseholdPerson._meta.get_field(field).verbose_name)  # the page shows unknown keys as they are


def _person_changes(event) -> dict:
    """{field's Chinese name: [before, after]}: an added person's values, a removed one's, or what changed."""
    data = event.pgh_data or {}
    if event.pgh_label == "insert":
        return {_label(k): [None, data.get(k)] for k in PERSON_SHOWN if data.get(k) not in (None, "", [])}
    if event.pgh_label == "delete":
        return {_label(k): [data.get(k), None] for k in PERSON_SHOWN if data.get(k) not in (None, "", [])}
    diff = event.pgh_diff or {}
    return {_label(k): v for k, v in diff.items()
            if k in PERSON_SHOWN and not any(h in k for h in HIDDEN_HISTORY_FIELDS)}


def household_history(household) -> list[dict]:
    """``history_for`` of the household, with an entry per change of one of its people, newest first."""
    rows = history_for(household)
    events = list(Events.objects.references(household).across("villages.HouseholdPersonEvent")
                  .order_by("-pgh_created_at", "-pgh_id")[:200])
    user_ids = {e.pgh_context.get("user") for e in events if e.pgh_context and e.pgh_context.get("user")}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)}
    for event in events:
        context = event.pgh_context or {}
        action = HISTORY_LABELS.get(event.pgh_label, event.pgh_label)
        name = (event.pgh_data or {}).get("name", "")
        rows.append({
            "label": f"户成员{action}：{name}",
            "created_at": event.pgh_created_at,
            "user": names.get(context.get("user")),
            "url": context.get("url"),
            "changes": _person_changes(event),
        })
    rows.sort(key=lambda row: row["created_at"], reverse=True)  # stable: within a write, the household first
    return rows
