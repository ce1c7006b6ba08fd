"""The Controller: one method per GDPR operation, each one unit of work.

Each method loads what the rule needs through the storage ports, decides with the pure
policy, writes the result and its audit entries in the same unit of work, and commits:
everything or nothing. No rule lives here; this module wires the others together.

    crm = Controller.open("crm.db", declarations, kek=KeyFileKekSource("kek.key"),
                          signer=CertificateSigner.generate("acme-dpo"))
    sid = crm.add_subject({"email": "lea@example.fr", "name": "Léa"}, "FR",
                          purposes=["newsletter"])
    crm.give_consent(sid, "newsletter", channel="web-form")
    crm.decide(sid, "newsletter").allowed        # True
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

import attrs

from gdprcrm.audit import AuditChain
from gdprcrm.audit import verify as verify_chain
from gdprcrm.audit.chain import Verification
from gdprcrm.clock import Clock, SystemClock
from gdprcrm.deadlines import (
    FRANCE,
    HolidayCalendar,
    Pause,
    breach_deadline,
    extended_due,
    request_due,
)
from gdprcrm.documents.access import access_report
from gdprcrm.documents.portability import portability_export
from gdprcrm.documents.portability import to_csv as portability_csv
from gdprcrm.errors import GdprCrmError, InvalidInput, SubjectErased, UnknownRecord
from gdprcrm.interactions import InteractionLog
from gdprcrm.model import (
    DEFAULT_CONSENT_AGES,
    AgeAttestation,
    AnchorEvent,
    BlindIndexEntry,
    Breach,
    CommunicationException,
    ConsentAges,
    ConsentGiven,
    ConsentGiver,
    ConsentWithdrawn,
    DataSource,
    DataSubjectRequest,
    Declarations,
    DetailValue,
    IdentityStatus,
    LegalBasis,
    Lookup,
    NotificationEvent,
    Objection,
    PersonalField,
    RecipientNotification,
    RequestKind,
    RequestStatus,
    Restriction,
    RestrictionGround,
    RetentionAction,
    RetentionDue,
    Subject,
    SubjectId,
    SubjectStatus,
    SuppressionEntry,
)
from gdprcrm.model._checks import check_aware
from gdprcrm.policy import (
    CompiledState,
    Decision,
    ErasurePlan,
    Operation,
    SubjectState,
    decide,
    erasure_plan,
    retention_due,
)
from gdprcrm.storage.protocols import Storage, UnitOfWork
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.vault import CertificateSigner, ErasureCertificate, Kek, KekSource, KeyVault

__all__ = [
    "BIRTH_DATE_FIELD",
    "ERASURE_MARKER",
    "Controller",
    "ErasureOutcome",
    "MinimisationError",
    "ProcessingRefused",
    "Suppressed",
    "SweepResult",
]

BIRTH_DATE_FIELD = "gdprcrm_birth_date"
"""The reserved field that holds a birth date, encrypted like every personal value."""


class MinimisationError(InvalidInput):
    """A value that none of the subject's purposes needs (Art. 5(1)(c))."""


class Suppressed(InvalidInput):
    """A contact point that objected to direct marketing, offered again for it (21(3))."""


class ProcessingRefused(GdprCrmError):
    """Processing that the policy does not allow now; ``decision`` says why."""

    def __init__(self, decision: Decision) -> None:
        codes = ", ".join(f"{r.code} (Art. {r.article})" for r in decision.reasons)
        super().__init__(f"processing refused: {codes}")
        self.decision = decision


ERASURE_MARKER = "gdprcrm-erasure"
"""The retention-schedule entry that marks an erasure in progress (crash recovery)."""


@attrs.frozen
class SweepResult:
    """What a retention sweep did."""

    examined: int = 0
    erased: int = 0
    """(subject, purpose) pairs whose data was erased (Art. 5(1)(e))."""
    anonymised: int = 0
    flagged: int = 0
    """Pairs flagged for a human review (e.g. one re-contact of a prospect, CNIL)."""
    rescheduled: int = 0
    """Pairs whose anchor moved (a new contact): not due after all."""
    erasures_completed: int = 0


@attrs.frozen
class ErasureOutcome:
    """What an erasure did (or, with ``dry_run``, would do)."""

    subject_id: SubjectId
    plan: ErasurePlan
    dry_run: bool
    completed: bool
    """True when the key was shredded: nothing of the subject is readable anywhere."""
    certificate: ErasureCertificate | None
    recipients: tuple[str, ...]
    """Recipients to notify of the erasure (Art. 19)."""


