"""The rotating mediation room (轮值调解室): room, duty rota, dispute cases and their timeline."""
from .cases import (  # noqa: F401
    OPEN_STATES_EXCLUDED, SATISFIED_VALUES, CaseCategory, CaseEvent, CaseLevel, CaseSource, CaseState, DisputeCase,
    DisputeParty, EventAction, FollowUp, FollowUpMethod, MediationAgreement, PartyRole, ReferralKind, Satisfaction,
    Urgency,
)
from .rota import SLOT_LABELS, WEEKDAY_LABELS, DutyOfficer, DutyShift, MediationRoom, OfficerKind, all_weekdays  # noqa: F401
