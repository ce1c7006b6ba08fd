"""Recipients (Art. 4(9), Art. 28) and third-country transfers (Art. 44-49)."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import (
    check_aware,
    instance_of,
    optional_as_utc,
    optional_aware,
    optional_text,
    slug,
    text,
)
from gdprcrm.model.jurisdiction import EEA_STATES
from gdprcrm.model.translation import Translations, check_translations, to_translations

__all__ = [
    "ADEQUACY_DECISIONS",
    "Adequacy",
    "Recipient",
    "RecipientKind",
    "Transfer",
    "TransferMechanism",
    "adequacy_at",
]

_COUNTRY = re.compile(r"[A-Z]{2}")


class RecipientKind(enum.Enum):
    PROCESSOR = "processor"  # acts on the controller's behalf, Art. 28
    CONTROLLER = "controller"  # an independent controller
    JOINT_CONTROLLER = "joint-controller"  # Art. 26
    PUBLIC_AUTHORITY = "public-authority"
    INTERNAL = "internal"  # a department of the controller


def _country(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
        raise InvalidInput(
            f"{type(instance).__name__}.{attribute.name}: expected an ISO 3166 alpha-2 code"
        )


def _processor_contract(
    instance: Recipient, attribute: attrs.Attribute[Any], value: object
) -> None:
    if instance.kind is RecipientKind.PROCESSOR and value is None:
        raise InvalidInput(
            f"Recipient {instance.id!r}: a processor needs its Art. 28(3) contract reference"
        )


def _translations_recipient(instance: object, attribute: object, value: object) -> None:
    check_translations("Recipient", value, ("name", "category"))


@attrs.frozen
class Recipient:
    """Someone the data is disclosed to (Art. 4(9)); processors carry their contract."""

    id: str = attrs.field(validator=slug)
    name: str = attrs.field(validator=text)
    kind: RecipientKind = attrs.field(validator=instance_of(RecipientKind))
    country: str = attrs.field(default="FR", validator=_country)
    contract_reference: str | None = attrs.field(
        default=None, validator=[optional_text, _processor_contract]
    )
    category: str | None = attrs.field(default=None, validator=optional_text)
    """A category of recipients for the notice and the register (e.g. "hosting provider")."""
    translations: Translations = attrs.field(
        default=(), converter=to_translations, validator=_translations_recipient, kw_only=True
    )
    """Its texts in other languages: ``{"en": {"name": ...}}`` (name, category)."""


class TransferMechanism(enum.Enum):
    """The Chapter V grounds for a transfer outside the EEA."""

    ADEQUACY = "adequacy"  # Art. 45
    SCC = "scc"  # standard contractual clauses, Art. 46(2)(c)
    BCR = "bcr"  # binding corporate rules, Art. 47
    CODE_OF_CONDUCT = "code-of-conduct"  # Art. 46(2)(e)
    CERTIFICATION = "certification"  # Art. 46(2)(f)
    DEROGATION = "derogation"  # Art. 49

    @property
    def article(self) -> str:
        return {
            "adequacy": "45",
            "scc": "46(2)(c)",
            "bcr": "47",
            "code-of-conduct": "46(2)(e)",
            "certification": "46(2)(f)",
            "derogation": "49",
        }[self.value]


@attrs.frozen
class Adequacy:
    """An adequacy decision (Art. 45(3)) and its validity window."""

    country: str
    name: str
    valid_from: datetime
    valid_until: datetime | None = None
    condition: str | None = None
    """Set when the decision covers only some recipients (e.g. DPF-certified companies)."""


def _utc(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


ADEQUACY_DECISIONS: Mapping[str, Adequacy] = MappingProxyType(
    {
        a.country: a
        for a in (
            Adequacy("AD", "Andorra", _utc(2010, 10, 19)),
            Adequacy("AR", "Argentina", _utc(2003, 6, 30)),
            # Dated to the start of 2026 here; check the decision's exact date of effect.
            Adequacy("BR", "Brazil", _utc(2026, 1, 1)),
            Adequacy(
                "CA",
                "Canada",
                _utc(2001, 12, 20),
                condition="commercial organisations subject to PIPEDA",
            ),
            Adequacy("FO", "Faroe Islands", _utc(2010, 3, 5)),
            Adequacy("GG", "Guernsey", _utc(2003, 11, 21)),
            Adequacy("IL", "Israel", _utc(2011, 1, 31)),
            Adequacy("IM", "Isle of Man", _utc(2004, 4, 28)),
            Adequacy("JP", "Japan", _utc(2019, 1, 23)),
            Adequacy("JE", "Jersey", _utc(2008, 5, 8)),
            Adequacy("NZ", "New Zealand", _utc(2012, 12, 19)),
            Adequacy("KR", "Republic of Korea", _utc(2021, 12, 17)),
            Adequacy("CH", "Switzerland", _utc(2000, 7, 26)),
            Adequacy("GB", "United Kingdom", _utc(2021, 6, 28), _utc(2031, 12, 27)),
            Adequacy("UY", "Uruguay", _utc(2012, 8, 21)),
            Adequacy(
                "US",
                "United States",
                _utc(2023, 7, 10),
                condition="organisations certified under the EU-US Data Privacy Framework",
            ),
        )
    }
)
"""Adequacy decisions as data, with validity dates (GDPR.md §5). The European Patent
Organisation's decision concerns an international organisation, not a country, and is
not listed here."""


def adequacy_at(country: str, at: datetime) -> Adequacy | None:
    """The adequacy decision covering ``country`` at instant ``at``, if any."""
    at = check_aware(at, "adequacy_at(at)")
    decision = ADEQUACY_DECISIONS.get(country)
    if decision is None or at < decision.valid_from:
        return None
    if decision.valid_until is not None and at >= decision.valid_until:
        return None
    return decision


def _third_country(instance: Transfer, attribute: attrs.Attribute[Any], value: str) -> None:
    _country(instance, attribute, value)
    if value in EEA_STATES or value == "GR":
        raise InvalidInput(
            f"Transfer.country: {value} is in the EEA; Chapter V covers third countries only"
        )


def _mechanism(instance: Transfer, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, TransferMechanism):
        raise InvalidInput("Transfer.mechanism: expected a TransferMechanism")
    if value is TransferMechanism.ADEQUACY:
        decision = ADEQUACY_DECISIONS.get(instance.country)
        if decision is None:
            raise InvalidInput(
                f"Transfer to {instance.country}: no adequacy decision exists for that country; "
                "use SCC, BCR or another Art. 46 safeguard"
            )
        if decision.condition is not None and instance.reference is None:
            raise InvalidInput(
                f"Transfer to {instance.country}: the adequacy decision covers only "
                f"{decision.condition}; give the reference that shows it (e.g. certification)"
            )
    elif value is not TransferMechanism.DEROGATION and instance.reference is None:
        raise InvalidInput(
            f"Transfer to {instance.country}: an Art. 46/47 safeguard needs a reference to "
            "where a copy can be obtained (Art. 13(1)(f))"
        )


def _translations_transfer(instance: object, attribute: object, value: object) -> None:
    check_translations("Transfer", value, ("reference",))


@attrs.frozen
class Transfer:
    """A transfer of personal data to a third country and its Chapter V ground."""

    country: str = attrs.field(validator=_third_country)
    mechanism: TransferMechanism = attrs.field(validator=_mechanism)
    reference: str | None = attrs.field(default=None, validator=optional_text)
    recipient_id: str | None = attrs.field(default=None, validator=attrs.validators.optional(slug))
    translations: Translations = attrs.field(
        default=(), converter=to_translations, validator=_translations_transfer, kw_only=True
    )
    """Its texts in other languages: ``{"en": {"name": ...}}`` (reference)."""
    valid_from: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware, kw_only=True
    )
    """When its safeguard took effect (clauses signed, rules approved); None: always."""
    valid_until: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware, kw_only=True
    )
    """When its safeguard ends (clauses terminated, a certification lapsing); None: open."""

    def __attrs_post_init__(self) -> None:
        if (
            self.valid_from is not None
            and self.valid_until is not None
            and self.valid_until <= self.valid_from
        ):
            raise InvalidInput(f"Transfer to {self.country}: valid_until is not after valid_from")

    def in_force(self, at: datetime) -> bool:
        """Art. 44-49: whether this transfer has its ground at ``at``: within its own
        window and, for an adequacy decision, while the decision is in force."""
        at = check_aware(at, "Transfer.in_force(at)")
        if self.valid_from is not None and at < self.valid_from:
            return False
        if self.valid_until is not None and at >= self.valid_until:
            return False
        if self.mechanism is TransferMechanism.ADEQUACY:
            return adequacy_at(self.country, at) is not None
        return True
