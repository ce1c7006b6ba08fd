"""The accountability trail: a hash chain over audit entries, verification, checkpoints."""

from gdprcrm.audit.chain import (
    GENESIS,
    UNKEYED_AUDIT_CHAIN,
    AuditChain,
    BreakReason,
    ChainRecord,
    Verification,
    encode,
    verify,
    verify_records,
)
from gdprcrm.audit.checkpoint import Checkpoint, sign_checkpoint

__all__ = [
    "GENESIS",
    "UNKEYED_AUDIT_CHAIN",
    "AuditChain",
    "BreakReason",
    "ChainRecord",
    "Checkpoint",
    "Verification",
    "encode",
    "sign_checkpoint",
    "verify",
    "verify_records",
]
