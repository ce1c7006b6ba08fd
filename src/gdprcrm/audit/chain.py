"""The tamper-evident audit trail (Art. 5(2): the controller demonstrates compliance).

Each :class:`~gdprcrm.model.AuditEntry` is hashed exactly once, when it is appended:
``hash = SHA-256(previous_hash || canonical bytes of the entry)``, or HMAC-SHA256 under
a secret key when one is given, so that someone with write access to the database
cannot rebuild a consistent chain after tampering. :func:`verify` walks the chain and
returns the first broken link and why: an entry altered, removed, reordered or
inserted. No entry holds anything personal (the model refuses it), so erasing a
person never breaks verification.

Canonical bytes: compact JSON with sorted keys, ASCII only, of ``sequence``, ``at``
(ISO 8601 UTC, microseconds), ``actor``, ``action``, ``subject`` (the opaque id or
null), ``purpose`` and ``details``. :func:`encode` is the reference.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

import attrs

from gdprcrm.contact_points import DEFAULT_REGION
from gdprcrm.errors import InvalidInput
from gdprcrm.model import AuditEntry, DetailValue, SubjectId
from gdprcrm.model._checks import check_aware, to_pairs
from gdprcrm.personal_data import BIRTH_DATE_HORIZON, check_code, earliest_date_in_code

_CLEAN_SHAPES = 4096

__all__ = [
    "GENESIS",
    "UNKEYED_AUDIT_CHAIN",
    "AuditChain",
    "BreakReason",
    "ChainRecord",
    "Verification",
    "encode",
    "verify",
    "verify_records",
]

GENESIS = b""
"""The previous hash of the first entry."""

_SET = {a.name: AuditEntry.__dict__[a.name].__set__ for a in attrs.fields(AuditEntry)}
_SET_SEQUENCE, _SET_AT, _SET_ACTOR, _SET_ACTION = (
    _SET["sequence"],
    _SET["at"],
    _SET["actor"],
    _SET["action"],
)
_SET_SUBJECT, _SET_PURPOSE, _SET_DETAILS = _SET["subject_id"], _SET["purpose_id"], _SET["details"]
_SET_PREVIOUS, _SET_HASH = _SET["previous_hash"], _SET["hash"]
_PLAIN = frozenset({str, int, bool, type(None)})
"""The exact types a detail value may have (no subclass, no float equal to an int): a
shape built before is built again without re-running the model's validators only when
every value has one of these."""


def _unchecked(
    sequence: int,
    at: datetime,
    actor: str,
    action: str,
    subject_id: SubjectId | None,
    purpose_id: str | None,
    details: tuple[tuple[str, DetailValue], ...],
) -> AuditEntry:
    """An AuditEntry from values whose shape the model validated before (next_entry);
    its hashes are set once computed."""
    entry: AuditEntry = object.__new__(AuditEntry)
    _SET_SEQUENCE(entry, sequence)
    _SET_AT(entry, at)
    _SET_ACTOR(entry, actor)
    _SET_ACTION(entry, action)
    _SET_SUBJECT(entry, subject_id)
    _SET_PURPOSE(entry, purpose_id)
    _SET_DETAILS(entry, details)
    return entry


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _instant(at: datetime) -> str:
    # Entries hold UTC instants (the model converts); isoformat is canonical for them.
    return (at if at.tzinfo is UTC else at.astimezone(UTC)).isoformat()


_UNSEEN = date.min
"""No entry of this shape was checked yet (a date no code can write)."""


def encode(entry: AuditEntry) -> bytes:
    """The canonical bytes of an entry (everything but its hashes)."""
    return _ENCODER.encode(
        {
            "action": entry.action,
            "actor": entry.actor,
            "at": _instant(entry.at),
            "details": dict(entry.details),
            "purpose": entry.purpose_id,
            "sequence": entry.sequence,
            "subject": None if entry.subject_id is None else str(entry.subject_id),
        }
    ).encode()


_ID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""An opaque id as the model writes it (``str(uuid)``): valid in every entry, clean for
the personal-data guard (it writes no date and holds nothing personal), and its JSON
text needs no escaping."""


class _Slot:
    """Stands in a shape for a detail value that is an opaque id (a certificate's, new on
    every entry): entries that differ only there share their shape's fragments."""

    __slots__ = ()


_SLOT = _Slot()
_SLOT_JSON = '"\\u0000"'
"""How the encoder writes the marker text that stands for a slot while the fragments
are built: no validated code or key can produce a backslash."""


