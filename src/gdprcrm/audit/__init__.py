"""The accountability trail: a hash chain over audit entries, verification, checkpoints."""

from gdprcrm.audit.anchor import DEFAULT_EVERY, Anchor, CheckpointFile, check_head
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
    "DEFAULT_EVERY",
    "GENESIS",
    "UNKEYED_AUDIT_CHAIN",
    "Anchor",
    "AuditChain",
    "BreakReason",
    "ChainRecord",
    "Checkpoint",
    "CheckpointFile",
    "Verification",
    "check_head",
    "encode",
    "sign_checkpoint",
    "verify",
    "verify_records",
]
