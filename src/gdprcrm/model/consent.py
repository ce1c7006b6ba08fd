"""Consent as immutable events (Art. 7), and its state at an instant.

A consent is given for exactly one purpose (Art. 7(2)) and withdrawn by a later event
that names it (Art. 7(3)). The state at instant *t* is a pure function of the events up
to *t*: that is how the controller demonstrates consent (Art. 7(1)) and answers "was
this processing lawful last March?".
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from gdprcrm.errors import BundledConsent, InvalidInput, WithdrawalBeforeConsent
from gdprcrm.model._checks import (
    _SLUG,
    as_utc,
    aware,
    check_aware,
    field_name,
    instance_of,
    language,
    optional_text,
    str_pairs,
    text,
    to_pairs,
)
from gdprcrm.model.channel import Channel
from gdprcrm.model.identifiers import SubjectId

__all__ = [
    "Consent",
    "ConsentEvent",
    "ConsentGiven",
    "ConsentGiver",
    "ConsentGrant",
    "ConsentRefused",
    "ConsentState",
    "ConsentWithdrawn",
    "consent_state",
    "consents_of",
]


class ConsentGiver(enum.Enum):
    """Who gave a consent (Art. 8(1))."""

    SUBJECT = "subject"
    PARENTAL_RESPONSIBILITY = "parental-responsibility"


def _one_purpose(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # Art. 7(2): one choice per purpose; a consent cannot name several.
    if not isinstance(value, str):
        raise BundledConsent(
            f"{type(instance).__name__}.purpose_id: one consent covers exactly one purpose "
            "(Art. 7(2)); give one consent per purpose"
        )
    if not _SLUG.fullmatch(value):
        if any(sep in value for sep in ",; |+&"):
            raise BundledConsent(
                f"{type(instance).__name__}.purpose_id: names several purposes; Art. 7(2) "
                "requires one consent per purpose"
            )
        raise InvalidInput(f"{type(instance).__name__}.purpose_id: not a purpose id")


@attrs.frozen
class ConsentGiven:
    """A consent given for one purpose (Art. 7(1): everything needed to prove it)."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    purpose_id: str = attrs.field(validator=_one_purpose)
    at: datetime = attrs.field(converter=as_utc, validator=aware)
    channel: str = attrs.field(validator=text)
    notice_version: str = attrs.field(validator=text)
    language: str = attrs.field(default="fr", validator=language)
    explicit: bool = attrs.field(default=False, validator=instance_of(bool))
    given_by: ConsentGiver = attrs.field(
        default=ConsentGiver.SUBJECT, validator=instance_of(ConsentGiver)
    )
    text_hash: str | None = attrs.field(default=None, validator=optional_text)
    """Hash of the exact wording shown next to the consent control."""
    evidence: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=to_pairs, validator=str_pairs, repr=False
    )
    """Non-personal proof of the act (form id, checkbox id, request id); kept out of repr."""
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, validator=instance_of(uuid.UUID))
    contact_channel: Channel | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Channel)), kw_only=True
    )
    """The one channel the consent covers (an e-mail newsletter, not SMS); None: every
    channel the purpose declares."""
    contact_point: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(field_name), kw_only=True
    )
    """The one contact point it covers: the name of the field holding it (``"email"``,
    ``"phone_mobile"``); None: any of the person's."""

    def covers(self, channel: Channel | None, point: str | None) -> bool:
        """Whether it covers messages on ``channel`` to ``point`` (None: not asked)."""
        return (
            channel is None or self.contact_channel is None or self.contact_channel is channel
        ) and (point is None or self.contact_point is None or self.contact_point == point)

    def withdraw(
        self, at: datetime, channel: str, *, id: uuid.UUID | None = None
    ) -> ConsentWithdrawn:
        """The event that withdraws this consent at ``at`` (Art. 7(3))."""
        return ConsentWithdrawn(
            subject_id=self.subject_id,
            purpose_id=self.purpose_id,
            at=at,
            channel=channel,
            consent_id=self.id,
            given_at=self.at,
            **({"id": id} if id is not None else {}),
        )