def _skeleton(
    pairs: tuple[tuple[str, DetailValue], ...],
) -> tuple[tuple[tuple[str, object], ...], tuple[str, ...]]:
    """The details with each opaque id replaced by the slot, and those ids in order."""
    for _, value in pairs:  # most shapes have no id: no new tuple for them
        if type(value) is str and len(value) == 36 and _ID_TEXT.fullmatch(value):
            break
    else:
        return pairs, ()
    ids: list[str] = []
    skeleton: list[tuple[str, object]] = []
    for key, value in pairs:
        if type(value) is str and len(value) == 36 and _ID_TEXT.fullmatch(value):
            ids.append(value)
            skeleton.append((key, _SLOT))
        else:
            skeleton.append((key, value))
    return tuple(skeleton), tuple(ids)


def _fragments(
    entry: AuditEntry, skeleton: tuple[tuple[str, object], ...]
) -> tuple[bytes, tuple[bytes, ...]]:
    """The canonical bytes of an entry's shape, around its instant, its opaque ids and
    its sequence: ``encode(entry) == head + at + middle[0] + id + middle[1] + ... +
    sequence + subject part``. The keys sort as action, actor, at, details, purpose,
    sequence, subject; an ISO instant and a UUID need no JSON escaping, and an int
    encodes as its decimal digits."""
    head = _ENCODER.encode({"action": entry.action, "actor": entry.actor})[:-1]
    marked = {k: "\x00" if v is _SLOT else v for k, v in skeleton}
    middle = _ENCODER.encode({"details": marked, "purpose": entry.purpose_id})
    # Each id is written between quotes: they close the piece before it and open the next.
    pieces = ('",' + middle[1:-1] + ',"sequence":').split(_SLOT_JSON)
    return (head + ',"at":"').encode(), tuple(
        (('"' if i else "") + piece + ('"' if i < len(pieces) - 1 else "")).encode()
        for i, piece in enumerate(pieces)
    )


