"""The Controller: the flat public API, one method per GDPR operation.

Each method is a short delegation into the workflow module that holds the operation
(collection, consent, processing, requests, rights, erasure, retention, notifications,
breaches), over a small shared :class:`~gdprcrm.service.kernel.Kernel`. No rule lives
here: the rules are in :mod:`gdprcrm.policy`, by article.

    crm = Controller.open("crm.db", declarations, kek=KeyFileKekSource("kek.key"),
                          signer=CertificateSigner.generate("acme-dpo"))
    sid = crm.add_subject({"email": "lea@example.fr", "name": "Léa"}, "FR",
                          purposes=["newsletter"])
    crm.give_consent(sid, "newsletter", channel="web-form")
    crm.decide(sid, "newsletter").allowed        # True
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from gdprcrm.audit import DEFAULT_EVERY, Anchor, CheckpointFile
from gdprcrm.audit.chain import _UnkeyedAuditChain
from gdprcrm.clock import Clock, SystemClock
from gdprcrm.deadlines import FRANCE, HolidayCalendar
from gdprcrm.documents.access_text import access_report_text
from gdprcrm.errors import AuditTampered, InterfaceError, InvalidInput
from gdprcrm.model import (
    DEFAULT_CONSENT_AGES,
    DEFAULT_MARKETING_LAWS,
    AgeAttestation,
    Breach,
    Channel,
    CommunicationException,
    ConsentAges,
    ConsentGrant,
    DataSource,
    Declarations,
    MarketingLaws,
    Objection,
    RecipientNotification,
    Restriction,
    RestrictionGround,
    Subject,
    SubjectId,
)
from gdprcrm.service import (
    breaches,
    collection,
    erasure,
    notifications,
    restores,
    retention,
    rights,
)
from gdprcrm.service.accountability import AccountabilityOperations
from gdprcrm.service.consent import ConsentOperations
from gdprcrm.service.erasure import ErasureOutcome
from gdprcrm.service.information import InformationOperations
from gdprcrm.service.interactions import InteractionOperations
from gdprcrm.service.kernel import Kernel
from gdprcrm.service.lookups import LookupOperations
from gdprcrm.service.notices import sync_notices
from gdprcrm.service.opening import open_embedded
from gdprcrm.service.processing import ProcessingOperations
from gdprcrm.service.records import RecordOperations
from gdprcrm.service.requests import RequestOperations
from gdprcrm.service.restores import Reconciliation
from gdprcrm.service.retention import SweepResult
from gdprcrm.service.tokens import LinkOperations
from gdprcrm.storage.protocols import Storage
from gdprcrm.vault import CertificateSigner, ErasureCertificate, Kek, KekSource, KeyVault

__all__ = ["Controller"]


class Controller(
    ProcessingOperations,
    AccountabilityOperations,
    RequestOperations,
    ConsentOperations,
    InformationOperations,
    InteractionOperations,
    LinkOperations,
    LookupOperations,
    RecordOperations,
):
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
        checkpoints: str | os.PathLike[str] | CheckpointFile | None = None,
        checkpoint_every: int = DEFAULT_EVERY,
        laws: MarketingLaws = DEFAULT_MARKETING_LAWS,
    ) -> None:
        """``laws``: the channel rules of direct marketing per member state (France and
        the ePrivacy baseline built in; ``DEFAULT_MARKETING_LAWS.with_law(...)`` to
        declare another state's); the declarations' own ``marketing_laws`` come first.

        ``checkpoints``: the file (outside the data store) where signed checkpoints of
        the audit trail are filed, taken after each erasure, every ``checkpoint_every``
        entries and on :meth:`close`; an operation on a trail that no longer reaches the
        latest one fails with :class:`~gdprcrm.errors.AuditTampered` (Art. 5(2))."""
        if not isinstance(declarations, Declarations):
            raise InvalidInput("Controller needs Declarations (see gdprcrm.config)")
        if not declarations.notices:
            raise InvalidInput("the declarations need at least one published notice version")
        anchor = None
        if checkpoints is not None:
            if not isinstance(checkpoints, CheckpointFile):
                checkpoints = CheckpointFile(checkpoints)
            anchor = Anchor(checkpoints, vault.signer, every=checkpoint_every)
        self._k = Kernel(
            storage,
            vault,
            declarations,
            clock if clock is not None else SystemClock(),
            audit_key=audit_key,
            actor=actor,
            ages=ages,
            calendar=calendar,
            anchor=anchor,
            laws=laws,
        )
        # Art. 7(1), 13: every notice version ever published, today's last.
        self._k.declarations = sync_notices(self._k)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        declarations: Declarations,
        *,
        kek: KekSource | Kek,
        signer: CertificateSigner,
        audit_key: bytes | _UnkeyedAuditChain,
        clock: Clock | None = None,
        checkpoints: str | os.PathLike[str] | None = None,
        checkpoint_every: int = DEFAULT_EVERY,
        restored: bool = False,
        reconcile: bool = True,
    ) -> Controller:
        """The embedded default: records in an SQLite file, keys in a second file beside it,
        signed audit checkpoints in a third (``checkpoints``, by default the database's
        path + ``.checkpoints``: copy it elsewhere too).

        ``audit_key`` (32 bytes or more, kept outside the database; ``gdprcrm init``
        writes one) makes the audit trail an HMAC chain that someone who can only write
        the database cannot rewrite (Art. 5(2)). It is required: opting out takes the
        explicit ``gdprcrm.audit.UNKEYED_AUDIT_CHAIN``.

        ``restored=True`` after restoring the data store from a backup: the trail then
        ends before its latest checkpoint, which :meth:`acknowledge_restore` records;
        without it, such a trail is refused as tampered (:class:`~gdprcrm.errors.AuditTampered`).
        ``reconcile=False`` opens without repairing anything (to verify a store as found).
        """
        return open_embedded(
            cls,
            path,
            declarations,
            kek=kek,
            signer=signer,
            audit_key=audit_key,
            clock=clock,
            checkpoints=checkpoints,
            checkpoint_every=checkpoint_every,
            restored=restored,
            reconcile=reconcile,
        )

    def reconcile(self) -> Reconciliation:
        """Replay each store's tombstones into the other: after a restore of either the
        data store or the key store, nothing erased comes back (Art. 17, 32(1)(c)).
        :meth:`open` does it; call it at start-up when you build the Controller yourself."""
        return restores.reconcile(self._k)

    @property
    def storage(self) -> Storage:
        return self._k.storage

    @property
    def vault(self) -> KeyVault:
        return self._k.vault

    @property
    def declarations(self) -> Declarations:
        return self._k.declarations

    @property
    def clock(self) -> Clock:
        return self._k.clock

    def close(self) -> None:
        """Checkpoint the audit trail (when checkpoints are filed and it still reaches the
        latest one), then close storage. Closing twice does nothing more."""
        try:
            if self._k.anchor is not None:
                # Not when the storage was closed by its owner, nor over a cut trail
                # (verify_audit reports it; every write refuses it).
                with contextlib.suppress(InterfaceError, AuditTampered):
                    self._k.checkpoint()
        finally:
            self._k.anchor = None
            self._k.storage.close()

    # -- collection (Art. 5(1)(b)-(c), 9, 13, 14) -------------------------------------

    def add_subject(
        self,
        values: Mapping[str, str],
        jurisdiction: str,
        purposes: Iterable[str],
        *,
        source: DataSource | None = None,
        birth_date: date | None = None,
        attested_age: AgeAttestation | None = None,
        consents: Iterable[ConsentGrant] = (),
        at: datetime | None = None,
    ) -> SubjectId:
        """Store a new person's values, encrypted, for the given purposes.

        Refuses a value that none of ``purposes`` needs (Art. 5(1)(c), naming the field),
        an undeclared purpose or field, and a value that is not text. ``source`` marks
        data not collected from the person (Art. 14): the audit records when they must be
        informed (one month, Art. 14(3)(a)). ``consents`` records, in the same unit of
        work, the consents given with the form (Art. 6(1)(a), 7(1)); a purpose resting on
        consent collected without one keeps its values only the declared
        ``pending_consent`` period (seven days by default: a double opt-in awaiting
        confirmation), after which the sweep erases them.
        """
        return collection.add_subject(
            self._k,
            values,
            jurisdiction,
            purposes,
            source=source,
            birth_date=birth_date,
            attested_age=attested_age,
            consents=consents,
            at=at,
        )

    def update(
        self, subject_id: SubjectId, values: Mapping[str, str], at: datetime | None = None
    ) -> None:
        """An ordinary change of values (a new phone number, the latest order): minimised,
        encrypted, re-indexed and audited, with no Art. 19 notices. To correct inaccurate
        data at the person's request (Art. 16), use :meth:`rectify`."""
        collection.update_values(self._k, subject_id, values, at)

    def add_purposes(
        self,
        subject_id: SubjectId,
        purposes: Iterable[str],
        *,
        values: Mapping[str, str] | None = None,
        at: datetime | None = None,
    ) -> frozenset[str]:
        """Collect for further purposes (a prospect becomes a customer), with the values
        they need (Art. 5(1)(b)-(c); Art. 21(3) for direct marketing); returns the
        subject's purposes now."""
        return collection.add_purposes(self._k, subject_id, purposes, values, at)

    def find_subject(
        self, *, email: str | None = None, phone: str | None = None, country: str | None = None
    ) -> list[SubjectId]:
        """The subjects with this e-mail address or phone number (through the blind index,
        any notation: :mod:`gdprcrm.contact_points`). A national phone number is read in
        ``country`` (ISO 3166), by default the controller's establishment."""
        return collection.find_subject(self._k, email=email, phone=phone, country=country)

    def subject(self, subject_id: SubjectId) -> Subject:
        """The stored subject record (no personal values: those are in :meth:`values`)."""
        return collection.get_subject(self._k, subject_id)

    def end_relationship(self, subject_id: SubjectId, at: datetime | None = None) -> None:
        """Record the end of the customer relationship: the periods that run from it
        (e.g. 5 years of archive for proof) start now (Art. 5(1)(e))."""
        retention.end_relationship(self._k, subject_id, at)

    # -- rights (Art. 15-21) ----------------------------------------------------------

    def values(
        self, subject_id: SubjectId, purpose: str | None = None, *, at: datetime | None = None
    ) -> dict[str, str]:
        """With ``purpose``: only the values that purpose needs (Art. 5(1)(b)-(c)), once
        decide() allows it to use them now (``ProcessingRefused`` otherwise), audited
        (``values.read`` / ``values.refused``): what processing code should call.
        Without: every stored value, decrypted, the Art. 15 path (the person's own copy,
        an operator's look), unaudited."""
        return rights.values(self._k, subject_id, purpose, at)

    def access_report(self, subject_id: SubjectId, at: datetime | None = None) -> dict[str, Any]:
        """Art. 15: confirmation, every stored value decrypted, and the Art. 15(1) facts
        (purposes, categories, actual recipients, transfers, retention, source, rights)."""
        return rights.access_report(self._k, subject_id, at)

    def access_report_text(
        self,
        subject_id: SubjectId,
        *,
        lang: str = "fr",
        fmt: str = "md",
        at: datetime | None = None,
    ) -> str:
        """Art. 15 for the person to read: every item of 15(1)-(3) in Markdown or HTML,
        in French or English (:func:`gdprcrm.documents.access_report_text`)."""
        report = rights.access_report(self._k, subject_id, at)
        return access_report_text(report, self._k.declarations, lang=lang, fmt=fmt)

    def export(self, subject_id: SubjectId, fmt: str = "json", at: datetime | None = None) -> str:
        """Art. 20: the data the person provided, on consent or contract, as JSON (valid
        against :func:`gdprcrm.documents.portability_schema`) or CSV."""
        return rights.export(self._k, subject_id, fmt, at)

    def rectify(
        self, subject_id: SubjectId, values: Mapping[str, str], at: datetime | None = None
    ) -> tuple[str, ...]:
        """Art. 16: replace values; returns the recipients to notify (Art. 19)."""
        return rights.rectify(self._k, subject_id, values, at)

    def restrict(
        self, subject_id: SubjectId, ground: RestrictionGround, at: datetime | None = None
    ) -> Restriction:
        """Art. 18: from now on, only storage (save the Art. 18(2) cases)."""
        return rights.restrict(self._k, subject_id, ground, at)

    def lift_restriction(
        self, restriction: Restriction, *, informed_at: datetime, at: datetime | None = None
    ) -> Restriction:
        """Art. 18(3): lift a restriction, the subject having been informed before."""
        return rights.lift_restriction(self._k, restriction, informed_at=informed_at, at=at)

    def object(
        self,
        subject_id: SubjectId,
        purpose_id: str | None = None,
        *,
        direct_marketing: bool = False,
        at: datetime | None = None,
        contact_channel: Channel | None = None,
    ) -> Objection:
        """Art. 21: object to direct marketing (absolute), or to a purpose resting on
        Art. 6(1)(e) or (f); objecting to any other purpose has no legal basis.
        ``contact_channel`` limits it to messages on one channel ("no more SMS")."""
        return rights.object_to(
            self._k,
            subject_id,
            purpose_id,
            direct_marketing=direct_marketing,
            at=at,
            contact_channel=contact_channel,
        )

    # -- erasure (Art. 17, 19) --------------------------------------------------------

    def erase(
        self, subject_id: SubjectId, *, dry_run: bool = False, at: datetime | None = None
    ) -> ErasureOutcome:
        """Erase the subject: everything not held under Art. 17(3) goes now; what is held
        stays, restricted, until its hold ends; the key is shredded once nothing is held.

        Crash-safe: the erasure is marked first; :meth:`resume_erasures` completes any
        erasure that an interruption left half-done, and repeating a step is harmless.
        """
        outcome = erasure.erase(self._k, subject_id, dry_run=dry_run, at=at)
        if not dry_run:
            self._anchor(at)  # the erasure's entries, signed beyond the database's reach
        return outcome

    def certificate(self, certificate_id: uuid.UUID) -> ErasureCertificate:
        """The signed certificate a trail entry names (Art. 5(2)), checked against this
        controller's key: NotFound, or SignatureInvalid if its row was altered."""
        return erasure.stored_certificate(self._k, certificate_id)

    def erasure_certificate(
        self, subject_id: SubjectId, *, at: datetime | None = None
    ) -> ErasureCertificate:
        """A newly signed restatement of the subject's erasure (Art. 5(2)); audited and
        kept. NotFound when the subject was never erased."""
        certificate = erasure.erasure_certificate(self._k, subject_id, at)
        self._anchor(at)
        return certificate

    def resume_erasures(self, at: datetime | None = None) -> list[ErasureOutcome]:
        """Complete every erasure that is due: interrupted ones, and holds that ended."""
        outcomes = erasure.resume_erasures(self._k, at)
        if outcomes:
            self._anchor(at)
        return outcomes

    # -- storage limitation (Art. 5(1)(e)) ----------------------------------------------

    def sweep(
        self,
        at: datetime | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> SweepResult:
        """Apply every retention rule that has fallen due, reading only what is due (an
        indexed range of the schedule, never the whole base). ``progress(done, total)`` is
        called after each item."""
        result = retention.sweep(self._k, at, progress)
        self._anchor(at)
        return result

    def purge_suppressions(self, keep_years: int = 3, *, at: datetime | None = None) -> int:
        """Forget the objections to direct marketing recorded more than ``keep_years``
        ago (Art. 21(3); the CNIL asks for three years at least, fewer is refused with
        :class:`~gdprcrm.errors.InvalidInput`). Returns how many entries went; the audit
        trail records the years kept and the count, never the hashes."""
        return retention.purge_suppressions(self._k, keep_years, at)

    def _anchor(self, at: datetime | None) -> None:
        if self._k.anchor is not None:
            self._k.checkpoint(at)

    # -- Art. 19 notifications ----------------------------------------------------------

    def pending_notifications(self, limit: int = 1000) -> list[RecipientNotification]:
        """Art. 19: the notifications owed to recipients and not yet reported sent,
        oldest first. Send them, then call :meth:`notification_sent` for each."""
        return notifications.pending_notifications(self._k, limit)

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
        return notifications.notifications_sent(self._k, notification_ids, at)

    def notifications(self, subject_id: SubjectId) -> list[RecipientNotification]:
        """Art. 19, second sentence: the recipients told about this subject, on request."""
        return notifications.notifications_for(self._k, subject_id)

    # -- breaches (Art. 33, 34) ---------------------------------------------------------

    def record_breach(self, breach: Breach) -> Breach:
        """Document a breach (Art. 33(5)); ``aware_at`` starts the 72-hour clock."""
        return breaches.record_breach(self._k, breach)

    def notify_breach(
        self, breach_id: Any, *, at: datetime | None = None, delay_reasons: str | None = None
    ) -> Breach:
        """Record the notification to the authority; after 72 hours, the reasons for the
        delay are required (Art. 33(1))."""
        return breaches.notify_breach(self._k, breach_id, at=at, delay_reasons=delay_reasons)

    def communicate_breach(
        self,
        breach_id: Any,
        *,
        at: datetime | None = None,
        exception: CommunicationException | None = None,
    ) -> Breach:
        """Art. 34: record that the people were told, or the Art. 34(3) exception that
        dispenses with it."""
        return breaches.communicate_breach(self._k, breach_id, at=at, exception=exception)

    def breaches(self) -> list[Breach]:
        """Every documented breach (Art. 33(5))."""
        return breaches.all_breaches(self._k)
