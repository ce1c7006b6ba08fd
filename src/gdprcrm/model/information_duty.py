"""The duty to inform people whose data came from someone else (Art. 14).

Data from a purchased list, an enrichment service, a public source or a partner: the
controller must give the person the Art. 14 information within a reasonable period, at
the latest one month after obtaining it (14(3)(a)); at the latest at the first
communication with them (14(3)(b)); at the latest when first disclosing the data to
another recipient (14(3)(c)), whichever comes first. It need not where Art. 14(5)
applies, and must record why.

An :class:`InformationDuty` is that obligation for one person: pending until informed
(with the channel and instant as proof) or exempt (with the Art. 14(5) ground and a
reference to the assessment).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import as_utc, aware, instance_of, optional_as_utc, optional_aware
from gdprcrm.model.identifiers import SubjectId

__all__ = [
    "DutyStatus",
    "DutyTrigger",
    "Exemption",
    "InformationDuty",
    "SourceKind",
]


class SourceKind(enum.Enum):
    """Where data not collected from the person came from (Art. 14(2)(f))."""

    PURCHASED_LIST = "purchased-list"  # a list bought or rented from a broker
    ENRICHMENT = "enrichment"  # an enrichment or data-append service
    PUBLIC_SOURCE = "public-source"  # a public register, a website, a directory
    PARTNER = "partner"  # a partner's referral or a co-registration
    OTHER = "other"


class DutyTrigger(enum.Enum):
    """What makes the information due (Art. 14(3)): the earliest one applies."""

    ONE_MONTH = "one-month"  # 14(3)(a): one month after obtaining the data
    FIRST_COMMUNICATION = "first-communication"  # 14(3)(b)
    FIRST_DISCLOSURE = "first-disclosure"  # 14(3)(c)

    @property
    def article(self) -> str:
        return {
            DutyTrigger.ONE_MONTH: "14(3)(a)",
            DutyTrigger.FIRST_COMMUNICATION: "14(3)(b)",
            DutyTrigger.FIRST_DISCLOSURE: "14(3)(c)",
        }[self]


class Exemption(enum.Enum):
    """Art. 14(5): when the information need not be given."""

    ALREADY_INFORMED = "14(5)(a)"  # the person already has the information
    DISPROPORTIONATE = "14(5)(b)"  # impossible or a disproportionate effort
    LAW = "14(5)(c)"  # obtaining or disclosure laid down by law with safeguards
    SECRECY = "14(5)(d)"  # professional secrecy regulated by law


class DutyStatus(enum.Enum):
    PENDING = "pending"
    INFORMED = "informed"
    EXEMPT = "exempt"


def _reference(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidInput("InformationDuty.reference: the reference of the assessment")


@attrs.frozen
class InformationDuty:
    """The Art. 14 duty for one person: due by ``due_at`` (``trigger`` says why),
    then informed at ``done_at`` through ``channel``, or exempt under ``exemption``."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    obtained_at: datetime = attrs.field(converter=as_utc, validator=aware)
    due_at: datetime = attrs.field(converter=as_utc, validator=aware)
    trigger: DutyTrigger = attrs.field(
        default=DutyTrigger.ONE_MONTH, validator=instance_of(DutyTrigger)
    )
    status: DutyStatus = attrs.field(default=DutyStatus.PENDING, validator=instance_of(DutyStatus))
    done_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    channel: str | None = attrs.field(default=None)
    """How the information was given (a code: ``e-mail``, ``post``)."""
    exemption: Exemption | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Exemption))
    )
    reference: str | None = attrs.field(default=None, validator=_reference)
    """Where the Art. 14(5) assessment is documented (a reference, not free text about
    the person)."""

    def __attrs_post_init__(self) -> None:
        if self.due_at < self.obtained_at:
            raise InvalidInput("InformationDuty.due_at: before the data was obtained")
        pending = self.status is DutyStatus.PENDING
        if pending != (self.done_at is None):
            raise InvalidInput("InformationDuty.done_at: set exactly when no longer pending")
        if (self.status is DutyStatus.INFORMED) != (self.channel is not None):
            raise InvalidInput("InformationDuty.channel: how the person was informed")
        exempt = self.status is DutyStatus.EXEMPT
        if exempt != (self.exemption is not None) or exempt != (self.reference is not None):
            raise InvalidInput(
                "InformationDuty: an exemption needs its Art. 14(5) ground and the "
                "reference of its assessment, and only an exempt duty has them"
            )
        if self.done_at is not None and self.done_at < self.obtained_at:
            raise InvalidInput("InformationDuty.done_at: before the data was obtained")

    @property
    def pending(self) -> bool:
        return self.status is DutyStatus.PENDING

    def overdue(self, at: datetime) -> bool:
        """Still pending after its due instant."""
        return self.pending and at > self.due_at

    def due_earlier(self, at: datetime, trigger: DutyTrigger) -> InformationDuty:
        """Art. 14(3)(b)-(c): a first communication or disclosure at ``at`` makes a
        pending duty due then, if that is earlier."""
        if not self.pending or at >= self.due_at:
            return self
        return attrs.evolve(self, due_at=max(at, self.obtained_at), trigger=trigger)

    def informed(self, at: datetime, channel: str) -> InformationDuty:
        return attrs.evolve(self, status=DutyStatus.INFORMED, done_at=at, channel=channel)

    def exempted(self, at: datetime, exemption: Exemption, reference: str) -> InformationDuty:
        return attrs.evolve(
            self, status=DutyStatus.EXEMPT, done_at=at, exemption=exemption, reference=reference
        )
