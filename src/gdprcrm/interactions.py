"""The transparency log: every contact and communication with a person (Art. 5(1)(a), 12).

Each interaction is tied to a purpose, and what was said is kept only as ciphertext
under the person's key, bound to the interaction's id: erasing the person (shredding
the key) erases the content of every interaction too, while the fact that a contact
took place, and for which purpose, remains provable.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import attrs

from gdprcrm.errors import SubjectErased
from gdprcrm.model import Direction, Interaction, InteractionKind, SubjectId
from gdprcrm.policy.scopes import interactions_scope
from gdprcrm.service.notes import check_channel
from gdprcrm.storage.protocols import UnitOfWork
from gdprcrm.vault import KeyVault

__all__ = ["ERASED_PLACEHOLDER", "InteractionLog", "LoggedInteraction"]

ERASED_PLACEHOLDER = "[effacé]"
"""What the log shows in place of content whose subject was erased."""

_FIELD = "interaction"


@attrs.frozen
class LoggedInteraction:
    """An interaction and its decrypted content (None if none was kept)."""

    interaction: Interaction
    content: str | None
    erased: bool = False


class InteractionLog:
    """Records and reads interactions through a unit of work, encrypting the content."""

    def __init__(self, vault: KeyVault) -> None:
        self._vault = vault

    def record(
        self,
        uow: UnitOfWork,
        subject_id: SubjectId,
        *,
        at: datetime,
        kind: InteractionKind,
        direction: Direction,
        purpose_id: str | None,
        channel: str,
        content: str | None = None,
    ) -> Interaction:
        """Add an interaction; ``content`` is encrypted in the subject's interactions key
        scope (destroyed by the first step of an erasure, whatever else is held)."""
        check_channel(channel)
        interaction_id = uuid.uuid4()
        sealed = (
            None
            if content is None
            else self._vault.encrypt_scoped(
                subject_id, interactions_scope(subject_id), _FIELD, content, interaction_id
            )
        )
        interaction = Interaction(
            subject_id,
            at,
            kind,
            direction,
            purpose_id,
            channel,
            content=sealed,
            id=interaction_id,
        )
        uow.interactions.add(interaction)
        if direction is Direction.INBOUND:  # the anchor of "last contact" retention
            subject = uow.subjects.get_for_update(subject_id)
            if subject.last_contact_at is None or subject.last_contact_at < at:
                uow.subjects.update(attrs.evolve(subject, last_contact_at=at))
        return interaction

    def read(self, uow: UnitOfWork, subject_id: SubjectId) -> list[LoggedInteraction]:
        """The subject's interactions in time order, content decrypted where it can be."""
        out = []
        for item in uow.interactions.for_subject(subject_id):
            if item.content is None:
                out.append(LoggedInteraction(item, None))
                continue
            try:
                text = self._vault.decrypt(subject_id, _FIELD, item.content, context=item.id)
            except SubjectErased:  # the subject's key, or the interactions scope
                out.append(LoggedInteraction(item, ERASED_PLACEHOLDER, erased=True))
                continue
            out.append(LoggedInteraction(item, str(text)))
        return out
