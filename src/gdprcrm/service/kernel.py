"""The small kernel every workflow shares: clock, audit append, state loading, sealing.

Nothing here decides anything: these are the mechanical steps each GDPR operation
repeats (read the instant, load what a rule needs, encrypt values, append an audit
entry) inside the unit of work the operation opened. Helpers never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

import attrs

from gdprcrm.audit import Anchor, AuditChain, Checkpoint, check_head, sign_checkpoint
from gdprcrm.clock import Clock
from gdprcrm.contact_points import phone_region
from gdprcrm.deadlines import HolidayCalendar
from gdprcrm.errors import (
    AuditTampered,
    DecryptionError,
    SubjectErased,
    UnknownRecord,
)
from gdprcrm.model import (
    DEFAULT_MARKETING_LAWS,
    BlindIndexEntry,
    ConsentAges,
    ConsentEvent,
    Declarations,
    DetailValue,
    MarketingLaws,
    NotificationEvent,
    Objection,
    PersonalField,
    RecipientNotification,
    Restriction,
    Subject,
    SubjectId,
    SubjectStatus,
)
from gdprcrm.model._checks import check_aware
from gdprcrm.policy import SubjectState
from gdprcrm.policy.retention import anchors_of, schedule_for
from gdprcrm.policy.scopes import value_group
from gdprcrm.storage.protocols import Storage, UnitOfWork
from gdprcrm.vault import ErasureCertificate, KeyVault, Tombstone

__all__ = ["BIRTH_DATE_FIELD", "Kernel", "tombstone_of"]

BIRTH_DATE_FIELD = "gdprcrm_birth_date"
"""The reserved field that holds a birth date, encrypted like every personal value."""


class Kernel:
    """What every workflow needs, wired once by the Controller."""

    __slots__ = (
        "actor",
        "ages",
        "anchor",
        "audit_key",
        "calendar",
        "chain",
        "clock",
        "declarations",
        "laws",
        "storage",
        "vault",
    )

    def __init__(
        self,
        storage: Storage,
        vault: KeyVault,
        declarations: Declarations,
        clock: Clock,
        *,
        audit_key: bytes | None,
        actor: str,
        ages: ConsentAges,
        calendar: HolidayCalendar,
        anchor: Anchor | None = None,
        laws: MarketingLaws = DEFAULT_MARKETING_LAWS,
    ) -> None:
        self.storage = storage
        self.vault = vault
        self.declarations = declarations
        self.clock = clock
        self.chain = AuditChain(
            audit_key, region=phone_region(declarations.controller.establishment)
        )
        self.audit_key = audit_key
        self.anchor = anchor
        self.actor = actor
        self.ages = ages
        self.calendar = calendar
        self.laws = laws

    @property
    def tz(self) -> str:
        """The controller's legal time zone: the calendar dates of Art. 12 deadlines."""
        return self.declarations.controller.legal_timezone

    def now(self, at: datetime | None) -> datetime:
        """``at`` if given (it must be aware), else the clock's instant."""
        return self.clock.now() if at is None else check_aware(at, "at")

    def audit(
        self,
        uow: UnitOfWork,
        action: str,
        subject_id: SubjectId | None = None,
        purpose_id: str | None = None,
        *,
        at: datetime,
        details: Mapping[str, DetailValue] | None = None,
    ) -> None:
        """Append one audit entry (Art. 5(2)) in ``uow``: non-personal details only.

        The head is read in the unit (under its write lock), and the entry's instant is
        never earlier than the head's: an operation dated in the past (``at=``) or a
        clock that stepped back is recorded at the head's instant, so the trail stays
        in order."""
        head = uow.audit.head()
        if self.anchor is not None:  # refuse a truncated chain; checkpoint every N
            self.anchor.before_append(uow, head, at)
        if head is None and uow.audit.range(0, 1):
            raise AuditTampered(
                "the audit trail's head names no entry, yet it has entries: its last "
                "entries were removed"
            )
        entry = self.chain.next_entry(
            head,
            at=at if head is None or at >= head.at else head.at,
            actor=self.actor,
            action=action,
            subject_id=subject_id,
            purpose_id=purpose_id,
            details=details or {},
        )
        uow.audit.append(entry)
        if self.anchor is not None:
            self.anchor.appended(entry)

    def check_anchor(self) -> None:
        """AuditTampered unless the stored trail reaches the latest checkpoint filed."""
        if self.anchor is None or self.anchor.latest is None:
            return
        with self.storage.unit_of_work(read_only=True) as uow:
            check_head(uow, uow.audit.head(), self.anchor.latest)

    def checkpoint(self, at: datetime | None = None) -> Checkpoint | None:
        """Sign a checkpoint of the committed head (filed by the anchor, if any) after
        checking the chain still reaches the latest one; None for an empty trail."""
        now = self.now(at)
        with self.storage.unit_of_work(read_only=True) as uow:
            head = uow.audit.head()
            if self.anchor is not None and self.anchor.latest is not None:
                check_head(uow, head, self.anchor.latest)
        if head is None:
            return None
        if self.anchor is not None:
            return self.anchor.take(head, now)
        return sign_checkpoint(head, self.vault.signer, max(now, head.at))

    def acknowledge_restore(self, at: datetime | None = None) -> Checkpoint | None:
        """The operator restored the data store from a backup: if the trail no longer
        reaches the latest checkpoint, record that (``audit.restored``, with the entry the
        checkpoint held and the restored head) and file a ``restore`` checkpoint from
        which the trail goes on. The checkpoints before it keep what was lost provable.
        None when nothing was lost (or nothing is filed)."""
        anchor = self.anchor
        if anchor is None or anchor.latest is None:
            return None
        now = self.now(at)
        lost = anchor.latest
        with self.storage.unit_of_work() as uow:
            head = uow.audit.head()
            try:
                check_head(uow, head, lost)
            except AuditTampered:
                pass
            else:
                return None
            entry = self.chain.next_entry(
                head,
                at=now if head is None or now >= head.at else head.at,
                actor=self.actor,
                action="audit.restored",
                details={
                    "checkpoint": lost.sequence,
                    "restored_head": -1 if head is None else head.sequence,
                },
            )
            uow.audit.append(entry)
            uow.commit()
        return anchor.take(entry, now, restore=True)

    def active(self, uow: UnitOfWork, subject_id: SubjectId) -> Subject:
        """The subject, locked for update; an erased one is refused."""
        subject = uow.subjects.get_for_update(subject_id)
        if subject.status is not SubjectStatus.ACTIVE:
            raise UnknownRecord(f"subject {subject_id} was erased")
        return subject

    def load_state(self, uow: UnitOfWork, subject: Subject) -> SubjectState:
        """Everything decide() needs about ``subject``, read in ``uow``."""
        sid = subject.id
        born = None
        if subject.status is SubjectStatus.ACTIVE:
            born = uow.subjects.fields(sid, [BIRTH_DATE_FIELD])
        return self._state(
            subject,
            born,
            uow.consents.history(sid),
            uow.objections.for_subject(sid),
            uow.restrictions.for_subject(sid),
        )

    def load_states(
        self,
        uow: UnitOfWork,
        subjects: Sequence[Subject],
        fields: Mapping[SubjectId, Sequence[PersonalField]] | None = None,
    ) -> list[SubjectState]:
        """:meth:`load_state` of each subject, one read per table for them all (a
        sweep's batch). ``fields``: their stored fields, if the caller read them."""
        ids = [s.id for s in subjects]
        if fields is None:
            active = [s.id for s in subjects if s.status is SubjectStatus.ACTIVE]
            fields = uow.subjects.fields_of(active, [BIRTH_DATE_FIELD])
        histories = uow.consents.histories(ids)
        objections = uow.objections.for_subjects(ids)
        restrictions = uow.restrictions.for_subjects(ids)
        return [
            self._state(
                s,
                [f for f in fields.get(s.id, ()) if f.name == BIRTH_DATE_FIELD]
                if s.status is SubjectStatus.ACTIVE
                else None,
                histories[s.id],
                objections[s.id],
                restrictions[s.id],
            )
            for s in subjects
        ]

    def _state(
        self,
        subject: Subject,
        born: Sequence[PersonalField] | None,
        history: Sequence[ConsentEvent],
        objections: Sequence[Objection],
        restrictions: Sequence[Restriction],
    ) -> SubjectState:
        """The state of ``subject`` from what was read of it (``born``: its stored birth
        date field, if any)."""
        unreadable = False
        if born:
            birth = self._birth_date(subject.id, born[0].ciphertext)
            unreadable = birth is None
            subject = attrs.evolve(subject, birth_date=birth)
        return SubjectState(
            subject,
            history,
            objections,
            restrictions,
            anchors_of(subject),
            age_unreadable=unreadable,
        )

    def _birth_date(self, subject_id: SubjectId, ciphertext: bytes) -> date | None:
        """The stored birth date, or None if it cannot be read: a damaged ciphertext must
        never block an erasure, a withdrawal or an objection (decide() reports the gap)."""
        try:
            return date.fromisoformat(
                str(self.vault.decrypt(subject_id, BIRTH_DATE_FIELD, ciphertext))
            )
        except (DecryptionError, SubjectErased, ValueError):
            return None

    def schedule(self, uow: UnitOfWork, state: SubjectState) -> None:
        """Keep the retention schedule in step with the subject's records."""
        uow.retention.clear(state.subject.id)
        uow.retention.schedule(schedule_for(state, self.declarations))

    def region(self, subject: Subject) -> str:
        """Where the subject's national telephone numbers are read: their country, or the
        controller's when it has no numbering plan of its own."""
        return phone_region(
            subject.jurisdiction, phone_region(self.declarations.controller.establishment)
        )

    def blind_indexes(
        self, subject: Subject, values: Mapping[str, str], *, legacy: bool = False
    ) -> list[BlindIndexEntry]:
        """The lookup keys' blind index. Needs no key of the subject, and normalising the
        values validates them (a malformed e-mail address is refused here). ``legacy``
        adds the digests 0.1's rules gave, where they differ, for suppression checks."""
        region = self.region(subject)
        out = []
        for name in sorted(values):
            lookup = self.declarations.field(name).lookup
            if lookup is None:
                continue
            digest = self.vault.blind_index(lookup, values[name], region)
            out.append(BlindIndexEntry(subject.id, name, lookup, digest))
            old = self.vault.legacy_blind_index(lookup, values[name]) if legacy else None
            if old is not None and old != digest:
                out.append(BlindIndexEntry(subject.id, name, lookup, old))
        return out

    def seal(
        self,
        subject: Subject,
        values: Mapping[str, str],
        now: datetime,
        stored: Iterable[PersonalField] = (),
        extra_scopes: Iterable[uuid.UUID] = (),
    ) -> tuple[list[PersonalField], list[BlindIndexEntry]]:
        """The values encrypted, each in the key scope of its fate group (the scope the
        subject's ``stored`` values of that group already use, or a new one), and the
        lookup keys' blind index (computed first: bad values are refused before any key
        exists)."""
        subject_id = subject.id
        index = self.blind_indexes(subject, values)
        scopes = self.scopes_by_group(stored)
        chosen = {name: self._scope(scopes, name) for name in values}
        # The subject's key and every new scope's key in one key-store commit.
        self.vault.prepare_scopes(subject_id, [*chosen.values(), *extra_scopes])
        fields = [
            PersonalField(
                subject_id,
                name,
                self.vault.encrypt_scoped(subject_id, chosen[name], name, value),
                now,
            )
            for name, value in sorted(values.items())
        ]
        return fields, index

    def scopes_by_group(self, stored: Iterable[PersonalField]) -> dict[str, uuid.UUID]:
        """The key scope each fate group of the stored values uses (read from the
        envelopes' headers: no key needed)."""
        out: dict[str, uuid.UUID] = {}
        for f in stored:
            scope = self.scope_of(f.ciphertext)
            if scope is not None:
                out.setdefault(value_group(self.declarations, f.name), scope)
        return out

    def _scope(self, scopes: dict[str, uuid.UUID], name: str) -> uuid.UUID:
        return scopes.setdefault(value_group(self.declarations, name), uuid.uuid4())

    def scope_of(self, ciphertext: bytes) -> uuid.UUID | None:
        """The key scope of a stored envelope (None: the subject's key, or damaged)."""
        try:
            return self.vault.scope_of(ciphertext)
        except DecryptionError:  # a damaged header: the row goes, no key to find
            return None

    def forget_values(
        self,
        uow: UnitOfWork,
        subject_id: SubjectId,
        names: Iterable[str],
        now: datetime,
        *,
        extra_scopes: Iterable[uuid.UUID] = (),
    ) -> ErasureCertificate | None:
        """Art. 17, 5(1)(e): delete the named values and destroy their key scopes, so no
        copy of them anywhere can be read; the subject's other values stay readable (a
        kept value sharing a doomed scope, after declarations changed, is first moved to
        a scope of its own). The tombstones go to the data store in ``uow``. Returns the
        certificate, or None when no scope had to be destroyed (values from before key
        scopes, under the subject's own key, go with it)."""
        chosen = frozenset(names)
        stored = uow.subjects.fields(subject_id)
        doomed, moved = self.scopes_going(stored, chosen, extra_scopes)
        if moved:
            self._rescope(uow, subject_id, moved, now)
        uow.subjects.delete_fields(subject_id, chosen)
        uow.subjects.delete_index(subject_id, chosen)  # an erased e-mail is not findable
        return self.shred_scopes(uow, subject_id, doomed) if doomed else None

    def scopes_going(
        self, stored: Iterable[PersonalField], names: frozenset[str], extra: Iterable[uuid.UUID]
    ) -> tuple[set[uuid.UUID], list[PersonalField]]:
        """The key scopes of the stored ``names`` (and ``extra``), and the kept values in
        one of them (stored before the declarations changed: to move before the shred)."""
        scoped = [(f, self.scope_of(f.ciphertext)) for f in stored]
        doomed = {s for f, s in scoped if f.name in names and s is not None} | set(extra)
        return doomed, [f for f, s in scoped if f.name not in names and s in doomed]

    def shred_subjects(
        self, uow: UnitOfWork, subject_ids: Sequence[SubjectId]
    ) -> list[ErasureCertificate]:
        """Destroy the subjects' keys (one key-store transaction) and keep, in ``uow``, a
        copy of each tombstone (restores) and each signed certificate (Art. 5(2)): the
        one way an erasure destroys a subject's keys. One certificate each, in order."""
        certificates = self.vault.shred_many(subject_ids)
        uow.tombstones.add_many([tombstone_of(c) for c in certificates])
        uow.certificates.add_many(certificates)
        return certificates

    def shred_scopes(
        self, uow: UnitOfWork, subject_id: SubjectId, scopes: Iterable[uuid.UUID]
    ) -> ErasureCertificate:
        """Destroy key scopes of the subject and keep their tombstones in the data store
        in ``uow`` (for restores): the one way a partial erasure destroys keys."""
        return self.shred_scopes_many(uow, [(subject_id, scopes)])[0]

    def shred_scopes_many(
        self, uow: UnitOfWork, requests: Iterable[tuple[SubjectId, Iterable[uuid.UUID]]]
    ) -> list[ErasureCertificate]:
        """:meth:`shred_scopes` for several subjects (a sweep's batch): one key-store
        transaction, one certificate per subject, in order."""
        shredded = self.vault.shred_scopes_many(requests)
        uow.tombstones.add_many([stone for _, stones in shredded for stone in stones])
        certificates = [certificate for certificate, _ in shredded]
        uow.certificates.add_many(certificates)  # Art. 5(2): the proof the trail names
        return certificates

    def _rescope(
        self, uow: UnitOfWork, subject_id: SubjectId, fields: list[PersonalField], now: datetime
    ) -> None:
        """Re-encrypt kept values into fresh scopes of their groups."""
        scopes: dict[str, uuid.UUID] = {}
        moved = []
        for f in fields:
            try:
                value = self.vault.decrypt(subject_id, f.name, f.ciphertext)
            except DecryptionError:
                continue  # unreadable already: nothing to keep
            scope = self._scope(scopes, f.name)
            envelope = self.vault.encrypt_scoped(subject_id, scope, f.name, value)
            moved.append(PersonalField(subject_id, f.name, envelope, now))
        uow.subjects.put_fields(moved)

    def notify(
        self,
        uow: UnitOfWork,
        subject_id: SubjectId,
        recipients: Iterable[str],
        event: NotificationEvent,
        now: datetime,
    ) -> None:
        """Art. 19: each recipient to whom the data was disclosed is owed word of it."""
        for notification in self.notifications(subject_id, recipients, event, now):
            uow.notifications.add(notification)

    @staticmethod
    def notifications(
        subject_id: SubjectId,
        recipients: Iterable[str],
        event: NotificationEvent,
        now: datetime,
    ) -> list[RecipientNotification]:
        """The Art. 19 notifications :meth:`notify` queues (a batch queues them at once)."""
        return [RecipientNotification(subject_id, r, event, now) for r in recipients]


def tombstone_of(certificate: ErasureCertificate) -> Tombstone:
    """The key-store tombstone a certificate attests, as the data store keeps it."""
    return Tombstone(
        certificate.subject_id,
        certificate.shredded_at,
        tuple((version, bytes.fromhex(kcv)) for version, kcv in certificate.destroyed),
    )
