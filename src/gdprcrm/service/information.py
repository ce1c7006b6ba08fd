"""The Art. 14 information duty as a queue, through the Controller.

A person collected with a ``source`` (a purchased list, an enrichment service, a public
source, a partner) gets an :class:`~gdprcrm.model.InformationDuty` in the same unit of
work: due one month after the data was obtained (Art. 14(3)(a)), earlier at the first
communication with them (14(3)(b): an outbound interaction, a message sent through
``processing(..., outreach=)``) or the first disclosure to a recipient (14(3)(c)).
The host records that the information was given (the proof: when, how) or that an Art.
14(5) exemption applies (the ground and the reference of the assessment), and lists
the pending and overdue duties.
"""

from __future__ import annotations

from datetime import datetime

from gdprcrm.errors import InvalidInput, PurposeLimitation, UnknownRecord
from gdprcrm.interactions import InteractionLog
from gdprcrm.model import (
    Direction,
    DutyTrigger,
    Exemption,
    InformationDuty,
    InteractionKind,
    SubjectId,
)
from gdprcrm.model._checks import shown
from gdprcrm.model.audit_entry import is_code
from gdprcrm.service.kernel import Kernel
from gdprcrm.service.notes import check_channel
from gdprcrm.storage.protocols import UnitOfWork

__all__ = [
    "InformationOperations",
    "disclosed",
    "due_earlier",
    "exempt_information",
    "information_duties",
    "information_given",
]


def due_earlier(
    k: Kernel, uow: UnitOfWork, subject_id: SubjectId, at: datetime, trigger: DutyTrigger
) -> None:
    """Art. 14(3)(b)-(c): in ``uow``, a pending duty falls due at ``at`` if that is
    earlier (a first communication or disclosure). Nothing for a person with none."""
    duty = uow.duties.get(subject_id)
    if duty is None:
        return
    moved = duty.due_earlier(at, trigger)
    if moved != duty:
        uow.duties.update(moved)
        k.audit(
            uow,
            "information.due",
            subject_id,
            at=at,
            details={"trigger": trigger.value},
        )


def _pending(uow: UnitOfWork, subject_id: SubjectId) -> InformationDuty:
    duty = uow.duties.get(subject_id)
    if duty is None:
        raise UnknownRecord("no Art. 14 information duty for this person (collected from them)")
    if not duty.pending:
        raise InvalidInput(f"the Art. 14 duty of this person is already {duty.status.value}")
    return duty


def information_given(
    k: Kernel, subject_id: SubjectId, channel: str, at: datetime | None
) -> InformationDuty:
    """Art. 14(1)-(3), 5(2): the person was given the Art. 14 information, at ``at``,
    through ``channel`` (a code): the proof the duty was met (late if after its due)."""
    now = k.now(at)
    check_channel(channel)
    with k.storage.unit_of_work() as uow:
        k.active(uow, subject_id)
        duty = _pending(uow, subject_id)
        if now < duty.obtained_at:
            raise InvalidInput("information_given: dated before the data was obtained")
        done = duty.informed(now, channel)
        uow.duties.update(done)
        logged = InteractionLog(k.vault).record(  # Art. 12(1): the log of what was said
            uow,
            subject_id,
            at=now,
            kind=InteractionKind.DATA_USE,
            direction=Direction.OUTBOUND,
            purpose_id=None,
            channel=channel,
        )
        k.audit(
            uow,
            "information.given",
            subject_id,
            at=now,
            details={
                "article": "14",
                "channel": channel,
                "late": now > duty.due_at,
                "interaction": str(logged.id),
            },
        )
        uow.commit()
    return done


def exempt_information(
    k: Kernel, subject_id: SubjectId, exemption: Exemption, reference: str, at: datetime | None
) -> InformationDuty:
    """Art. 14(5): the information need not be given, for ``exemption``; ``reference``
    names where the assessment is documented (a code, kept in clear)."""
    now = k.now(at)
    if not isinstance(exemption, Exemption):
        raise InvalidInput("exempt_information: an Exemption (Art. 14(5)(a)-(d))")
    if not isinstance(reference, str) or not is_code(reference):
        raise InvalidInput(
            "exempt_information: reference is a short lower-case code naming the "
            "assessment (e.g. 'dpo-2026-014'): it is kept in clear"
        )
    with k.storage.unit_of_work() as uow:
        k.active(uow, subject_id)
        duty = _pending(uow, subject_id)
        done = duty.exempted(now, exemption, reference)
        uow.duties.update(done)
        k.audit(
            uow,
            "information.exempt",
            subject_id,
            at=now,
            details={"exemption": exemption.name.lower(), "reference": reference},
        )
        uow.commit()
    return done


def disclosed(k: Kernel, subject_id: SubjectId, recipient_id: str, at: datetime | None) -> None:
    """Record that the person's data was disclosed to a declared recipient of one of
    their purposes (Art. 5(2), 15(1)(c)); a pending Art. 14 duty falls due now
    (14(3)(c))."""
    now = k.now(at)
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        recipients = {
            r.id
            for pid in subject.purposes
            if (p := k.declarations.find_purpose(pid)) is not None
            for r in p.recipients
        }
        if not isinstance(recipient_id, str):
            raise InvalidInput("disclosed: recipient_id is the id of a declared recipient")
        if recipient_id not in recipients:
            raise PurposeLimitation(
                f"disclosed: {shown(recipient_id)} is not a declared recipient of this person's "
                "purposes (Art. 13(1)(e), 30(1)(d))"
            )
        k.audit(uow, "data.disclosed", subject_id, at=now, details={"recipient": recipient_id})
        due_earlier(k, uow, subject_id, now, DutyTrigger.FIRST_DISCLOSURE)
        uow.commit()


def information_duties(
    k: Kernel, overdue_only: bool, at: datetime | None, limit: int
) -> list[InformationDuty]:
    """The pending duties, soonest due first; with ``overdue_only`` those past due at
    ``at`` (now by default)."""
    now = k.now(at)
    with k.storage.unit_of_work(read_only=True) as uow:
        pending = uow.duties.pending(limit)
    return [d for d in pending if d.overdue(now)] if overdue_only else pending


class InformationOperations:
    """The Art. 14 half of :class:`~gdprcrm.service.Controller` (which see)."""

    _k: Kernel

    def information_duty(self, subject_id: SubjectId) -> InformationDuty | None:
        """The person's Art. 14 duty (None when their data came from them)."""
        with self._k.storage.unit_of_work(read_only=True) as uow:
            return uow.duties.get(subject_id)

    def information_duties(
        self, *, overdue: bool = False, at: datetime | None = None, limit: int = 1000
    ) -> list[InformationDuty]:
        """Pending Art. 14 duties, soonest due first; ``overdue=True``: past due only."""
        return information_duties(self._k, overdue, at, limit)

    def information_given(
        self, subject_id: SubjectId, *, channel: str, at: datetime | None = None
    ) -> InformationDuty:
        """Record that the Art. 14 information was given (the proof: when, how)."""
        return information_given(self._k, subject_id, channel, at)

    def exempt_information(
        self,
        subject_id: SubjectId,
        exemption: Exemption,
        *,
        reference: str,
        at: datetime | None = None,
    ) -> InformationDuty:
        """Record an Art. 14(5) exemption with the reference of its assessment."""
        return exempt_information(self._k, subject_id, exemption, reference, at)

    def disclosed(
        self, subject_id: SubjectId, recipient_id: str, *, at: datetime | None = None
    ) -> None:
        """Record a disclosure to a declared recipient; an Art. 14 duty is due now."""
        disclosed(self._k, subject_id, recipient_id, at)
