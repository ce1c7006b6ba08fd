"""The raw floors the sweep benchmarks (P15) compare with, written without gdprcrm: plain
``sqlite3``/``psycopg`` statements, ``json`` and the signer's Ed25519 key.

- :func:`raw_floor` is P15's floor as PERFORMANCE.md defines it: the same deletes and
  tombstones, one Ed25519 signature per subject, one commit per batch.
- :func:`accountable_floor` (an info figure, no bar) adds what an erasure must also
  write to be provable and what it must read to know what it erases, done as cheaply as
  raw code can: each subject's document read and rewritten, a signed certificate over a
  canonical JSON payload, an HMAC-chained audit row per expired purpose and one for the
  subject (Art. 5(2)), a notice row per recipient (Art. 19). The ratio to it is what the
  library's own machinery costs on top of the work the law asks for.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gdprcrm.signing import CertificateSigner

__all__ = ["BATCH", "accountable_floor", "raw_floor", "raw_floor_postgres"]

BATCH = 1_000
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def _connect(folder: Path) -> tuple[sqlite3.Connection, sqlite3.Connection]:
    data = sqlite3.connect(folder / "crm.db", isolation_level=None)
    keys = sqlite3.connect(folder / "crm.db.keys.db", isolation_level=None)
    for db in (data, keys):
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA secure_delete=ON")
    return data, keys


def _shred_keys(keys: sqlite3.Connection, batch: list[bytes], now: str) -> None:
    marks = ",".join("?" * len(batch))
    keys.execute("BEGIN IMMEDIATE")
    keys.execute(f"DELETE FROM vault_keys WHERE subject IN ({marks})", batch)  # noqa: S608
    keys.executemany(
        "INSERT INTO vault_tombstones VALUES (?, ?, ?)", [(b, now, "1:00") for b in batch]
    )
    keys.execute("COMMIT")
    keys.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _commit_with_tombstones(data: sqlite3.Connection, batch: list[bytes], now: str) -> None:
    """The data store's copy of each tombstone, then the commit and the WAL truncation."""
    data.executemany(
        "INSERT INTO gdprcrm_tombstones VALUES (?, ?, ?)", [(b, now, "1:00") for b in batch]
    )
    data.execute("COMMIT")
    data.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def raw_floor(folder: Path, ids: list[uuid.UUID], signer: CertificateSigner) -> float:
    """The same erasures, batched: what the sweep could cost at best."""
    data, keys = _connect(folder)
    start = time.perf_counter()
    for first in range(0, len(ids), BATCH):
        batch = [u.bytes for u in ids[first : first + BATCH]]
        marks = ",".join("?" * len(batch))
        now = datetime.now(UTC).isoformat()
        _shred_keys(keys, batch, now)
        for b in batch:  # one signed certificate per subject
            signer.sign_bytes(b"gdprcrm erasure certificate v1\n" + b + now.encode())
        data.execute("BEGIN IMMEDIATE")
        for table in ("gdprcrm_fields", "gdprcrm_index", "gdprcrm_retention"):
            data.execute(f"DELETE FROM {table} WHERE subject_id IN ({marks})", batch)  # noqa: S608
        data.execute(
            f"UPDATE gdprcrm_subjects SET status = 'erased' WHERE id IN ({marks})",  # noqa: S608
            batch,
        )
        _commit_with_tombstones(data, batch, now)
    elapsed = time.perf_counter() - start
    data.close()
    keys.close()
    return elapsed


def raw_floor_postgres(conn: Any, ids: list[uuid.UUID], signer: CertificateSigner) -> float:
    """The SQLite floor's work on PostgreSQL: one statement per table per batch."""
    start = time.perf_counter()
    for first in range(0, len(ids), BATCH):
        batch = [u.bytes for u in ids[first : first + BATCH]]
        now = datetime.now(UTC).isoformat()
        with conn.transaction():
            conn.execute("DELETE FROM vault_keys WHERE subject = ANY(%s)", (batch,))
            conn.cursor().executemany(
                "INSERT INTO vault_tombstones VALUES (%s, %s, %s)",
                [(b, now, "1:00") for b in batch],
            )
        for b in batch:  # one signed certificate per subject
            signer.sign_bytes(b"gdprcrm erasure certificate v1\n" + b + now.encode())
        with conn.transaction():
            for table in ("gdprcrm_fields", "gdprcrm_index", "gdprcrm_retention"):
                conn.execute(f"DELETE FROM {table} WHERE subject_id = ANY(%s)", (batch,))  # noqa: S608
            conn.execute(
                "UPDATE gdprcrm_subjects SET status = 'erased' WHERE id = ANY(%s)", (batch,)
            )
            conn.cursor().executemany(
                "INSERT INTO gdprcrm_tombstones VALUES (%s, %s, %s)",
                [(b, now, "1:00") for b in batch],
            )
    return time.perf_counter() - start


