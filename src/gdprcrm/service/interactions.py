"""The transparency log through the Controller (Art. 5(1)(a), 12, 5(1)(e)): every
contact and communication with a person, audited, checked against the declarations,
moving the retention anchors in the same unit of work."""

from __future__ import annotations

from datetime import datetime

from gdprcrm.errors import InvalidInput, PurposeLimitation
from gdprcrm.interactions import InteractionLog, LoggedInteraction
from gdprcrm.model import (
    Direction,
    DutyTrigger,
    Interaction,
    InteractionKind,
    SubjectId,
    SubjectStatus,
)
from gdprcrm.service.information import due_earlier
from gdprcrm.service.kernel import Kernel

__all__ = ["InteractionOperations", "interactions", "record_interaction"]


def record_interaction(
    k: Kernel,
    subject_id: SubjectId,
    *,
    kind: InteractionKind,
    direction: Direction,
    purpose_id: str,
    channel: str,
    content: str | None,
    at: datetime | None,
) -> Interaction:
    """Log one interaction; an inbound one is a contact *from* the person, the anchor of
    periods counted from the last contact (CNIL: a click counts, a sent e-mail does
    not), so the schedule moves in the same unit."""
    now = k.now(at)
    if not isinstance(kind, InteractionKind) or not isinstance(direction, Direction):
        raise InvalidInput("record_interaction: kind and direction are the model's enums")
    if content is not None and not isinstance(content, str):
        raise InvalidInput("record_interaction: content is text")
    k.declarations.purpose(purpose_id)  # UnknownPurpose for an undeclared one
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        if purpose_id not in subject.purposes:
            raise PurposeLimitation(
                f"record_interaction: {purpose_id!r} is not a purpose of this person "
                "(Art. 5(1)(b))"
            )
        if now < subject.collected_at:
            raise InvalidInput("record_interaction: dated before the person's collection")
        interaction = InteractionLog(k.vault).record(
            uow,
            subject_id,
            at=now,
            kind=kind,
            direction=direction,
            purpose_id=purpose_id,
            channel=channel,
            content=content,
        )
        k.schedule(uow, k.load_state(uow, uow.subjects.get(subject_id)))
        if direction is Direction.OUTBOUND:  # a communication with them: Art. 14(3)(b)
            due_earlier(k, uow, subject_id, now, DutyTrigger.FIRST_COMMUNICATION)
        k.audit(
            uow,
            "interaction.recorded",
            subject_id,
            purpose_id,
            at=now,
            details={
                "kind": kind.value,
                "direction": direction.value,
                "channel": channel,
                "content": content is not None,
            },
        )
        uow.commit()
    return interaction


def interactions(k: Kernel, subject_id: SubjectId) -> list[LoggedInteraction]:
    """The person's interactions in time order, contents decrypted (Art. 15)."""
    with k.storage.unit_of_work(read_only=True) as uow:
        if uow.subjects.get(subject_id).status is SubjectStatus.ERASED:
            return []
        return InteractionLog(k.vault).read(uow, subject_id)


class InteractionOperations:
    """The transparency-log half of :class:`~gdprcrm.service.Controller` (which see)."""

    _k: Kernel

    def record_interaction(
        self,
        subject_id: SubjectId,
        *,
        kind: InteractionKind,
        direction: Direction,
        purpose_id: str,
        channel: str,
        content: str | None = None,
        at: datetime | None = None,
    ) -> Interaction:
        """Log a contact or communication with the person (Art. 5(1)(a), 12): for one of
        their purposes, through a coded channel, audited; ``content`` (what was said) is
        sealed and goes with the erasure. An inbound one moves the last-contact anchor
        of retention (Art. 5(1)(e)) in the same unit of work."""
        return record_interaction(
            self._k,
            subject_id,
            kind=kind,
            direction=direction,
            purpose_id=purpose_id,
            channel=channel,
            content=content,
            at=at,
        )

    def interactions(self, subject_id: SubjectId) -> list[LoggedInteraction]:
        """The person's interactions, oldest first, contents decrypted (Art. 15)."""
        return interactions(self._k, subject_id)
