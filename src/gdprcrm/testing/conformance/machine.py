"""The differential machine: the same random operations on an adapter and on the
in-memory reference, compared after every step."""

from __future__ import annotations

import contextlib
import functools
import inspect
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
)

from gdprcrm import errors
from gdprcrm.model import (
    BlindIndexEntry,
    Breach,
    ConsentGiven,
    DataSubjectRequest,
    Direction,
    ErasureStep,
    Interaction,
    InteractionKind,
    Lookup,
    NotificationEvent,
    Objection,
    PendingErasure,
    PersonalField,
    RecipientNotification,
    Record,
    RecordId,
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
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.storage.protocols import Storage, UnitOfWork
from gdprcrm.testing import strategies as gst
from gdprcrm.testing.conformance._support import (
    PROBE_DIGESTS,
    T0,
    _entry,
    _request,
    differences,
    snapshot,
)
from gdprcrm.vault.keystore import Tombstone

_names = st.sampled_from(["email", "name", "phone"])
_purposes = st.sampled_from(["newsletter", "profiling", "support"])
_kinds = st.sampled_from(["invoice", "order"])
_offsets = st.integers(0, 400).map(lambda d: T0 + timedelta(days=d))


class DifferentialMachine(RuleBasedStateMachine):
    """The same random operations on an adapter and on the memory reference."""

    factory: ClassVar[Callable[[], Storage]]

    subjects = Bundle("subjects")
    consents = Bundle("consents")
    restrictions = Bundle("restrictions")
    requests = Bundle("requests")
    notifications = Bundle("notifications")
    records = Bundle("records")

    def __init__(self) -> None:
        super().__init__()
        self.reference: Storage = MemoryStorage()
        self.tested: Storage = type(self).factory()
        self.known: list[SubjectId] = []
        self.breach_ids: list[uuid.UUID] = []

    def both(self, action: Callable[[Any], Any], *, commit: bool = True) -> list[Any]:
        """Run ``action`` in a unit on each storage; both must succeed or fail alike."""
        outcomes: list[Any] = []
        for storage in (self.reference, self.tested):
            try:
                with storage.unit_of_work() as uow:
                    result = action(uow)
                    if commit:
                        uow.commit()
                outcomes.append(("ok", result))
            except errors.GdprCrmError as exc:
                outcomes.append(("error", type(exc)))
        if outcomes[0] != outcomes[1]:
            frame = inspect.currentframe()
            step = "?" if frame is None or frame.f_back is None else frame.f_back.f_code.co_name
            raise AssertionError(  # named by the rule (or check) that ran the operation
                f"in {step}: the memory reference gave {outcomes[0]}, the adapter {outcomes[1]}"
            )
        return outcomes

    @rule(target=subjects, subject=gst.subjects(purpose_ids=["newsletter"], adult=None))
    def add_subject(self, subject: Subject) -> SubjectId:
        self.both(lambda u: u.subjects.add(subject))
        self.known.append(subject.id)
        return subject.id

    @rule(sid=subjects, status=st.sampled_from(list(SubjectStatus)), purpose=_purposes)
    def update_subject(self, sid: SubjectId, status: SubjectStatus, purpose: str) -> None:
        def act(u: UnitOfWork) -> None:
            current = u.subjects.get_for_update(sid)
            u.subjects.update(
                attrs.evolve(current, status=status, purposes=current.purposes | {purpose})
            )

        self.both(act)

    @rule(
        sids=st.lists(subjects, max_size=4, unique=True),
        status=st.sampled_from(list(SubjectStatus)),
        stranger=st.booleans(),
    )
    def update_many(self, sids: list[SubjectId], status: SubjectStatus, stranger: bool) -> None:
        def act(u: UnitOfWork) -> None:
            batch = [attrs.evolve(u.subjects.get(sid), status=status) for sid in sids]
            if stranger and batch:  # one unknown subject: none of the batch is replaced
                batch.append(attrs.evolve(batch[0], id=SubjectId.new()))
            # Committed even when refused: the snapshots show nothing was half-written.
            with contextlib.suppress(errors.UnknownRecord):
                u.subjects.update_many(batch)

        self.both(act)

    @rule(
        sids=st.lists(subjects, max_size=4),
        bulk=st.sampled_from(
            [
                ("subjects", "delete_fields_of"),
                ("subjects", "delete_index_of"),
                ("retention", "clear_many"),
                ("duties", "delete_for_subjects"),
                ("erasures", "remove_many"),
            ]
        ),
    )
    def forget_many(self, sids: list[SubjectId], bulk: tuple[str, str]) -> None:
        # Each bulk deletion does what the single-subject one does for each, in one
        # batch (the same subject twice counts once), and says how many rows went.
        repository, method = bulk
        self.both(lambda u: getattr(getattr(u, repository), method)(sids))

    @rule(
        sids=st.lists(subjects, max_size=4),
        names=st.lists(st.lists(_names | _purposes, max_size=2), min_size=4, max_size=4),
        bulk=st.sampled_from(
            [
                ("subjects", "delete_fields_many"),
                ("subjects", "delete_index_many"),
                ("retention", "clear_purposes"),
            ]
        ),
    )
    def forget_named(
        self, sids: list[SubjectId], names: list[list[str]], bulk: tuple[str, str]
    ) -> None:
        # Some fields, index entries or scheduled purposes of each subject, in one batch.
        doomed = list(zip(sids, names, strict=False))
        repository, method = bulk
        self.both(lambda u: getattr(getattr(u, repository), method)(doomed))

    @rule(sids=st.lists(subjects, max_size=4), at=_offsets)
    def tombstones_many(self, sids: list[SubjectId], at: datetime) -> None:
        stones = [Tombstone(sid, at, ((1, bytes([i]) * 8),)) for i, sid in enumerate(sids)]
        self.both(lambda u: u.tombstones.add_many(stones))

    @rule(sids=st.lists(subjects, max_size=4), at=_offsets)
    def notifications_many(self, sids: list[SubjectId], at: datetime) -> None:
        batch = [
            RecipientNotification(sid, "mailer", NotificationEvent.ERASURE, at) for sid in sids
        ]
        self.both(lambda u: u.notifications.add_many(batch))

    @rule(
        sid=subjects,
        names=st.lists(_names, min_size=1, max_size=3, unique=True),
        size=st.integers(0, 300),
        day=_offsets,
    )
    def put_fields(self, sid: SubjectId, names: list[str], size: int, day: datetime) -> None:
        fields = [PersonalField(sid, n, bytes([size % 256]) * size, day) for n in names]
        self.both(lambda u: u.subjects.put_fields(fields))

    @rule(sid=subjects, names=st.none() | st.lists(_names, max_size=2))
    def delete_fields(self, sid: SubjectId, names: list[str] | None) -> None:
        self.both(lambda u: u.subjects.delete_fields(sid, names))

    @rule(
        sid=subjects,
        field=_names,
        kind=st.sampled_from(list(Lookup)),
        digest=st.sampled_from(PROBE_DIGESTS),
    )
    def put_index(self, sid: SubjectId, field: str, kind: Lookup, digest: bytes) -> None:
        self.both(lambda u: u.subjects.put_index([BlindIndexEntry(sid, field, kind, digest)]))

    @rule(sid=subjects, fields=st.none() | st.lists(_names, max_size=2))
    def delete_index(self, sid: SubjectId, fields: list[str] | None) -> None:
        self.both(lambda u: u.subjects.delete_index(sid, fields))

    @rule(target=consents, sid=subjects, purpose=_purposes, at=_offsets)
    def give_consent(self, sid: SubjectId, purpose: str, at: datetime) -> ConsentGiven:
        event = ConsentGiven(sid, purpose, at, "web", "v1")
        self.both(lambda u: u.consents.append(event))
        return event

    @rule(given=consumes(consents), days=st.integers(0, 100))
    def withdraw(self, given: ConsentGiven, days: int) -> None:
        event = given.withdraw(given.at + timedelta(days=days), "email")
        self.both(lambda u: u.consents.append(event))

    @rule(sid=subjects, at=_offsets, marketing=st.booleans())
    def object_(self, sid: SubjectId, at: datetime, marketing: bool) -> None:
        objection = (
            Objection(sid, at, direct_marketing=True)
            if marketing
            else Objection(sid, at, purpose_id="profiling")
        )
        self.both(lambda u: u.objections.add(objection))

    @rule(target=restrictions, sid=subjects, at=_offsets)
    def restrict(self, sid: SubjectId, at: datetime) -> Restriction:
        restriction = Restriction(sid, RestrictionGround.ACCURACY_CONTESTED, at)
        self.both(lambda u: u.restrictions.add(restriction))
        return restriction

    @rule(restriction=consumes(restrictions))
    def lift(self, restriction: Restriction) -> None:
        lifted = restriction.lift(restriction.at, restriction.at + timedelta(days=1))
        self.both(lambda u: u.restrictions.update(lifted))

    @rule(target=requests, sid=subjects, days=st.integers(1, 90))
    def receive_request(self, sid: SubjectId, days: int) -> DataSubjectRequest:
        request = _request(sid, days)
        self.both(lambda u: u.requests.add(request))
        return request

    @rule(request=consumes(requests), status=st.sampled_from(list(RequestStatus)))
    def change_request(self, request: DataSubjectRequest, status: RequestStatus) -> None:
        changed = attrs.evolve(request, status=status)
        self.both(lambda u: u.requests.update(changed))

    @rule(sid=subjects, at=_offsets, content=st.none() | st.binary(max_size=64))
    def interact(self, sid: SubjectId, at: datetime, content: bytes | None) -> None:
        item = Interaction(
            sid,
            at,
            InteractionKind.CONTACT,
            Direction.INBOUND,
            "support",
            "phone",
            content=content,
        )
        self.both(lambda u: u.interactions.add(item))

    @rule(sid=subjects)
    def forget_interactions(self, sid: SubjectId) -> None:
        self.both(lambda u: u.interactions.delete_for_subject(sid))

    @rule(sid=st.none() | subjects)
    def audit(self, sid: SubjectId | None) -> None:
        def act(u: UnitOfWork) -> None:
            head = u.audit.head()
            u.audit.append(_entry(0 if head is None else head.sequence + 1, sid))

        self.both(act)

    @rule(
        sid=subjects,
        purpose=_purposes,
        due=_offsets,
        action=st.sampled_from(list(RetentionAction)),
    )
    def schedule(
        self, sid: SubjectId, purpose: str, due: datetime, action: RetentionAction
    ) -> None:
        self.both(lambda u: u.retention.schedule([RetentionDue(sid, purpose, due, action)]))

    @rule(sid=subjects, purpose=st.none() | _purposes)
    def clear_retention(self, sid: SubjectId, purpose: str | None) -> None:
        self.both(lambda u: u.retention.clear(sid, purpose))

    @rule(at=_offsets, people=st.integers(0, 1000))
    def breach(self, at: datetime, people: int) -> None:
        record = Breach(at, "incident", {"contact.email"}, people, people * 2)
        self.both(lambda u: u.breaches.add(record))
        self.breach_ids.append(record.id)

    @rule(kind=st.sampled_from(list(Lookup)), digest=st.sampled_from(PROBE_DIGESTS), at=_offsets)
    def suppress(self, kind: Lookup, digest: bytes, at: datetime) -> None:
        self.both(lambda u: u.suppressions.add(SuppressionEntry(digest, kind, at)))

    @rule(
        target=notifications,
        sid=subjects,
        recipient=st.sampled_from(["mailer", "bank"]),
        event=st.sampled_from(list(NotificationEvent)),
        at=_offsets,
    )
    def queue_notification(
        self, sid: SubjectId, recipient: str, event: NotificationEvent, at: datetime
    ) -> uuid.UUID:
        notification = RecipientNotification(sid, recipient, event, at)
        self.both(lambda u: u.notifications.add(notification))
        return notification.id

    @rule(notification_id=notifications, days=st.integers(0, 30))
    def notification_sent(self, notification_id: uuid.UUID, days: int) -> None:
        at = T0 + timedelta(days=400 + days)
        self.both(lambda u: u.notifications.mark_sent(notification_id, at))

    @rule(sid=subjects, at=_offsets, held=st.booleans())
    def start_erasure(self, sid: SubjectId, at: datetime, held: bool) -> None:
        pending = PendingErasure(sid, at, resume_at=None if held else at)
        self.both(lambda u: u.erasures.add(pending))

    @rule(sid=subjects, days=st.none() | st.integers(0, 400))
    def erasure_step(self, sid: SubjectId, days: int | None) -> None:
        def act(u: UnitOfWork) -> None:
            found = u.erasures.find(sid)
            if found is None:
                u.erasures.update(PendingErasure(sid, T0))  # UnknownRecord on both
                return
            resume = None if days is None else T0 + timedelta(days=days)
            u.erasures.update(attrs.evolve(found, step=ErasureStep.HELD, resume_at=resume))

        self.both(act)

    @rule(sid=subjects, at=_offsets, versions=st.integers(0, 2))
    def tombstone(self, sid: SubjectId, at: datetime, versions: int) -> None:
        stone = Tombstone(sid, at, tuple((v, bytes([v]) * 8) for v in range(1, versions + 1)))
        self.both(lambda u: u.tombstones.add(stone))

    @rule(sid=subjects)
    def erasure_done(self, sid: SubjectId) -> None:
        self.both(lambda u: u.erasures.remove(sid))

    @rule(
        target=records,
        sid=subjects,
        kind=_kinds,
        day=_offsets,
        keep=st.integers(1, 400),
        size=st.integers(35, 90),
    )
    def add_record(
        self, sid: SubjectId, kind: str, day: datetime, keep: int, size: int
    ) -> RecordId:
        record = Record(
            RecordId.new(), sid, kind, day, day, day, day + timedelta(days=keep), b"\x07" * size
        )
        self.both(lambda u: u.records.add(record))
        return record.id

    @rule(record_id=records, days=st.integers(0, 400), size=st.integers(35, 90))
    def update_record(self, record_id: RecordId, days: int, size: int) -> None:
        def act(u: UnitOfWork) -> None:
            found = u.records.get(record_id)
            at = T0 + timedelta(days=days)
            u.records.update(
                attrs.evolve(found, updated_at=at, due_at=at, ciphertext=b"\x08" * size)
            )

        self.both(act)

    @rule(record_id=records)
    def delete_record(self, record_id: RecordId) -> None:
        self.both(lambda u: u.records.delete(record_id))

    @rule(sid=subjects)
    def delete_records(self, sid: SubjectId) -> None:
        self.both(lambda u: u.records.delete_for_subject(sid))

    @rule(subject=gst.subjects(purpose_ids=["newsletter"]), sid=subjects)
    def aborted_unit(self, subject: Subject, sid: SubjectId) -> None:
        def act(u: UnitOfWork) -> None:
            u.subjects.add(subject)
            u.subjects.put_fields([PersonalField(sid, "email", b"\x03" * 40, T0)])
            u.consents.append(ConsentGiven(sid, "newsletter", T0, "web", "v1"))

        self.both(act, commit=False)

    @rule(sid=subjects)
    def duplicate_subject(self, sid: SubjectId) -> None:
        def act(u: UnitOfWork) -> None:
            u.subjects.add(u.subjects.get(sid))

        self.both(act)

    @invariant()
    def agree(self) -> None:
        disagree = differences(
            snapshot(self.reference, self.known), snapshot(self.tested, self.known)
        )
        assert not disagree, "the adapter disagrees with the memory reference on " + "; ".join(
            disagree
        )
        for digest in PROBE_DIGESTS:
            for kind in Lookup:
                self.both(functools.partial(_find, kind=kind, digest=digest), commit=False)
        for day in (0, 100, 400):
            at = T0 + timedelta(days=day)
            self.both(functools.partial(_due, at=at), commit=False)
            self.both(functools.partial(_erasures_due, at=at), commit=False)
            self.both(functools.partial(_records_due, at=at), commit=False)
            if self.known:
                self.both(functools.partial(_history, sid=self.known[0], at=at), commit=False)

    def teardown(self) -> None:
        self.reference.close()
        self.tested.close()


def _find(u: UnitOfWork, *, kind: Lookup, digest: bytes) -> list[SubjectId]:
    return u.subjects.find_by_index(kind, digest)


def _due(u: UnitOfWork, *, at: datetime) -> list[RetentionDue]:
    return u.retention.due_before(at, 7)


def _erasures_due(u: UnitOfWork, *, at: datetime) -> list[PendingErasure]:
    return u.erasures.due_before(at, 3)


def _records_due(u: UnitOfWork, *, at: datetime) -> list[Record]:
    return u.records.due_before(at, 4)


def _history(u: UnitOfWork, *, sid: SubjectId, at: datetime) -> list[Any]:
    return u.consents.history(sid, until=at)