class _UnkeyedAuditChain:
    """The explicit opt-out of a keyed audit chain (see :data:`UNKEYED_AUDIT_CHAIN`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKEYED_AUDIT_CHAIN"


UNKEYED_AUDIT_CHAIN = _UnkeyedAuditChain()
"""Pass as ``audit_key`` to ``Controller.open`` to run a plain SHA-256 chain: anyone who
can write the database can then rewrite the trail and recompute every hash (Art. 5(2)
proves nothing against them). For tests and demos; in production give a key kept
outside the database (``gdprcrm init`` writes one)."""


class AuditChain:
    """Builds the next entry of a chain: the sequence, the link and the hash, once.

    ``key`` (32 bytes or more) switches from SHA-256 to HMAC-SHA256: keep it outside
    the database, and the chain cannot be rebuilt by someone who can only write there.

    Every entry passes the personal-data guard (:mod:`gdprcrm.personal_data`) first:
    actor, action, detail keys and values; ``region`` reads national phone numbers.
    """

    __slots__ = ("_built", "_clean", "_instant_text", "_mac", "_region", "_subject_text")

    def __init__(self, key: bytes | None = None, *, region: str = DEFAULT_REGION) -> None:
        if key is not None and (not isinstance(key, bytes) or len(key) < 32):
            raise InvalidInput("the audit HMAC key needs at least 32 bytes")
        self._mac = None if key is None else hmac.new(key, digestmod=hashlib.sha256)
        self._region = region
        self._built: dict[tuple[object, ...], tuple[bytes, tuple[bytes, ...]]] = {}
        """(actor, action, purpose, details) the model validated once -> its canonical
        fragments (:func:`_fragments`): built again without its validators (each
        value's exact type is still checked) and encoded without the JSON encoder."""
        self._instant_text: tuple[datetime | None, bytes] = (None, b"")
        self._subject_text: tuple[SubjectId | None, bytes] = (None, b"null")
        """The last subject's canonical part: a trail names one person several times in
        a row."""
        self._clean: dict[tuple[object, ...], date | None] = {}
        """Entries' codes found clean -> the earliest date they write (None: none): the
        trail repeats its shapes, so the guard runs once per shape (and day horizon)."""

    @property
    def region(self) -> str:
        """Where the guard reads national telephone numbers."""
        return self._region

    def digest(self, previous: bytes, canonical: bytes) -> bytes:
        """One chain step."""
        if self._mac is None:
            return hashlib.sha256(previous + canonical).digest()
        mac = self._mac.copy()
        mac.update(previous + canonical)
        return mac.digest()

    def next_entry(
        self,
        head: AuditEntry | None,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_id: SubjectId | None = None,
        purpose_id: str | None = None,
        details: Mapping[str, DetailValue] | Iterable[tuple[str, DetailValue]] = (),
    ) -> AuditEntry:
        """The entry that follows ``head`` (None for the first), hashed and linked.

        Time never goes back along the chain (Art. 5(2): the order of the record is the
        order of events): an entry earlier than ``head`` is refused."""
        at = check_aware(at, "audit entry (at)")  # a typed error, not a failed compare
        if head is not None and at < head.at:
            raise InvalidInput(
                "audit: an entry cannot be earlier than the head of the chain "
                f"(entry {head.sequence} is at {head.at.isoformat()})"
            )
        sequence = 0 if head is None else head.sequence + 1
        pairs = to_pairs(details)
        plain = (
            isinstance(pairs, tuple)
            and type(actor) is str
            and type(action) is str
            and (purpose_id is None or type(purpose_id) is str)
            and all(type(key) is str and type(value) in _PLAIN for key, value in pairs)
            and (subject_id is None or type(subject_id) is SubjectId)
        )
        skeleton, ids = _skeleton(pairs) if plain else (pairs, ())
        shape = (actor, action, purpose_id, skeleton)
        # hashable when plain: every part's type was checked first
        fragments = self._built.get(shape) if plain else None
        if fragments is not None:
            # The trail repeats its shapes: the codes of this one passed the model's
            # validators before; the instant (checked above), the subject, the value
            # types and the opaque ids in its slots (each a canonical UUID) are new.
            draft = _unchecked(sequence, at, actor, action, subject_id, purpose_id, pairs)
        else:
            draft = AuditEntry(
                sequence=sequence,
                at=at,
                actor=actor,
                action=action,
                subject_id=subject_id,
                purpose_id=purpose_id,
                details=pairs,
            )
            if not plain:
                skeleton = draft.details
            if len(self._built) >= _CLEAN_SHAPES:
                self._built.clear()
            fragments = _fragments(draft, skeleton)
            if plain:
                self._built[shape] = fragments
        self._guard(draft, skeleton)
        previous = GENESIS if head is None else head.hash
        canonical = self._canonical(draft, fragments, ids)
        own = self.digest(previous, canonical)
        # The draft was validated once, is not shared yet, and its hash covers
        # everything but the hashes: fill them in place rather than validating again.
        _SET_PREVIOUS(draft, previous)
        _SET_HASH(draft, own)
        return draft

    def _canonical(
        self, entry: AuditEntry, fragments: tuple[bytes, tuple[bytes, ...]], ids: tuple[str, ...]
    ) -> bytes:
        """``encode(entry)``, from its shape's fragments: the instant, the opaque ids in
        the shape's slots, the sequence and the subject spliced in."""
        last, subject = self._subject_text
        if entry.subject_id is not last:
            subject_id = entry.subject_id
            subject = b"null" if subject_id is None else b'"' + str(subject_id).encode() + b'"'
            self._subject_text = (subject_id, subject)
        last_at, instant = self._instant_text
        if entry.at is not last_at:  # the entries of one operation share their instant
            instant = _instant(entry.at).encode()
            self._instant_text = (entry.at, instant)
        middle = fragments[1]
        sequence = str(entry.sequence).encode()
        if not ids:
            return b"".join(
                (fragments[0], instant, middle[0], sequence, b',"subject":', subject, b"}")
            )
        parts = [fragments[0], instant, middle[0]]
        for text, piece in zip(ids, middle[1:], strict=True):
            parts += (text.encode(), piece)
        parts += (sequence, b',"subject":', subject, b"}")
        return b"".join(parts)

    def _guard(self, entry: AuditEntry, skeleton: tuple[tuple[str, object], ...]) -> None:
        """Art. 5(1)(c), 17: the trail outlives every erasure, so nothing in it may
        identify a person (a date far in the past beside a person is a date of birth).
        ``skeleton`` is the details with their opaque ids as slots: an id holds nothing
        personal and writes no date, so entries differing only there share a verdict."""
        shape = (entry.actor, entry.action, skeleton)
        first = self._clean.get(shape, _UNSEEN)
        if first is None:  # seen, and it writes no date
            return
        day = entry.at.date()
        if first is not _UNSEEN and first >= day - BIRTH_DATE_HORIZON:
            return
        self._check(entry, day)
        if len(self._clean) >= _CLEAN_SHAPES:
            self._clean.clear()
        dates = [
            d
            for value in (entry.actor, entry.action, *(v for pair in entry.details for v in pair))
            if (d := earliest_date_in_code(value, self._region)) is not None
        ]
        self._clean[shape] = min(dates, default=None)

    def _check(self, entry: AuditEntry, day: date) -> None:
        check_code(entry.actor, "audit actor", at=day, region=self._region)
        check_code(entry.action, "audit action", at=day, region=self._region)
        for key, value in entry.details:
            check_code(key, "audit detail key", at=day, region=self._region)
            check_code(value, f"audit detail {key!r}", at=day, region=self._region)


class BreakReason(enum.Enum):
    ALTERED = "altered"  # the entry's content no longer matches its hash
    REMOVED = "removed"  # entries are missing before this one (a sequence gap)
    REORDERED = "reordered"  # an entry appears out of its place
    INSERTED = "inserted"  # an entry that does not belong to the chain
    CHECKPOINT = "checkpoint"  # the checkpointed entry is not the one a checkpoint signed
    TRUNCATED = "truncated"  # the chain ends before a signed checkpoint's head
    HEAD_MOVED = "head-moved"  # the stored head names another entry than the last one


@attrs.frozen
class Verification:
    """The outcome of :func:`verify`: ``ok``, or the first broken link and why."""

    ok: bool
    checked: int
    broken_at: int | None = None
    """Position (0-based) in the verified sequence of the first bad entry."""
    sequence: int | None = None
    """That entry's sequence number."""
    reason: BreakReason | None = None

    def __bool__(self) -> bool:
        return self.ok


@attrs.frozen
class ChainRecord:
    """An entry as stored: its sequence, canonical bytes and hashes (fast verification)."""

    sequence: int
    canonical: bytes
    previous_hash: bytes
    hash: bytes


def verify(
    entries: Iterable[AuditEntry],
    *,
    key: bytes | None = None,
    start: AuditEntry | None = None,
    checkpoint: tuple[int, bytes] | None = None,
) -> Verification:
    """Walk ``entries`` (in stored order) and return the first broken link, if any.

    ``start`` is the entry before the first one given (to verify a range);
    ``checkpoint`` a ``(sequence, hash)`` pair from a signed checkpoint that the chain
    must contain.
    """
    return verify_records(
        (ChainRecord(e.sequence, encode(e), e.previous_hash, e.hash) for e in entries),
        key=key,
        start=None if start is None else (start.sequence, start.hash),
        checkpoint=checkpoint,
    )


def verify_records(
    records: Iterable[ChainRecord],
    *,
    key: bytes | None = None,
    start: tuple[int, bytes] | None = None,
    checkpoint: tuple[int, bytes] | None = None,
) -> Verification:
    """:func:`verify` over stored records: hashes the stored canonical bytes directly."""
    mac = None if key is None else AuditChain(key)
    sha = hashlib.sha256
    first, previous = (0, GENESIS) if start is None else (start[0] + 1, start[1])
    expected = first
    mark, mark_hash = checkpoint if checkpoint is not None else (-1, b"")
    checkpoint_seen = checkpoint is None
    position = -1
    iterator = iter(records)
    for position, record in enumerate(iterator):
        link = record.previous_hash
        own = record.hash
        # One hash per entry, nothing else on the common path.
        digest = (
            sha(link + record.canonical).digest()
            if mac is None
            else mac.digest(link, record.canonical)
        )
        sequence = record.sequence
        if digest != own:
            return Verification(False, position, position, sequence, BreakReason.ALTERED)
        if sequence != expected or link != previous:
            reason = _why(sequence, expected, first, iterator)
            return Verification(False, position, position, sequence, reason)
        if sequence == mark:
            if own != mark_hash:
                return Verification(False, position, position, sequence, BreakReason.CHECKPOINT)
            checkpoint_seen = True
        previous = own
        expected = sequence + 1
    checked = position + 1
    if not checkpoint_seen:
        reason = BreakReason.TRUNCATED if expected <= mark else BreakReason.CHECKPOINT
        return Verification(False, checked, None, None, reason)
    return Verification(True, checked)


def _why(sequence: int, expected: int, first: int, rest: Iterable[ChainRecord]) -> BreakReason:
    if first <= sequence < expected:
        return BreakReason.INSERTED  # a number already used by a verified entry
    if sequence > expected:
        later = {r.sequence for r in rest}
        return BreakReason.REORDERED if expected in later else BreakReason.REMOVED
    if sequence < expected:
        return BreakReason.REORDERED
    return BreakReason.INSERTED  # right number, wrong link: not the entry that was chained
