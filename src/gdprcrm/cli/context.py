"""What every CLI handler shares: output, the working files, the Controller, parsing."""

from __future__ import annotations

import argparse
import base64
import json
import os
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gdprcrm.errors import InvalidInput

if TYPE_CHECKING:
    from gdprcrm.model import SubjectId
    from gdprcrm.service import Controller

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CHECK_FAILED",
    "EXIT_FAILURE",
    "EXIT_OK",
    "Context",
    "Files",
    "instant",
    "missing_file_help",
    "pairs",
    "parse_uuid",
    "subject_id",
]

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_FAILURE = 3


class Files:
    """The working folder's files (see the module docstring of :mod:`gdprcrm.cli`)."""

    def __init__(self, folder: Path, declarations: Path | None) -> None:
        self.folder = folder
        self.declarations = declarations or folder / "gdprcrm.toml"
        self.db = folder / "crm.db"
        self.kek = folder / "crm.kek"
        self.signer = folder / "crm.signer.pem"
        self.audit_key = folder / "crm.audit.key"
        self.keys_db = folder / "crm.db.keys.db"
        self.checkpoints = folder / "crm.db.checkpoints"

    @property
    def secrets(self) -> tuple[Path, ...]:
        return (self.kek, self.signer, self.audit_key)


def signer_password() -> bytes | None:
    value = os.environ.get("GDPRCRM_SIGNER_PASSWORD")
    return value.encode() if value else None


class Context:
    """Output in text or JSON, the files, and the Controller opened on first use."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.as_json: bool = args.json
        self.files = Files(args.dir if args.dir is not None else Path("."), args.declarations)
        self._crm: Controller | None = None

    def emit(self, data: Any, text: str) -> None:
        """One JSON document with ``--json``, else the plain text."""
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            print(text)

    @property
    def crm(self) -> Controller:
        """The Controller over the working folder (opened once, closed by main)."""
        if self._crm is None:
            self._crm = open_controller(self.files)
        return self._crm

    def close(self) -> None:
        crm, self._crm = self._crm, None
        if crm is not None:
            crm.close()

    def open_restored(self) -> Controller:
        """The Controller, opened after a restore of the data store (see
        :meth:`gdprcrm.service.Controller.acknowledge_restore`)."""
        self.close()
        self._crm = open_controller(self.files, restored=True)
        return self._crm

    def open_as_found(self) -> Controller:
        """The Controller, opened without reconciling anything (to verify)."""
        self.close()
        self._crm = open_controller(self.files, reconcile=False)
        return self._crm


def open_controller(files: Files, *, restored: bool = False, reconcile: bool = True) -> Controller:
    from gdprcrm.config import load_declarations
    from gdprcrm.service import Controller
    from gdprcrm.signing import CertificateSigner
    from gdprcrm.vault import KeyFileKekSource

    for needed in (files.declarations, *files.secrets):
        if not needed.exists():
            raise FileNotFoundError(missing_file_help(files, needed))
    declarations = load_declarations(files.declarations)
    signer = CertificateSigner.from_pem(
        files.signer.read_bytes(), declarations.controller.id, password=signer_password()
    )
    audit_key = base64.b64decode(files.audit_key.read_bytes().strip())
    return Controller.open(
        files.db,
        declarations,
        kek=KeyFileKekSource(files.kek),
        signer=signer,
        audit_key=audit_key,
        checkpoints=files.checkpoints,
        restored=restored,
        reconcile=reconcile,
    )


def missing_file_help(files: Files, missing: Path) -> str:
    """What to do about one missing file: a new folder is initialised; in a folder that
    holds data, a KEK or an audit key is restored from its backup (no new one can open
    the keys or verify the trail), the rest ``init --repair`` recreates."""
    if not files.db.exists() and not files.keys_db.exists():
        return f"{missing} is missing: run `gdprcrm init` first"
    if missing == files.kek:
        return (
            f"{missing} is missing: restore it from its backup; the keys in "
            f"{files.keys_db.name} are wrapped by it and no new KEK can open them"
        )
    if missing == files.audit_key:
        return (
            f"{missing} is missing: restore it from its backup; without it the audit "
            "trail's HMAC chain cannot be verified or extended"
        )
    return f"{missing} is missing: restore it, or `gdprcrm init --repair` recreates it"


def pairs(items: Sequence[str] | None) -> dict[str, str]:
    """``--field name=value`` options as a mapping."""
    out = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InvalidInput(f"--field {item!r}: expected name=value")
        out[name] = value
    return out


def instant(text: str | None) -> datetime | None:
    """An ``--at`` option: an ISO 8601 instant with its offset."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"not an ISO 8601 instant: {text!r} (e.g. 2026-03-01T09:00:00+01:00)"
        ) from None


def subject_id(text: str) -> SubjectId:
    from gdprcrm.model import SubjectId

    return SubjectId.parse(text)


def parse_uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(f"not an id: {text!r}") from None
