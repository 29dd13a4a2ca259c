"""Writes for the mediation room: the only code that changes its rows.

- ``rota``: rota generation, swaps, filling uncovered shifts, flagging them ahead;
- ``cases``: intake and the case state machine, agreements, follow-ups;
- ``jobs``: what the beat schedule runs (follow-ups, idle escalation).
"""
from .cases import (  # noqa: F401
    allowed_next_states, case_classify, case_close, case_create, case_create_from_visit, case_escalate,
    case_mark_unresolved, case_refer, case_resolve, case_start_mediation, follow_up_record, next_actions,
)
from .jobs import cases_escalate_idle, follow_ups_schedule  # noqa: F401
from .rota import (  # noqa: F401
    RotaPlan, officer_archive, plan_rota, rota_generate, room_save, shift_assign, shift_swap, uncovered_shifts_flag,
)