def _after_consent(
    instance: ConsentWithdrawn, attribute: attrs.Attribute[Any], value: object
) -> None:
    aware(instance, attribute, value)
    if instance.at < instance.given_at:
        raise WithdrawalBeforeConsent(
            "ConsentWithdrawn.at: a withdrawal cannot precede the consent it withdraws"
        )


@attrs.frozen
class ConsentWithdrawn:
    """The withdrawal of one earlier consent (Art. 7(3)); past processing stays lawful."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    purpose_id: str = attrs.field(validator=_one_purpose)
    at: datetime = attrs.field(converter=as_utc, validator=aware)
    channel: str = attrs.field(validator=text)
    consent_id: uuid.UUID = attrs.field(validator=instance_of(uuid.UUID))
    given_at: datetime = attrs.field(converter=as_utc, validator=_after_consent)
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, validator=instance_of(uuid.UUID))


@attrs.frozen
class ConsentRefused:
    """A consent asked for and refused (Art. 7(1), 5(2)): the proof that the controller
    asked and was told no, under which notice; decide() counts it as no consent, and the
    person is not asked again before the declared ``ask_again_after``."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    purpose_id: str = attrs.field(validator=_one_purpose)
    at: datetime = attrs.field(converter=as_utc, validator=aware)
    channel: str = attrs.field(validator=text)
    notice_version: str = attrs.field(validator=text)
    given_by: ConsentGiver = attrs.field(
        default=ConsentGiver.SUBJECT, validator=instance_of(ConsentGiver)
    )
    """Who refused (the person, or the holder of parental responsibility)."""
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, validator=instance_of(uuid.UUID))


ConsentEvent = ConsentGiven | ConsentWithdrawn | ConsentRefused


@attrs.frozen
class ConsentGrant:
    """A consent given at collection, in the same act (``add_subject(consents=...)``):
    what :class:`ConsentGiven` records, before the subject has an id (Art. 7(1))."""

    purpose_id: str = attrs.field(validator=_one_purpose)
    channel: str = attrs.field(validator=text)
    evidence: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=to_pairs, validator=str_pairs, repr=False
    )
    explicit: bool = attrs.field(default=False, validator=instance_of(bool))
    given_by: ConsentGiver = attrs.field(
        default=ConsentGiver.SUBJECT, validator=instance_of(ConsentGiver)
    )
    language: str = attrs.field(default="fr", validator=language)
    text_hash: str | None = attrs.field(default=None, validator=optional_text)
    contact_channel: Channel | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Channel)), kw_only=True
    )
    """As :attr:`ConsentGiven.contact_channel`: the one channel it covers, if limited."""
    contact_point: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(field_name), kw_only=True
    )
    """As :attr:`ConsentGiven.contact_point`: the field holding the one contact point."""

    def given(self, subject_id: SubjectId, at: datetime, notice_version: str) -> ConsentGiven:
        return ConsentGiven(
            subject_id,
            self.purpose_id,
            at,
            self.channel,
            notice_version,
            language=self.language,
            explicit=self.explicit,
            given_by=self.given_by,
            text_hash=self.text_hash,
            evidence=self.evidence,
            contact_channel=self.contact_channel,
            contact_point=self.contact_point,
        )


@attrs.frozen
class ConsentState:
    """The consent of one subject for one purpose at one instant.

    ``active`` holds the consents in force at ``at`` (several when, for a minor, both the
    child and a parent consented); ``withdrawn`` tells whether a consent existed and was
    withdrawn at or before ``at``.
    """

    purpose_id: str
    at: datetime
    active: tuple[ConsentGiven, ...]
    withdrawn: bool

    @property
    def given(self) -> bool:
        return bool(self.active)

    @property
    def givers(self) -> frozenset[ConsentGiver]:
        return frozenset(c.given_by for c in self.active)

    @property
    def explicit(self) -> bool:
        """Every active consent was explicit (Art. 9(2)(a), 22(2)(c))."""
        return bool(self.active) and all(c.explicit for c in self.active)


