"""Rows of the SQL key stores (SQLite and PostgreSQL share one table layout)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from gdprcrm.model import SubjectId
from gdprcrm.vault.keystore import Tombstone, WrappedKey

__all__ = ["destroyed_text", "key_from_row", "tombstone_from_row"]


def key_from_row(row: Iterable[Any], subject_id: SubjectId | None = None) -> WrappedKey:
    """A ``vault_keys`` row: (subject, version, kek_id, wrapped, kcv, created)."""
    subject, version, kek_id, wrapped, kcv, created = row
    return WrappedKey(
        subject_id if subject_id is not None else SubjectId(uuid.UUID(bytes=bytes(subject))),
        version,
        kek_id,
        bytes(wrapped),
        bytes(kcv),
        datetime.fromisoformat(created),
    )


def destroyed_text(destroyed: Iterable[tuple[int, bytes]]) -> str:
    """The destroyed key versions and check values, as stored in a tombstone row."""
    return json.dumps([[v, bytes(k).hex()] for v, k in destroyed])


def tombstone_from_row(row: Iterable[Any]) -> Tombstone:
    """A ``vault_tombstones`` row: (subject, shredded_at, destroyed)."""
    subject, at, destroyed = row
    return Tombstone(
        SubjectId(uuid.UUID(bytes=bytes(subject))),
        datetime.fromisoformat(at),
        tuple((int(v), bytes.fromhex(k)) for v, k in json.loads(destroyed)),
    )