class Controller:
    """The facade host applications call. Thread-safe as far as its storage is."""

    def __init__(
        self,
        storage: Storage,
        vault: KeyVault,
        declarations: Declarations,
        *,
        clock: Clock | None = None,
        audit_key: bytes | None = None,
        actor: str = "system",
        ages: ConsentAges = DEFAULT_CONSENT_AGES,
        calendar: HolidayCalendar = FRANCE,
    ) -> None:
        if not isinstance(declarations, Declarations):
            raise InvalidInput("Controller needs Declarations (see gdprcrm.config)")
        if not declarations.notices:
            raise InvalidInput("the declarations need at least one published notice version")
        self.storage = storage
        self.vault = vault
        self.declarations = declarations
        self.clock = clock if clock is not None else SystemClock()
        self._chain = AuditChain(audit_key)
        self._audit_key = audit_key
        self._actor = actor
        self._ages = ages
        self._calendar = calendar

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        declarations: Declarations,
        *,
        kek: KekSource | Kek,
        signer: CertificateSigner,
        clock: Clock | None = None,
        audit_key: bytes | None = None,
    ) -> Controller:
        """The embedded default: records in an SQLite file, keys in a second file beside it."""
        storage = SQLiteStorage(path)
        vault = KeyVault(storage.key_store(), kek, signer=signer, clock=clock)
        return cls(storage, vault, declarations, clock=clock, audit_key=audit_key)

    def close(self) -> None:
        self.storage.close()

    # -- helpers ---------------------------------------------------------------------

    def _now(self, at: datetime | None) -> datetime:
        return self.clock.now() if at is None else check_aware(at, "at")

    def _audit(
        self,
        uow: UnitOfWork,
        action: str,
        subject_id: SubjectId | None = None,
        purpose_id: str | None = None,
        at: datetime | None = None,
        **details: DetailValue,
    ) -> None:
        self._append_audit(uow, action, subject_id, purpose_id, at, details)

    def _append_audit(
        self,
        uow: UnitOfWork,
        action: str,
        subject_id: SubjectId | None,
        purpose_id: str | None,
        at: datetime | None,
        details: Mapping[str, DetailValue],
    ) -> None:
        entry = self._chain.next_entry(
            uow.audit.head(),
            at=self._now(at),
            actor=self._actor,
            action=action,
            subject_id=subject_id,
            purpose_id=purpose_id,
            details=details,
        )
        uow.audit.append(entry)

    def _load_state(self, uow: UnitOfWork, subject: Subject) -> SubjectState:
        sid = subject.id
        if subject.status is SubjectStatus.ACTIVE:
            stored = uow.subjects.fields(sid, [BIRTH_DATE_FIELD])
            if stored:
                born = self.vault.decrypt(sid, BIRTH_DATE_FIELD, stored[0].ciphertext)
                subject = attrs.evolve(subject, birth_date=date.fromisoformat(str(born)))
        anchors = {}
        if subject.last_contact_at is not None:
            anchors[AnchorEvent.LAST_CONTACT_FROM_SUBJECT] = subject.last_contact_at
        if subject.relationship_ended_at is not None:
            anchors[AnchorEvent.END_OF_RELATIONSHIP] = subject.relationship_ended_at
        return SubjectState(
            subject,
            uow.consents.history(sid),
            uow.objections.for_subject(sid),
            uow.restrictions.for_subject(sid),
            anchors,
        )

    def _schedule(self, uow: UnitOfWork, state: SubjectState) -> None:
        """Keep the retention schedule in step with the subject's records."""
        entries = []
        for purpose_id in sorted(state.subject.purposes):
            purpose = self.declarations.purpose(purpose_id)
            due = retention_due(state, purpose)
            if due is not None:
                entries.append(
                    RetentionDue(state.subject.id, purpose_id, due, purpose.retention.action)
                )
        uow.retention.clear(state.subject.id)
        uow.retention.schedule(entries)

    def _index_entries(self, uow: UnitOfWork, subject_id: SubjectId) -> list[tuple[Lookup, bytes]]:
        """The subject's lookup keys, as (kind, blind index), from their stored values."""
        out = []
        for f in uow.subjects.fields(subject_id):
            spec = self.declarations._fields_by_name.get(f.name)
            if spec is not None and spec.lookup is not None:
                value = str(self.vault.decrypt(subject_id, f.name, f.ciphertext))
                out.append((spec.lookup, self.vault.blind_index(spec.lookup, value)))
        return out

    def _check_values(self, values: Mapping[str, str], purposes: Iterable[str]) -> None:
        """Art. 5(1)(c): every value declared, text, and needed by one of ``purposes``."""
        chosen = sorted(purposes)
        needed = {f.name for p in chosen for f in self.declarations.purpose(p).fields}
        for name, value in values.items():
            self.declarations.field(name)  # UnknownField for an undeclared one
            if name not in needed:
                raise MinimisationError(
                    f"field {name!r} is needed by none of the purposes {chosen} (Art. 5(1)(c))"
                )
            if not isinstance(value, str):
                raise InvalidInput(f"field {name!r}: values are text")

    def _sealed(
        self, subject_id: SubjectId, values: Mapping[str, str], now: datetime
    ) -> tuple[list[PersonalField], list[BlindIndexEntry]]:
        """The values encrypted under the subject's key, and the lookup keys' blind index."""
        fields = [
            PersonalField(subject_id, name, self.vault.encrypt(subject_id, name, value), now)
            for name, value in sorted(values.items())
        ]
        index = [
            BlindIndexEntry(
                subject_id, name, spec.lookup, self.vault.blind_index(spec.lookup, values[name])
            )
            for name in sorted(values)
            if (spec := self.declarations.field(name)).lookup is not None
        ]
        return fields, index

    # -- collection (Art. 5(1)(b)-(c), 9, 13, 14) -----------------------------------------

    def add_subject(
        self,
        values: Mapping[str, str],
        jurisdiction: str,
        purposes: Iterable[str],
        *,
        source: DataSource | None = None,
        birth_date: date | None = None,
        attested_age: AgeAttestation | None = None,
        at: datetime | None = None,
    ) -> SubjectId:
        """Store a new person's values, encrypted, for the given purposes.

        Refuses a value that none of ``purposes`` needs (Art. 5(1)(c), naming the field),
        an undeclared purpose or field, and a value that is not text. ``source`` marks
        data not collected from the person (Art. 14): the audit records when they must be
        informed (one month, Art. 14(3)(a)).
        """
        now = self._now(at)
        chosen = sorted(set(purposes))
        if not chosen:
            raise InvalidInput("add_subject: give at least one purpose (Art. 5(1)(b))")
        self._check_values(values, chosen)
        subject = Subject(
            SubjectId.new(),
            jurisdiction,
            now,
            purposes=frozenset(chosen),
            attested_age=attested_age,
            source=source,
        )
        sid = subject.id
        fields, index = self._sealed(sid, values, now)
        if birth_date is not None:
            if not isinstance(birth_date, date) or isinstance(birth_date, datetime):
                raise InvalidInput("birth_date: expected a date")
            fields.append(
                PersonalField(
                    sid,
                    BIRTH_DATE_FIELD,
                    self.vault.encrypt(sid, BIRTH_DATE_FIELD, birth_date.isoformat()),
                    now,
                )
            )
        art14_due = None
        if source is not None:
            art14_due = request_due(
                now, tz=self.declarations.controller.legal_timezone, calendar=self._calendar
            )
        try:
            with self.storage.unit_of_work() as uow:
                if any(p.direct_marketing for p in map(self.declarations.purpose, chosen)):
                    for entry in index:  # Art. 21(3): an objection outlives erasure
                        if uow.suppressions.contains(entry.kind, entry.digest):
                            raise Suppressed(
                                f"field {entry.field!r}: this contact point objected to direct "
                                "marketing (Art. 21(3)); it cannot be collected for it again"
                            )
                uow.subjects.add(subject)
                uow.subjects.put_fields(fields)
                uow.subjects.put_index(index)
                state = SubjectState(subject)
                self._schedule(uow, state)
                self._audit(
                    uow,
                    "subject.added",
                    sid,
                    at=now,
                    purposes=len(chosen),
                    fields=len(values),
                    indirect=source is not None,
                    art14_due=None if art14_due is None else art14_due.date().isoformat(),
                )
                uow.commit()
        except BaseException:
            # Nothing of this subject was committed: drop the key made for it.
            with contextlib.suppress(GdprCrmError):
                self.vault.shred(sid)
            raise
        return sid

    def find_subject(
        self, *, email: str | None = None, phone: str | None = None
    ) -> list[SubjectId]:
        """The subjects with this e-mail address or phone number (through the blind index)."""
        if (email is None) == (phone is None):
            raise InvalidInput("find_subject: give exactly one of email or phone")
        kind, value = (Lookup.EMAIL, email) if email is not None else (Lookup.PHONE, phone)
        assert value is not None
        digest = self.vault.blind_index(kind, value)
        with self.storage.unit_of_work(read_only=True) as uow:
            return uow.subjects.find_by_index(kind, digest)

    def subject(self, subject_id: SubjectId) -> Subject:
        with self.storage.unit_of_work(read_only=True) as uow:
            return uow.subjects.get(subject_id)

    # -- consent (Art. 7, 8) ---------------------------------------------------------------

    def give_consent(
        self,
        subject_id: SubjectId,
        purpose_id: str,
        *,
        channel: str,
        evidence: Mapping[str, str] | None = None,
        notice_version: str | None = None,
        language: str = "fr",
        explicit: bool = False,
        given_by: ConsentGiver = ConsentGiver.SUBJECT,
        at: datetime | None = None,
    ) -> ConsentGiven:
        """Record a consent for one purpose (Art. 7(1)-(2)), under the current notice by
        default. A parent's consent for a minor is ``given_by=PARENTAL_RESPONSIBILITY``."""
        now = self._now(at)
        self.declarations.purpose(purpose_id)
        version = notice_version or self.declarations.notices[-1].version
        event = ConsentGiven(
            subject_id,
            purpose_id,
            now,
            channel,
            version,
            language=language,
            explicit=explicit,
            given_by=given_by,
            evidence=dict(evidence or {}),
        )
        with self.storage.unit_of_work() as uow:
            subject = self._active(uow, subject_id)
            uow.consents.append(event)
            if purpose_id not in subject.purposes:
                subject = attrs.evolve(subject, purposes=subject.purposes | {purpose_id})
                uow.subjects.update(subject)
            self._schedule(uow, self._load_state(uow, subject))
            self._audit(
                uow,
                "consent.given",
                subject_id,
                purpose_id,
                at=now,
                given_by=given_by.value,
                explicit=explicit,
            )
            uow.commit()
        return event

    def withdraw_consent(
        self,
        subject_id: SubjectId,
        purpose_id: str,
        *,
        channel: str,
        at: datetime | None = None,
    ) -> list[ConsentWithdrawn]:
        """Withdraw every consent in force for the purpose: one call, as easy as giving it
        (Art. 7(3)). Processing before stays lawful."""
        now = self._now(at)
        self.declarations.purpose(purpose_id)
        with self.storage.unit_of_work() as uow:
            subject = self._active(uow, subject_id)
            state = self._load_state(uow, subject)
            active = [i.consent for i in state.intervals.get(purpose_id, ()) if i.active_at(now)]
            events = [c.withdraw(now, channel) for c in active]
            for event in events:
                uow.consents.append(event)
            self._schedule(uow, state.with_events(consents=events))
            self._audit(
                uow, "consent.withdrawn", subject_id, purpose_id, at=now, consents=len(events)
            )
            uow.commit()
        return events

    def end_relationship(self, subject_id: SubjectId, at: datetime | None = None) -> None:
        """Record the end of the customer relationship: the periods that run from it
        (e.g. 5 years of archive for proof) start now (Art. 5(1)(e))."""
        now = self._now(at)
        with self.storage.unit_of_work() as uow:
            subject = attrs.evolve(self._active(uow, subject_id), relationship_ended_at=now)
            uow.subjects.update(subject)
            self._schedule(uow, self._load_state(uow, subject))
            self._audit(uow, "relationship.ended", subject_id, at=now)
            uow.commit()

    def consent_history(self, subject_id: SubjectId, purpose_id: str | None = None) -> list[Any]:
        with self.storage.unit_of_work(read_only=True) as uow:
            uow.subjects.get(subject_id)
            return uow.consents.history(subject_id, purpose_id)

    # -- decisions (Art. 5, 6, 7, 8, 9, 17, 18, 21) ------------------------------------------

    def state(self, subject_id: SubjectId) -> SubjectState:
        with self.storage.unit_of_work(read_only=True) as uow:
            return self._load_state(uow, uow.subjects.get(subject_id))

    def decide(
        self,
        subject_id: SubjectId,
        purpose_id: str,
        at: datetime | None = None,
        *,
        operation: Operation = Operation.USE,
    ) -> Decision:
        """May ``purpose_id`` process this subject now (or at ``at``)? See gdprcrm.policy."""
        when = self._now(at)
        return decide(
            self.state(subject_id),
            purpose_id,
            when,
            self.declarations,
            operation=operation,
            ages=self._ages,
        )

    def decider(self, subject_id: SubjectId) -> CompiledState:
        """The subject's decisions, compiled: load once, then ask as often as needed
        (a lookup and a binary search per question; reload after any change)."""
        return CompiledState(self.state(subject_id), self.declarations, ages=self._ages)

    @contextlib.contextmanager
    def processing(
        self, subject_id: SubjectId, purpose_id: str, *, operation: Operation = Operation.USE
    ) -> Iterator[Decision]:
        """Wrap real processing: refused with ProcessingRefused, audited when allowed.

        with crm.processing(sid, "newsletter"):
            send_newsletter(...)
        """
        now = self.clock.now()
        with self.storage.unit_of_work() as uow:
            subject = uow.subjects.get(subject_id)
            decision = decide(
                self._load_state(uow, subject),
                purpose_id,
                now,
                self.declarations,
                operation=operation,
                ages=self._ages,
            )
            if decision.allowed:
                self._audit(
                    uow,
                    "processing.allowed",
                    subject_id,
                    purpose_id,
                    at=now,
                    operation=operation.value,
                )
            else:
                self._audit(
                    uow,
                    "processing.refused",
                    subject_id,
                    purpose_id,
                    at=now,
                    reason=decision.reasons[0].code,
                )
            uow.commit()
        if not decision.allowed:
            raise ProcessingRefused(decision)
        yield decision

    # -- requests (Art. 12) ----------------------------------------------------------------

    def receive_request(
        self, subject_id: SubjectId, kind: RequestKind, received_at: datetime | None = None
    ) -> DataSubjectRequest:
        """Register a request; its due date follows Art. 12(3) in the controller's zone."""
        received = self._now(received_at)
        if not isinstance(kind, RequestKind):
            raise InvalidInput("receive_request(kind): expected a RequestKind")
        due = request_due(
            received, tz=self.declarations.controller.legal_timezone, calendar=self._calendar
        )
        assert due is not None
        request = DataSubjectRequest(subject_id, kind, received, due)
        with self.storage.unit_of_work() as uow:
            self._active(uow, subject_id)
            uow.requests.add(request)
            self._audit(
                uow,
                "request.received",
                subject_id,
                at=received,
                kind=kind.value,
                request=str(request.id),
                due=due.date().isoformat(),
            )
            uow.commit()
        return request

    def _request(self, uow: UnitOfWork, request_id: uuid.UUID) -> DataSubjectRequest:
        request = uow.requests.get(request_id)
        if request.status in (RequestStatus.COMPLETED, RequestStatus.REFUSED):
            raise InvalidInput(f"request {request_id} is closed")
        return request

    def _save_request(
        self,
        uow: UnitOfWork,
        request: DataSubjectRequest,
        action: str,
        now: datetime,
        **details: DetailValue,
    ) -> None:
        uow.requests.update(request)
        self._append_audit(
            uow, action, request.subject_id, None, now, {"request": str(request.id), **details}
        )
        uow.commit()

    def _pauses(self, request: DataSubjectRequest) -> list[Pause]:
        if request.identity_requested_at is None:
            return []
        return [Pause(request.identity_requested_at, request.identity_received_at)]

    def extend_request(
        self, request_id: uuid.UUID, *, reasons: str, at: datetime | None = None
    ) -> DataSubjectRequest:
        """Art. 12(3): two more months, if the person is told why within the first month."""
        now = self._now(at)
        if not isinstance(reasons, str) or not reasons.strip():
            raise InvalidInput("Art. 12(3): an extension must give its reasons")
        with self.storage.unit_of_work() as uow:
            request = self._request(uow, request_id)
            if now > request.due_at:
                raise InvalidInput(
                    "Art. 12(3): the extension must be notified within the first month "
                    f"(by {request.due_at:%Y-%m-%d})"
                )
            extended = extended_due(
                request.received_at,
                tz=self.declarations.controller.legal_timezone,
                calendar=self._calendar,
                pauses=self._pauses(request),
            )
            updated = attrs.evolve(
                request,
                status=RequestStatus.EXTENDED,
                extended_due_at=extended,
                extension_reason=reasons,
            )
            self._save_request(uow, updated, "request.extended", now)
        return updated

    def ask_identity(
        self, request_id: uuid.UUID, *, doubt: str, at: datetime | None = None
    ) -> DataSubjectRequest:
        """Art. 12(6): ask for more identification, only on a recorded reasonable doubt;
        the clock stops until it arrives."""
        now = self._now(at)
        if not isinstance(doubt, str) or not doubt.strip():
            raise InvalidInput("Art. 12(6): more identification needs a reasonable doubt")
        with self.storage.unit_of_work() as uow:
            request = self._request(uow, request_id)
            updated = attrs.evolve(
                request,
                status=RequestStatus.AWAITING_IDENTITY,
                identity=IdentityStatus.REQUESTED,
                identity_doubt=doubt,
                identity_requested_at=now,
                identity_received_at=None,
            )
            self._save_request(uow, updated, "request.identity-asked", now)
        return updated

    def identity_received(
        self, request_id: uuid.UUID, at: datetime | None = None
    ) -> DataSubjectRequest:
        """The identification arrived: the clock runs again, the due date moves."""
        now = self._now(at)
        with self.storage.unit_of_work() as uow:
            request = self._request(uow, request_id)
            if request.identity_requested_at is None:
                raise InvalidInput("no identification was asked for this request")
            resumed = attrs.evolve(request, identity_received_at=now)
            tz = self.declarations.controller.legal_timezone
            due = request_due(
                request.received_at, tz=tz, calendar=self._calendar, pauses=self._pauses(resumed)
            )
            assert due is not None
            extended = None
            if request.extended_due_at is not None:
                extended = extended_due(
                    request.received_at,
                    tz=tz,
                    calendar=self._calendar,
                    pauses=self._pauses(resumed),
                )
            updated = attrs.evolve(
                resumed,
                identity=IdentityStatus.VERIFIED,
                due_at=due,
                extended_due_at=extended,
                status=RequestStatus.EXTENDED if extended else RequestStatus.OPEN,
            )
            self._save_request(
                uow, updated, "request.identity-received", now, due=due.date().isoformat()
            )
        return updated

    def refuse_request(
        self, request_id: uuid.UUID, *, reasons: str, at: datetime | None = None
    ) -> DataSubjectRequest:
        """Art. 12(4)-(5): refuse, with the reasons and the right to complain and to a
        judicial remedy stated in the outcome."""
        now = self._now(at)
        if not isinstance(reasons, str) or not reasons.strip():
            raise InvalidInput("Art. 12(4): a refusal must give its reasons")
        authority = self.declarations.controller.supervisory_authority
        outcome = (
            f"{reasons.strip()} Vous pouvez introduire une réclamation auprès de "
            f"{authority.name} ({authority.url}) et former un recours juridictionnel "
            "(art. 12(4), 77 et 79 du RGPD)."
        )
        with self.storage.unit_of_work() as uow:
            request = self._request(uow, request_id)
            updated = attrs.evolve(
                request, status=RequestStatus.REFUSED, closed_at=now, outcome=outcome
            )
            self._save_request(uow, updated, "request.refused", now)
        return updated

    def complete_request(
        self, request_id: uuid.UUID, *, outcome: str, at: datetime | None = None
    ) -> DataSubjectRequest:
        """Close a request as answered; the audit records whether it was late."""
        now = self._now(at)
        with self.storage.unit_of_work() as uow:
            request = self._request(uow, request_id)
            updated = attrs.evolve(
                request, status=RequestStatus.COMPLETED, closed_at=now, outcome=outcome
            )
            due = request.extended_due_at or request.due_at
            self._save_request(uow, updated, "request.completed", now, late=now > due)
        return updated

    def open_requests(self) -> list[DataSubjectRequest]:
        """Open requests, soonest due first."""
        with self.storage.unit_of_work(read_only=True) as uow:
            return uow.requests.open_by_due(100_000)

    # -- rights (Art. 15, 20) --------------------------------------------------------------

    def values(self, subject_id: SubjectId) -> dict[str, str]:
        """Every stored value of the subject, decrypted (for the host's own use)."""
        self.subject(subject_id)  # UnknownRecord for an unknown id
        return self._decrypted(subject_id)

    def access_report(self, subject_id: SubjectId, at: datetime | None = None) -> dict[str, Any]:
        """Art. 15: confirmation, every stored value decrypted, and the Art. 15(1) facts
        (purposes, categories, actual recipients, transfers, retention, source, rights)."""
        now = self._now(at)
        with self.storage.unit_of_work(read_only=True) as uow:
            subject = uow.subjects.get(subject_id)
            state = self._load_state(uow, subject)
            logged = InteractionLog(self.vault).read(uow, subject_id)
            requests = uow.requests.for_subject(subject_id)
        values = self._decrypted(subject_id, include_birth_date=True)
        interactions = [
            {
                "at": i.interaction.at.isoformat(),
                "kind": i.interaction.kind.value,
                "direction": i.interaction.direction.value,
                "purpose": i.interaction.purpose_id,
                "channel": i.interaction.channel,
                "content": i.content,
            }
            for i in logged
        ]
        return access_report(
            state, values, self.declarations, now, interactions=interactions, requests=requests
        )

    def export(self, subject_id: SubjectId, fmt: str = "json", at: datetime | None = None) -> str:
        """Art. 20: the data the person provided, on consent or contract, as JSON (valid
        against :func:`gdprcrm.documents.portability_schema`) or CSV."""
        now = self._now(at)
        if fmt not in ("json", "csv"):
            raise InvalidInput("export(fmt): 'json' or 'csv'")
        subject = self.subject(subject_id)
        document = portability_export(subject, self._decrypted(subject_id), self.declarations, now)
        with self.storage.unit_of_work() as uow:
            self._audit(
                uow, "export.made", subject_id, at=now, fields=len(document["data"]), format=fmt
            )
            uow.commit()
        if fmt == "csv":
            return portability_csv(document)
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

    def rectify(
        self, subject_id: SubjectId, values: Mapping[str, str], at: datetime | None = None
    ) -> tuple[str, ...]:
        """Art. 16: replace values; returns the recipients to notify (Art. 19)."""
        now = self._now(at)
        with self.storage.unit_of_work() as uow:
            subject = self._active(uow, subject_id)
            self._check_values(values, subject.purposes)
            fields, index = self._sealed(subject_id, values, now)
            uow.subjects.put_fields(fields)
            uow.subjects.put_index(index)
            recipients = self._recipients(subject.purposes, fields=values.keys())
            self._notify(uow, subject_id, recipients, NotificationEvent.RECTIFICATION, now)
            self._audit(
                uow,
                "subject.rectified",
                subject_id,
                at=now,
                fields=len(values),
                recipients=len(recipients),
            )
            uow.commit()
        return recipients

    def restrict(
        self, subject_id: SubjectId, ground: RestrictionGround, at: datetime | None = None
    ) -> Restriction:
        """Art. 18: from now on, only storage (save the Art. 18(2) cases)."""
        now = self._now(at)
        restriction = Restriction(subject_id, ground, now)
        with self.storage.unit_of_work() as uow:
            subject = self._active(uow, subject_id)
            uow.restrictions.add(restriction)
            recipients = self._recipients(subject.purposes)
            self._notify(uow, subject_id, recipients, NotificationEvent.RESTRICTION, now)
            self._audit(uow, "restriction.added", subject_id, at=now, ground=ground.name.lower())
            uow.commit()
        return restriction

    def lift_restriction(
        self, restriction: Restriction, *, informed_at: datetime, at: datetime | None = None
    ) -> Restriction:
        """Art. 18(3): lift a restriction, the subject having been informed before."""
        lifted = restriction.lift(informed_at=informed_at, at=self._now(at))
        with self.storage.unit_of_work() as uow:
            self._active(uow, restriction.subject_id)
            uow.restrictions.update(lifted)
            self._audit(uow, "restriction.lifted", restriction.subject_id, at=lifted.lifted_at)
            uow.commit()
        return lifted

    def object(
        self,
        subject_id: SubjectId,
        purpose_id: str | None = None,
        *,
        direct_marketing: bool = False,
        at: datetime | None = None,
    ) -> Objection:
        """Art. 21: object to direct marketing (absolute), or to a purpose resting on
        Art. 6(1)(e) or (f); objecting to any other purpose has no legal basis."""
        now = self._now(at)
        if purpose_id is not None:
            purpose = self.declarations.purpose(purpose_id)
            if (
                purpose.basis not in (LegalBasis.PUBLIC_TASK, LegalBasis.LEGITIMATE_INTERESTS)
                and not purpose.direct_marketing
            ):
                raise InvalidInput(
                    f"purpose {purpose_id!r} rests on {purpose.basis.article}: Art. 21 gives "
                    "no right to object to it (withdraw consent, or ask for erasure)"
                )
        objection = Objection(
            subject_id, now, purpose_id=purpose_id, direct_marketing=direct_marketing
        )
        with self.storage.unit_of_work() as uow:
            self._active(uow, subject_id)
            uow.objections.add(objection)
            if direct_marketing or (
                purpose_id and self.declarations.purpose(purpose_id).direct_marketing
            ):
                # Art. 21(3): remember the hashed contact points, beyond any erasure.
                for entry in self._index_entries(uow, subject_id):
                    uow.suppressions.add(SuppressionEntry(entry[1], entry[0], now))
            self._audit(
                uow,
                "objection.recorded",
                subject_id,
                purpose_id,
                at=now,
                direct_marketing=direct_marketing,
            )
            uow.commit()
        return objection

    def _decrypted(
        self, subject_id: SubjectId, *, include_birth_date: bool = False
    ) -> dict[str, str]:
        with self.storage.unit_of_work(read_only=True) as uow:
            stored = uow.subjects.fields(subject_id)
        out = {}
        for f in stored:
            if f.name == BIRTH_DATE_FIELD and not include_birth_date:
                continue
            try:
                out[f.name] = str(self.vault.decrypt(subject_id, f.name, f.ciphertext))
            except SubjectErased:
                continue
        return out

    # -- erasure (Art. 17, 19) ----------------------------------------------------------------

    def erase(
        self, subject_id: SubjectId, *, dry_run: bool = False, at: datetime | None = None
    ) -> ErasureOutcome:
        """Erase the subject: everything not held under Art. 17(3) goes now; what is held
        stays, restricted, until its hold ends; the key is shredded once nothing is held.

        Crash-safe: the erasure is marked first; :meth:`resume_erasures` completes any
        erasure that an interruption left half-done, and repeating a step is harmless.
        """
        now = self._now(at)
        with self.storage.unit_of_work(read_only=dry_run) as uow:
            subject = (
                uow.subjects.get(subject_id)
                if dry_run
                else uow.subjects.get_for_update(subject_id)
            )
            if subject.status is SubjectStatus.ERASED:
                raise UnknownRecord(f"subject {subject_id} was erased")
            state = self._load_state(uow, subject)
            stored = [f.name for f in uow.subjects.fields(subject_id)]
            plan = erasure_plan(state, self.declarations, stored, now)
            recipients = self._recipients(subject.purposes)
            if dry_run:
                return ErasureOutcome(subject_id, plan, True, False, None, recipients)
            # Step 1: mark the erasure, so that an interruption is completed later.
            uow.subjects.update(attrs.evolve(subject, status=SubjectStatus.ERASURE_PENDING))
            uow.retention.schedule(
                [RetentionDue(subject_id, ERASURE_MARKER, now, RetentionAction.ERASE)]
            )
            # Art. 19: queued with the mark, so that a resumed erasure does not repeat it.
            self._notify(uow, subject_id, recipients, NotificationEvent.ERASURE, now)
            self._audit(
                uow,
                "erasure.started",
                subject_id,
                at=now,
                erased=len(plan.erased),
                held=len(plan.held),
            )
            uow.commit()
        return self._complete_erasure(subject_id, plan, recipients, now)

    def _complete_erasure(
        self,
        subject_id: SubjectId,
        plan: ErasurePlan,
        recipients: tuple[str, ...],
        now: datetime,
    ) -> ErasureOutcome:
        # Step 2: delete what is not held, and everything that indexes or describes it.
        with self.storage.unit_of_work() as uow:
            subject = uow.subjects.get_for_update(subject_id)
            uow.subjects.delete_fields(subject_id, [*plan.erased, BIRTH_DATE_FIELD])
            uow.subjects.delete_index(subject_id)
            if not plan.complete:
                # The key survives for the held data: what was said must go now. When
                # nothing is held, the shred below makes it unreadable at a flat cost.
                uow.interactions.delete_for_subject(subject_id)
            uow.retention.clear(subject_id)
            held_purposes = {f.purpose_id for f in plan.held if f.purpose_id}
            if not plan.complete:
                # Held data stays, for its purpose only, until its hold ends (sweep).
                until = plan.hold_until
                if until is not None:
                    uow.retention.schedule(
                        [RetentionDue(subject_id, ERASURE_MARKER, until, RetentionAction.ERASE)]
                    )
                uow.subjects.update(
                    attrs.evolve(
                        subject,
                        purposes=frozenset(held_purposes),
                        birth_date=None,
                        attested_age=None,
                        source=None,
                    )
                )
            else:
                uow.retention.schedule(
                    [RetentionDue(subject_id, ERASURE_MARKER, now, RetentionAction.ERASE)]
                )
            self._audit(
                uow,
                "erasure.data-deleted",
                subject_id,
                at=now,
                fields=len(plan.erased),
                recipients=len(recipients),
            )
            uow.commit()
        if not plan.complete:
            return ErasureOutcome(subject_id, plan, False, False, None, recipients)
        # Step 3: destroy the key (every copy of every value is now unreadable).
        certificate = self.vault.shred(subject_id)
        # Step 4: the subject is erased; only its opaque id and non-personal facts remain.
        with self.storage.unit_of_work() as uow:
            subject = uow.subjects.get_for_update(subject_id)
            uow.subjects.delete_fields(subject_id)
            uow.subjects.update(
                attrs.evolve(
                    subject,
                    status=SubjectStatus.ERASED,
                    purposes=frozenset(),
                    birth_date=None,
                    attested_age=None,
                    source=None,
                )
            )
            uow.retention.clear(subject_id)
            self._audit(
                uow,
                "subject.erased",
                subject_id,
                at=now,
                certificate=str(certificate.certificate_id),
                keys=len(certificate.destroyed),
            )
            uow.commit()
        return ErasureOutcome(subject_id, plan, False, True, certificate, recipients)

    def resume_erasures(self, at: datetime | None = None) -> list[ErasureOutcome]:
        """Complete every erasure that is due: interrupted ones, and holds that ended."""
        now = self._now(at)
        with self.storage.unit_of_work(read_only=True) as uow:
            due = [
                d.subject_id
                for d in uow.retention.due_before(now, limit=100_000)
                if d.purpose_id == ERASURE_MARKER
            ]
        outcomes = []
        for subject_id in due:
            outcomes += self._resume_one(subject_id, now)
        return outcomes

    # -- storage limitation (Art. 5(1)(e)) ------------------------------------------------------

    def sweep(
        self,
        at: datetime | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> SweepResult:
        """Apply every retention rule that has fallen due, reading only what is due (an
        indexed range of the schedule, never the whole base). ``progress(done, total)`` is
        called after each item."""
        now = self._now(at)
        with self.storage.unit_of_work(read_only=True) as uow:
            due = uow.retention.due_before(now, limit=10_000_000)
        counts = dict.fromkeys(
            ("erased", "anonymised", "flagged", "rescheduled", "erasures_completed"), 0
        )
        finished_subjects: list[SubjectId] = []
        for done, entry in enumerate(due, start=1):
            if entry.purpose_id == ERASURE_MARKER:
                outcomes = self._resume_one(entry.subject_id, now)
                counts["erasures_completed"] += sum(1 for o in outcomes if o.completed)
            else:
                kind, emptied = self._expire(entry, now)
                counts[kind] += 1
                if emptied:
                    finished_subjects.append(entry.subject_id)
            if progress is not None:
                progress(done, len(due))
        for subject_id in finished_subjects:  # no purpose left: erase the person (Art. 17)
            if self.erase(subject_id, at=now).completed:
                counts["erasures_completed"] += 1
        return SweepResult(examined=len(due), **counts)

    def _expire(self, entry: RetentionDue, now: datetime) -> tuple[str, bool]:
        with self.storage.unit_of_work() as uow:
            subject = uow.subjects.get_for_update(entry.subject_id)
            if (
                subject.status is not SubjectStatus.ACTIVE
                or entry.purpose_id not in subject.purposes
            ):
                uow.retention.clear(subject.id, entry.purpose_id)
                uow.commit()
                return "rescheduled", False
            purpose = self.declarations.purpose(entry.purpose_id)
            state = self._load_state(uow, subject)
            due = retention_due(state, purpose, now)
            if due is None or due > now:  # the anchor moved since: not due any more
                self._schedule(uow, state)
                uow.commit()
                return "rescheduled", False
            if purpose.retention.action is RetentionAction.REVIEW:
                uow.retention.clear(subject.id, purpose.id)
                self._audit(uow, "retention.review-due", subject.id, purpose.id, at=now)
                uow.commit()
                return "flagged", False
            remaining = subject.purposes - {purpose.id}
            still_needed = {f.name for p in remaining for f in self.declarations.purpose(p).fields}
            doomed = sorted(purpose.field_names - still_needed)
            uow.subjects.delete_fields(subject.id, doomed)
            if doomed:  # Art. 19 with 17(1)(a): the purpose's recipients erase their copies
                recipients = self._recipients([purpose.id])
                self._notify(uow, subject.id, recipients, NotificationEvent.ERASURE, now)
            uow.subjects.update(attrs.evolve(subject, purposes=frozenset(remaining)))
            uow.retention.clear(subject.id, purpose.id)
            kind = (
                "anonymised" if purpose.retention.action is RetentionAction.ANONYMISE else "erased"
            )
            self._audit(
                uow, f"retention.{kind}", subject.id, purpose.id, at=now, fields=len(doomed)
            )
            uow.commit()
        return kind, not remaining

    def _resume_one(self, subject_id: SubjectId, now: datetime) -> list[ErasureOutcome]:
        with self.storage.unit_of_work(read_only=True) as uow:
            subject = uow.subjects.get(subject_id)
            state = self._load_state(uow, subject)
            stored = [f.name for f in uow.subjects.fields(subject_id)]
            plan = erasure_plan(state, self.declarations, stored, now)
            recipients = self._recipients(subject.purposes)
        return [self._complete_erasure(subject_id, plan, recipients, now)]

    def _notify(
        self,
        uow: UnitOfWork,
        subject_id: SubjectId,
        recipients: Iterable[str],
        event: NotificationEvent,
        now: datetime,
    ) -> None:
        """Art. 19: each recipient to whom the data was disclosed is owed word of it."""
        for recipient_id in recipients:
            uow.notifications.add(RecipientNotification(subject_id, recipient_id, event, now))

    def pending_notifications(self, limit: int = 1000) -> list[RecipientNotification]:
        """Art. 19: the notifications owed to recipients and not yet reported sent,
        oldest first. Send them, then call :meth:`notification_sent` for each."""
        with self.storage.unit_of_work(read_only=True) as uow:
            return uow.notifications.pending(limit)

    def notification_sent(
        self, notification_id: uuid.UUID, at: datetime | None = None
    ) -> RecipientNotification:
        """Record that a recipient was told (Art. 19; Art. 5(2) accountability)."""
        return self.notifications_sent([notification_id], at)[0]

    def notifications_sent(
        self, notification_ids: Iterable[uuid.UUID], at: datetime | None = None
    ) -> list[RecipientNotification]:
        """Record several sendings in one unit of work: an unknown id records none.
        Each is audited once; reporting one again changes nothing."""
        now = self._now(at)
        done = []
        with self.storage.unit_of_work() as uow:
            for notification_id in notification_ids:
                found = uow.notifications.get(notification_id)
                if found.sent_at is not None:
                    done.append(found)
                    continue
                sent = uow.notifications.mark_sent(notification_id, now)
                self._audit(
                    uow,
                    "notification.sent",
                    sent.subject_id,
                    at=now,
                    recipient=sent.recipient_id,
                    event=sent.event.value,
                )
                done.append(sent)
            uow.commit()
        return done

    def notifications(self, subject_id: SubjectId) -> list[RecipientNotification]:
        """Art. 19, second sentence: the recipients told about this subject, on request."""
        with self.storage.unit_of_work(read_only=True) as uow:
            uow.subjects.get(subject_id)  # an unknown subject is an error, not "nobody"
            return uow.notifications.for_subject(subject_id)

    def _recipients(
        self, purpose_ids: Iterable[str], fields: Iterable[str] | None = None
    ) -> tuple[str, ...]:
        """The recipients of these purposes (of those using one of ``fields``, if given)."""
        wanted = None if fields is None else set(fields)
        found: set[str] = set()
        for purpose_id in purpose_ids:
            if purpose_id not in self.declarations.purpose_ids:
                continue
            purpose = self.declarations.purpose(purpose_id)
            if wanted is None or wanted & purpose.field_names:
                found.update(r.id for r in purpose.recipients)
        return tuple(sorted(found))

    # -- breaches (Art. 33, 34) -------------------------------------------------------------

    def record_breach(self, breach: Breach) -> Breach:
        """Document a breach (Art. 33(5)); ``aware_at`` starts the 72-hour clock."""
        with self.storage.unit_of_work() as uow:
            uow.breaches.add(breach)
            self._audit(
                uow,
                "breach.recorded",
                at=self.clock.now(),
                breach=str(breach.id),
                subjects=breach.approx_subjects,
                high_risk=breach.high_risk,
            )
            uow.commit()
        return breach

    def notify_breach(
        self, breach_id: Any, *, at: datetime | None = None, delay_reasons: str | None = None
    ) -> Breach:
        """Record the notification to the authority; after 72 hours, the reasons for the
        delay are required (Art. 33(1))."""
        now = self._now(at)
        with self.storage.unit_of_work() as uow:
            breach = uow.breaches.get(breach_id)
            if now > breach_deadline(breach.aware_at) and not delay_reasons:
                raise InvalidInput(
                    "Art. 33(1): a notification after 72 hours must give the reasons for the "
                    "delay (delay_reasons)"
                )
            updated = attrs.evolve(breach, notified_authority_at=now, delay_reasons=delay_reasons)
            uow.breaches.update(updated)
            self._audit(
                uow,
                "breach.notified",
                at=now,
                breach=str(breach.id),
                late=now > breach_deadline(breach.aware_at),
            )
            uow.commit()
        return updated

    def communicate_breach(
        self,
        breach_id: Any,
        *,
        at: datetime | None = None,
        exception: CommunicationException | None = None,
    ) -> Breach:
        """Art. 34: record that the people were told, or the Art. 34(3) exception that
        dispenses with it."""
        now = self._now(at)
        with self.storage.unit_of_work() as uow:
            breach = uow.breaches.get(breach_id)
            updated = attrs.evolve(
                breach,
                communicated_at=None if exception else now,
                communication_exception=exception,
            )
            uow.breaches.update(updated)
            self._audit(
                uow,
                "breach.communication",
                at=now,
                breach=str(breach.id),
                exception=None if exception is None else exception.name.lower(),
            )
            uow.commit()
        return updated

    def breaches(self) -> list[Breach]:
        with self.storage.unit_of_work(read_only=True) as uow:
            return uow.breaches.all()

    # -- accountability (Art. 5(2)) ------------------------------------------------------------

    def verify_audit(self) -> Verification:
        """Verify the whole audit chain: the first broken link, or OK."""
        with self.storage.unit_of_work(read_only=True) as uow:
            return verify_chain(uow.audit.range(0), key=self._audit_key)

    # -- internals -------------------------------------------------------------------------

    def _active(self, uow: UnitOfWork, subject_id: SubjectId) -> Subject:
        subject = uow.subjects.get_for_update(subject_id)
        if subject.status is not SubjectStatus.ACTIVE:
            raise UnknownRecord(f"subject {subject_id} was erased")
        return subject
