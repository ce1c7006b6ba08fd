"""Pure lawfulness decisions: no I/O, no clock; time is an argument."""

from gdprcrm.policy.compiled import CompiledState
from gdprcrm.policy.decide import decide
from gdprcrm.policy.decision import Decision, Operation, Outcome
from gdprcrm.policy.erasure import ErasurePlan, FieldPlan, HoldReason, erasure_plan
from gdprcrm.policy.marketing import Outreach
from gdprcrm.policy.reasons import Reason, ReasonKind
from gdprcrm.policy.retention import retention_due
from gdprcrm.policy.state import ConsentInterval, SubjectState

__all__ = [
    "CompiledState",
    "ConsentInterval",
    "Decision",
    "ErasurePlan",
    "FieldPlan",
    "HoldReason",
    "Operation",
    "Outcome",
    "Outreach",
    "Reason",
    "ReasonKind",
    "SubjectState",
    "decide",
    "erasure_plan",
    "retention_due",
]
