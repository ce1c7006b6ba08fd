"""The data subject, as the controller's records know them: no personal values here.

Personal values live in encrypted fields (the vault); a :class:`Subject` holds only
what the rules need: jurisdiction, age information, source, status.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import (
    as_utc,
    aware,
    check_aware,
    check_date,
    frozenset_of_slugs,
    instance_of,
    optional_as_utc,
    optional_aware,
    text,
    to_frozenset,
)
from gdprcrm.model.identifiers import SubjectId
from gdprcrm.model.information_duty import SourceKind
from gdprcrm.model.jurisdiction import normalise_country

__all__ = ["AgeAttestation", "DataSource", "Subject", "SubjectStatus"]


class SubjectStatus(enum.Enum):
    ACTIVE = "active"
    ERASURE_PENDING = "erasure-pending"  # an erasure has started and not finished
    ERASED = "erased"  # Art. 17 done: key shredded, nothing readable remains


@attrs.frozen
class AgeAttestation:
    """An age the subject (or a verifier) attested at an instant, instead of a birth date."""

    age: int = attrs.field(validator=instance_of(int))
    attested_at: datetime = attrs.field(converter=as_utc, validator=aware)
    method: str = attrs.field(default="self-declared", validator=text)

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.age <= 130:
            raise InvalidInput("AgeAttestation.age: expected 0 to 130")


@attrs.frozen
class DataSource:
    """Where data not collected from the subject came from (Art. 14(2)(f))."""

    description: str = attrs.field(validator=text)
    publicly_accessible: bool = attrs.field(default=False, validator=instance_of(bool))
    kind: SourceKind = attrs.field(
        default=SourceKind.OTHER, validator=instance_of(SourceKind), kw_only=True
    )
    """A purchased list, an enrichment service, a public source, a partner."""


def _jurisdiction(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    normalise_country(value)


def _birth_date(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_date(value, "Subject.birth_date")


@attrs.frozen
class Subject:
    """A data subject: opaque id, the member state whose law applies, age, source, status.

    ``purposes`` are the purposes the data was collected for (Art. 5(1)(b)).
    ``source`` is ``None`` when the data came from the subject (Art. 13) and set when it
    did not (Art. 14). ``birth_date`` never appears in ``repr``.
    """

    id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    jurisdiction: str = attrs.field(converter=normalise_country, validator=_jurisdiction)
    collected_at: datetime = attrs.field(converter=as_utc, validator=aware)
    purposes: frozenset[str] = attrs.field(
        default=frozenset(), converter=to_frozenset, validator=frozenset_of_slugs
    )
    birth_date: date | None = attrs.field(default=None, validator=_birth_date, repr=False)
    attested_age: AgeAttestation | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(instance_of(AgeAttestation)),
        repr=False,
    )
    source: DataSource | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(instance_of(DataSource)),
        repr=False,  # free text (a list's name, a partner): kept out of logs and errors
    )
    status: SubjectStatus = attrs.field(
        default=SubjectStatus.ACTIVE, validator=instance_of(SubjectStatus)
    )
    relationship_ended_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    """When the customer relationship ended: the anchor of retention periods that run
    "from the end of the relationship" (CNIL)."""
    last_contact_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    """The last contact *coming from* the person (CNIL: a click counts, an opened e-mail
    does not): the anchor of prospect and newsletter retention."""

    @property
    def collected_from_subject(self) -> bool:
        return self.source is None

    def erased(self) -> Subject:
        """What an erasure leaves of this subject (Art. 17): its opaque id, jurisdiction
        and dates, status ERASED, no purpose, no age, no source.

        Built from this (valid) subject's values without re-running the validators: a
        sweep erases thousands at a time. A test compares it with ``attrs.evolve``."""
        erased: Subject = object.__new__(Subject)
        for name, value in (
            ("id", self.id),
            ("jurisdiction", self.jurisdiction),
            ("collected_at", self.collected_at),
            ("purposes", frozenset()),
            ("birth_date", None),
            ("attested_age", None),
            ("source", None),
            ("status", SubjectStatus.ERASED),
            ("relationship_ended_at", self.relationship_ended_at),
            ("last_contact_at", self.last_contact_at),
        ):
            _SETTERS[name](erased, value)
        return erased

    def age_at(self, at: datetime) -> int | None:
        """Age in whole years at ``at`` (a lower bound from an attestation), or None."""
        at = check_aware(at, "Subject.age_at(at)")
        if self.birth_date is not None:
            return relativedelta(at.date(), self.birth_date).years
        if self.attested_age is not None:
            grown = relativedelta(at, self.attested_age.attested_at).years
            return self.attested_age.age + max(grown, 0)
        return None


_SETTERS = {a.name: Subject.__dict__[a.name].__set__ for a in attrs.fields(Subject)}
assert len(_SETTERS) == 10, "Subject.erased() sets every field: update it"