def consent_state(events: Iterable[ConsentEvent], purpose_id: str, at: datetime) -> ConsentState:
    """The consent state for ``purpose_id`` at ``at`` from a subject's events.

    A consent given at *g* and withdrawn at *w* is in force on ``[g, w)``.
    """
    at = check_aware(at, "consent_state(at)")
    given: dict[uuid.UUID, ConsentGiven] = {}
    withdrawn_ids: set[uuid.UUID] = set()
    for event in events:
        if event.purpose_id != purpose_id or event.at > at:
            continue
        if isinstance(event, ConsentGiven):
            given[event.id] = event
        elif isinstance(event, ConsentWithdrawn):
            withdrawn_ids.add(event.consent_id)
    active = tuple(
        sorted(
            (c for cid, c in given.items() if cid not in withdrawn_ids),
            key=lambda c: (c.at, str(c.id)),
        )
    )
    return ConsentState(purpose_id, at, active, withdrawn=bool(withdrawn_ids & given.keys()))


def _withdrawal_of(instance: Consent, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, ConsentWithdrawn) or value.consent_id != instance.given.id:
        raise InvalidInput("Consent.withdrawal: must be the withdrawal of this consent")


@attrs.frozen
class Consent:
    """One subject's consent to one purpose, with its evidence and its withdrawal.

    The view a host reaches for (Art. 7(1): demonstrate; 7(3): withdrawn when): the
    :class:`ConsentGiven` event with the notice version shown, the language, who gave it
    (the person, or the holder of parental responsibility, Art. 8) and the evidence, and
    the :class:`ConsentWithdrawn` event that ended it, if any. In force on
    ``[given_at, withdrawn_at)``.
    """

    given: ConsentGiven = attrs.field(validator=instance_of(ConsentGiven))
    withdrawal: ConsentWithdrawn | None = attrs.field(default=None, validator=_withdrawal_of)

    @property
    def id(self) -> uuid.UUID:
        return self.given.id

    @property
    def subject_id(self) -> SubjectId:
        return self.given.subject_id

    @property
    def purpose_id(self) -> str:
        return self.given.purpose_id

    @property
    def given_at(self) -> datetime:
        return self.given.at

    @property
    def given_by(self) -> ConsentGiver:
        return self.given.given_by

    @property
    def notice_version(self) -> str:
        return self.given.notice_version

    @property
    def explicit(self) -> bool:
        return self.given.explicit

    @property
    def evidence(self) -> dict[str, str]:
        return dict(self.given.evidence)

    @property
    def withdrawn_at(self) -> datetime | None:
        return None if self.withdrawal is None else self.withdrawal.at

    def active_at(self, at: datetime) -> bool:
        """In force at ``at``: given at or before it, not withdrawn at or before it."""
        at = check_aware(at, "Consent.active_at(at)")
        ended = self.withdrawn_at
        return self.given.at <= at and (ended is None or at < ended)


def consents_of(events: Iterable[ConsentEvent]) -> list[Consent]:
    """Pair each consent with its (earliest) withdrawal, in order of giving."""
    given: dict[uuid.UUID, ConsentGiven] = {}
    ends: dict[uuid.UUID, ConsentWithdrawn] = {}
    for event in events:
        if isinstance(event, ConsentGiven):
            given[event.id] = event
        elif isinstance(event, ConsentWithdrawn) and (
            event.consent_id not in ends or event.at < ends[event.consent_id].at
        ):
            ends[event.consent_id] = event
    ordered = sorted(given.values(), key=lambda c: (c.at, str(c.id)))
    return [Consent(c, ends.get(c.id)) for c in ordered]