def _certificate(signer: CertificateSigner, subject: str, now: str) -> str:
    """A certificate as raw code would make one: canonical JSON, signed; its id."""
    cert_id = str(uuid.uuid4())
    payload = {
        "type": "erasure-certificate",
        "certificate_id": cert_id,
        "subject_id": subject,
        "shredded_at": now,
        "issued_at": now,
        "destroyed_keys": [{"version": 1, "kcv": "00" * 8}],
        "signer_id": signer.signer_id,
    }
    signer.sign_bytes(b"erasure certificate\n" + _CANONICAL.encode(payload).encode())
    return cert_id


class _Trail:
    """An HMAC-SHA256 chain over canonical JSON, each entry stored as a JSON row."""

    def __init__(self, data: sqlite3.Connection, key: bytes) -> None:
        self._data, self._key = data, key
        self._rows: list[tuple[int, str]] = []

    def open(self) -> None:
        (sequence,) = self._data.execute(
            "SELECT sequence FROM gdprcrm_audit_head WHERE one = 1"
        ).fetchone()
        self.sequence = sequence
        row = self._data.execute(
            "SELECT doc FROM gdprcrm_audit WHERE sequence = ?", (sequence,)
        ).fetchone()
        self.previous = b"" if row is None else bytes.fromhex(json.loads(row[0])["hash"])

    def append(
        self, action: str, subject: str, purpose: str | None, details: dict[str, Any]
    ) -> None:
        self.sequence += 1
        body = {
            "sequence": self.sequence,
            "at": datetime.now(UTC).isoformat(),
            "actor": "system",
            "action": action,
            "subject": subject,
            "purpose": purpose,
            "details": details,
        }
        digest = hmac.new(
            self._key, self.previous + _CANONICAL.encode(body).encode(), hashlib.sha256
        ).digest()
        body["previous_hash"], body["hash"] = self.previous.hex(), digest.hex()
        self._rows.append((self.sequence, _COMPACT.encode(body)))
        self.previous = digest

    def flush(self) -> None:
        self._data.executemany("INSERT INTO gdprcrm_audit VALUES (?, ?)", self._rows)
        self._data.execute(
            "UPDATE gdprcrm_audit_head SET sequence = ? WHERE one = 1", (self.sequence,)
        )
        self._rows = []


def accountable_floor(
    folder: Path,
    ids: list[uuid.UUID],
    signer: CertificateSigner,
    audit_key: bytes,
    recipients: tuple[str, ...],
) -> float:
    """:func:`raw_floor` plus the reads and the accountable writes of each erasure."""
    data, keys = _connect(folder)
    trail = _Trail(data, audit_key)
    start = time.perf_counter()
    for first in range(0, len(ids), BATCH):
        batch = [u.bytes for u in ids[first : first + BATCH]]
        marks = ",".join("?" * len(batch))
        now = datetime.now(UTC).isoformat()
        data.execute("BEGIN IMMEDIATE")
        docs = {
            bytes(sid): json.loads(doc)
            for sid, doc in data.execute(
                f"SELECT id, doc FROM gdprcrm_subjects WHERE id IN ({marks})",  # noqa: S608
                batch,
            )
        }
        fields = Counter(
            bytes(sid)
            for (sid,) in data.execute(
                f"SELECT subject_id FROM gdprcrm_fields WHERE subject_id IN ({marks})",  # noqa: S608
                batch,
            )
        )
        _shred_keys(keys, batch, now)
        certificates = {b: _certificate(signer, str(uuid.UUID(bytes=b)), now) for b in batch}
        for table in ("gdprcrm_fields", "gdprcrm_index", "gdprcrm_retention"):
            data.execute(f"DELETE FROM {table} WHERE subject_id IN ({marks})", batch)  # noqa: S608
        for table in ("gdprcrm_duties", "gdprcrm_erasures"):
            data.execute(f"DELETE FROM {table} WHERE subject_id IN ({marks})", batch)  # noqa: S608
        rewritten = []
        notices = []
        trail.open()
        for b in batch:
            doc = docs[b]
            subject = str(uuid.UUID(bytes=b))
            for purpose in doc["purposes"]:
                trail.append("retention.erased", subject, purpose, {"fields": fields[b]})
            trail.append("subject.erased", subject, None, {"certificate": certificates[b]})
            doc.update(status="erased", purposes=[], birth_date=None, source=None)
            rewritten.append(("erased", _COMPACT.encode(doc), b))
            for recipient in recipients:
                notice = {"id": str(uuid.uuid4()), "subject_id": subject, "at": now}
                notices.append(
                    (
                        uuid.UUID(notice["id"]).bytes,
                        b,
                        0,
                        now,
                        _COMPACT.encode({**notice, "recipient": recipient, "event": "erasure"}),
                    )
                )
        data.executemany("UPDATE gdprcrm_subjects SET status = ?, doc = ? WHERE id = ?", rewritten)
        data.executemany("INSERT INTO gdprcrm_notifications VALUES (?, ?, ?, ?, ?)", notices)
        trail.flush()
        _commit_with_tombstones(data, batch, now)
    elapsed = time.perf_counter() - start
    data.close()
    keys.close()
    return elapsed
