"""The policy in force for a household, defined once: its zone's own policy, else its town's, else the defaults.

``PRECEDENCE`` is the rule. The SQL spelling (``policy_join`` + ``policy_value``: one LEFT JOIN per level,
``COALESCE`` in that order, then the default) is used by every set-based statement of the planning module
(``visits/reminders.py``); the Python spelling (``effective``) by the selectors that read one zone's or
every zone's policy. Both are built from ``PRECEDENCE`` and ``DEFAULTS`` below, nowhere else.
"""
from __future__ import annotations

from django.db.models import Q

from .models import COLORS, DEFAULT_ESCALATION, DEFAULT_INTERVALS, DEFAULT_REMIND_DAYS_BEFORE, VisitPolicy

P = VisitPolicy._meta.db_table

# Most specific first: (level, SQL alias, the SQL join condition of policy `{p}` for household `{h}`,
# the same condition in Python for a policy row and a (town_id, zone_id) place)
PRECEDENCE = (
    ("zone", "zp", "{p}.zone_id = {h}.zone_id",
     lambda p, town_id, zone_id: zone_id is not None and p.zone_id == zone_id),
    ("town", "tp", "{p}.town_id = {h}.town_id AND {p}.zone_id IS NULL",
     lambda p, town_id, zone_id: p.town_id == town_id and p.zone_id is None),
)
# every numeric policy field and its value when no policy applies
DEFAULTS: dict[str, int] = {
    **{f"{c}_days": DEFAULT_INTERVALS[c] for c in COLORS},
    "remind_days_before": DEFAULT_REMIND_DAYS_BEFORE,
    **DEFAULT_ESCALATION,
}


def policy_join(h: str = "h") -> str:
    """The LEFT JOINs that bring the candidate policies of household ``h`` into a statement."""
    return " ".join(f"LEFT JOIN {P} {alias} ON {on.format(p=alias, h=h)}" for _, alias, on, _ in PRECEDENCE)


def policy_value(field: str) -> str:
    """SQL for the value of ``field`` in force (after ``policy_join``): the first policy that exists, else the default."""
    if field not in DEFAULTS:
        raise ValueError(f"unknown policy field {field!r}")
    return f"COALESCE({', '.join(f'{alias}.{field}' for _, alias, _, _ in PRECEDENCE)}, {int(DEFAULTS[field])})"


def interval_sql(h: str = "h") -> str:
    """SQL for the interval (days) of household ``h``'s color under its policy (after ``policy_join``)."""
    return f"(CASE {h}.color " + " ".join(f"WHEN '{c}' THEN {policy_value(f'{c}_days')}" for c in COLORS) + " END)"


def candidates_q(*, town_ids, zone_ids) -> Q:
    """The policies that may govern the given zones (their own) and towns (the town level)."""
    return Q(zone_id__in=list(zone_ids)) | Q(town_id__in=list(town_ids), zone__isnull=True)


def effective(policies, *, town_id: int, zone_id: int | None) -> tuple[VisitPolicy | None, str]:
    """The policy in force for a zone (or, with zone_id None, the town level) among ``policies``, and its level
    ("zone", "town" or "default" when none applies)."""
    for level, _, _, applies in PRECEDENCE:
        for policy in policies:
            if applies(policy, town_id, zone_id):
                return policy, level
    return None, "default"
