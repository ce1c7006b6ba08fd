"""Pure lawfulness decisions: no I/O, no clock; time is an argument."""

from gdprcrm.policy.decide import decide
from gdprcrm.policy.decision import Decision, Operation, Outcome
from gdprcrm.policy.reasons import Reason, ReasonKind
from gdprcrm.policy.state import ConsentInterval, SubjectState

__all__ = [
    "ConsentInterval",
    "Decision",
    "Operation",
    "Outcome",
    "Reason",
    "ReasonKind",
    "SubjectState",
    "decide",
]
