"""The ``gdprcrm audit`` and ``gdprcrm lookups`` commands: accountability (Art. 5(2))
and the upkeep of the blind indexes."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gdprcrm.audit import Checkpoint, CheckpointFile
from gdprcrm.cli.context import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    Context,
    instant,
    parse_uuid,
    subject_id,
)
from gdprcrm.errors import InvalidInput, SignatureInvalid

__all__ = ["AUDIT_COMMANDS"]


def _read_checkpoint(path: Path) -> Checkpoint:
    try:
        found = CheckpointFile(path).latest()
    except SignatureInvalid as exc:
        raise InvalidInput(f"--checkpoint {path}: {exc}") from None
    if not path.exists() or found is None:
        raise InvalidInput(f"--checkpoint {path}: no checkpoint there")
    return found


def audit_verify(ctx: Context, args: argparse.Namespace) -> int:
    given = None if args.checkpoint is None else _read_checkpoint(args.checkpoint)
    result = ctx.open_as_found().verify_audit(checkpoint=given)
    reason = result.reason.value if result.reason else None
    ctx.emit(
        {
            "ok": result.ok,
            "checked": result.checked,
            "broken_at": result.broken_at,
            "reason": reason,
        },
        f"{result.checked} entries: "
        + ("intact" if result.ok else f"BROKEN at {result.broken_at} ({reason or '?'})"),
    )
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED


def _checkpoint_data(cp: Checkpoint | None) -> dict[str, Any]:
    if cp is None:
        return {"sequence": None}
    return {"sequence": cp.sequence, "at": cp.at.isoformat(), "restore": cp.restore}


def audit_checkpoint(ctx: Context, args: argparse.Namespace) -> int:
    cp = ctx.crm.checkpoint()
    if cp is not None and args.out is not None:
        CheckpointFile(args.out).append(cp)
    text = "the trail is empty" if cp is None else cp.to_json()
    ctx.emit(_checkpoint_data(cp) | {"file": str(ctx.files.checkpoints)}, text)
    return EXIT_OK


def audit_restored(ctx: Context, args: argparse.Namespace) -> int:
    crm = ctx.open_restored()
    cp = crm.latest_checkpoint
    acknowledged = cp is not None and cp.restore
    ctx.emit(
        _checkpoint_data(cp) | {"acknowledged": acknowledged},
        "restore recorded in the trail; erasures replayed"
        if acknowledged
        else "nothing lost: the trail reaches its latest checkpoint",
    )
    return EXIT_OK


def audit_certificate(ctx: Context, args: argparse.Namespace) -> int:
    """A kept certificate by the id a trail entry names (``--id``), or a subject's
    erasure restated and signed anew: the wire form, verifiable with the public key."""
    if (args.id is None) == (args.subject is None):
        raise InvalidInput("audit certificate: give a subject id, or --id CERTIFICATE")
    if args.id is not None:
        certificate = ctx.crm.certificate(parse_uuid(args.id))
    else:
        certificate = ctx.crm.erasure_certificate(subject_id(args.subject))
    text = certificate.to_json()
    ctx.emit(json.loads(text), text)
    return EXIT_OK


def _public_keys(given: list[str]) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for item in given:
        signer_id, sep, file = item.partition("=")
        if not sep or not signer_id or not file:
            raise InvalidInput("--public-key: SIGNER_ID=PEM_FILE")
        try:
            key = serialization.load_pem_public_key(Path(file).read_bytes())
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"--public-key {signer_id}: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInput(f"--public-key {signer_id}: not an Ed25519 public key")
        keys[signer_id] = key
    return keys


def audit_certificates(ctx: Context, args: argparse.Namespace) -> int:
    """Every certificate the trail names, checked (Art. 5(2)): ids of those missing,
    invalid or signed by a signer whose key was not given."""
    result = ctx.open_as_found().verify_certificates(_public_keys(args.public_key))
    problems = {
        "missing": [str(c) for c in result.missing],
        "invalid": [str(c) for c in result.invalid],
        "unverifiable": [str(c) for c in result.unverifiable],
    }
    names = "trail entry names" if result.checked == 1 else "trail entries name"
    text = f"{result.checked} {names} a certificate: " + (
        "every one kept and verified"
        if result.ok
        else ", ".join(f"{len(ids)} {name}" for name, ids in problems.items() if ids)
    )
    ctx.emit({"ok": result.ok, "checked": result.checked} | problems, text)
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED


def lookups_reindex(ctx: Context, args: argparse.Namespace) -> int:
    done = ctx.crm.reindex_lookups(at=instant(args.at))
    data = attrs.asdict(done)
    ctx.emit(data, ", ".join(f"{k}: {v}" for k, v in data.items()))
    return EXIT_OK


AUDIT_COMMANDS: dict[tuple[str, str | None], Callable[[Context, argparse.Namespace], int]] = {
    ("audit", "verify"): audit_verify,
    ("audit", "checkpoint"): audit_checkpoint,
    ("audit", "restored"): audit_restored,
    ("audit", "certificate"): audit_certificate,
    ("audit", "certificates"): audit_certificates,
    ("lookups", "reindex"): lookups_reindex,
}
