"""Purposes: why data is processed, on which basis, with which fields, for how long.

The rules a purpose's declaration must satisfy are checked when it is built, so an
unlawful purpose cannot exist in memory at all.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from gdprcrm.errors import (
    InvalidInput,
    InvalidPurpose,
    MissingCriminalDataAuthority,
    MissingLegitimateInterestAssessment,
    MissingSpecialCategoryCondition,
    UnlawfulAutomatedDecision,
)
from gdprcrm.model._checks import (
    as_tuple,
    frozenset_of_slugs,
    instance_of,
    optional_text,
    slug,
    text,
    to_frozenset,
    tuple_of,
)
from gdprcrm.model.automated import AutomatedDecision
from gdprcrm.model.channel import Audience, Channel
from gdprcrm.model.field import FieldSpec
from gdprcrm.model.legal_basis import LegalBasis
from gdprcrm.model.recipient import Recipient, Transfer
from gdprcrm.model.retention import RetentionRule
from gdprcrm.model.translation import Translations, check_translations, to_translations

__all__ = ["Provision", "Purpose", "RestrictionExemption", "SpecialCategoryCondition"]


class SpecialCategoryCondition(enum.Enum):
    """The conditions of Art. 9(2) that lift the ban on special-category data."""

    EXPLICIT_CONSENT = "9(2)(a)"
    EMPLOYMENT_SOCIAL_SECURITY = "9(2)(b)"
    VITAL_INTERESTS = "9(2)(c)"
    NOT_FOR_PROFIT_BODY = "9(2)(d)"
    MADE_PUBLIC_BY_SUBJECT = "9(2)(e)"
    LEGAL_CLAIMS = "9(2)(f)"
    SUBSTANTIAL_PUBLIC_INTEREST = "9(2)(g)"
    HEALTH_OR_SOCIAL_CARE = "9(2)(h)"
    PUBLIC_HEALTH = "9(2)(i)"
    ARCHIVING_RESEARCH_STATISTICS = "9(2)(j)"


class Provision(enum.Enum):
    """Art. 13(2)(e): whether the person must provide the data, and why."""

    STATUTORY = "statutory"
    CONTRACTUAL = "contractual"
    CONTRACT_PREREQUISITE = "contract-prerequisite"
    VOLUNTARY = "voluntary"


class RestrictionExemption(enum.Enum):
    """Art. 18(2): why a purpose may go on processing restricted data."""

    LEGAL_CLAIMS = "legal-claims"
    PROTECT_OTHERS = "protect-others"
    PUBLIC_INTEREST = "public-interest"


def _sorted_fields(value: Any) -> Any:
    if isinstance(value, FieldSpec):
        return (value,)
    if isinstance(value, tuple | list | set | frozenset):
        items = list(value)
        if all(isinstance(f, FieldSpec) for f in items):
            return tuple(sorted(items, key=lambda f: f.name))
        return tuple(items)
    return value


def _fields(instance: Purpose, attribute: attrs.Attribute[Any], value: object) -> None:
    tuple_of(FieldSpec)(instance, attribute, value)
    assert isinstance(value, tuple)
    if not value:
        raise InvalidInput(f"Purpose {instance.id!r}: needs at least one field (Art. 5(1)(c))")
    names = [f.name for f in value]
    if len(set(names)) != len(names):
        raise InvalidInput(f"Purpose {instance.id!r}: a field is listed twice")


_ART22_BASES = frozenset(
    {
        LegalBasis.CONTRACT,  # 22(2)(a)
        LegalBasis.LEGAL_OBLIGATION,  # 22(2)(b): authorised by Union or member-state law
        LegalBasis.PUBLIC_TASK,  # 22(2)(b)
        LegalBasis.CONSENT,  # 22(2)(c), and only if explicit
    }
)

_LAW_BASES = frozenset({LegalBasis.LEGAL_OBLIGATION, LegalBasis.PUBLIC_TASK})
"""Art. 6(1)(c) and (e): bases laid down by Union or member-state law (Art. 6(3))."""

_NO_DIRECT_MARKETING = frozenset(
    {
        LegalBasis.LEGAL_OBLIGATION,
        LegalBasis.VITAL_INTERESTS,
        LegalBasis.PUBLIC_TASK,
    }
)


def _translations_purpose(instance: object, attribute: object, value: object) -> None:
    check_translations(
        "Purpose", value, ("name", "description", "legitimate_interests", "provision_consequences")
    )


def _channels(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, frozenset) or not all(isinstance(c, Channel) for c in value):
        raise InvalidInput("Purpose.channels: expected Channel values")


@attrs.frozen
class Purpose:
    """A purpose of processing (Art. 5(1)(b)), declared once, used everywhere.

    Refused at construction:

    * legitimate interests (Art. 6(1)(f)) without the interest and an LIA reference;
    * special-category fields (Art. 9(1)) without an Art. 9(2) condition, and explicit
      consent (9(2)(a)) on any basis other than consent;
    * criminal-offence fields without an Art. 10 authority;
    * a solely automated, significant decision (Art. 22(1)) on a basis other than
      contract, law or *explicit* consent, or without a human review path where
      Art. 22(3) needs one; on special-category data only under 9(2)(a) or (g), 22(4);
    * a legal obligation or public task (Art. 6(1)(c), (e)) whose retention does not name
      the law (``legal_reference``), which is also its Art. 17(3)(b) hold;
    * direct marketing on a basis that cannot carry it.
    """

    id: str = attrs.field(validator=slug)
    name: str = attrs.field(validator=text)
    basis: LegalBasis = attrs.field(validator=instance_of(LegalBasis))
    fields: tuple[FieldSpec, ...] = attrs.field(converter=_sorted_fields, validator=_fields)
    retention: RetentionRule = attrs.field(validator=instance_of(RetentionRule))
    description: str = attrs.field(default="", validator=instance_of(str))
    recipients: tuple[Recipient, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(Recipient)
    )
    transfers: tuple[Transfer, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(Transfer)
    )
    automated_decision: AutomatedDecision | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(AutomatedDecision))
    )
    direct_marketing: bool = attrs.field(default=False, validator=instance_of(bool))
    explicit_consent: bool = attrs.field(default=False, validator=instance_of(bool))
    special_condition: SpecialCategoryCondition | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(SpecialCategoryCondition))
    )
    criminal_data_authority: str | None = attrs.field(default=None, validator=optional_text)
    legitimate_interests: str | None = attrs.field(default=None, validator=optional_text)
    lia_reference: str | None = attrs.field(default=None, validator=optional_text)
    compatible_with: frozenset[str] = attrs.field(
        default=frozenset(), converter=to_frozenset, validator=frozenset_of_slugs
    )
    subject_categories: frozenset[str] = attrs.field(
        default=frozenset(), converter=to_frozenset, validator=frozenset_of_slugs
    )
    provision: Provision = attrs.field(
        default=Provision.VOLUNTARY, validator=instance_of(Provision)
    )
    provision_consequences: str | None = attrs.field(default=None, validator=optional_text)
    restriction_exemption: RestrictionExemption | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(RestrictionExemption))
    )
    channels: frozenset[Channel] = attrs.field(
        default=frozenset(), converter=to_frozenset, validator=_channels, kw_only=True
    )
    """The channels its messages use (e-mail, SMS, calls, post): a decision asked for
    another channel is a gap. Empty: not declared (any channel may be asked)."""
    audience: Audience = attrs.field(
        default=Audience.CONSUMER, validator=instance_of(Audience), kw_only=True
    )
    """Whom its direct marketing addresses: consumers, or professionals about their
    professional activity (the ePrivacy rules differ)."""
    sector: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(slug), kw_only=True
    )
    """The sector of the offers it markets (``energy-renovation``): some national laws
    ban canvassing for some sectors outright."""
    existing_customers: bool = attrs.field(
        default=False, validator=instance_of(bool), kw_only=True
    )
    """Its messages offer the controller's own products or services like those its
    customers bought, as the notice says at collection: the existing-customer exception
    to prior consent may apply (2002/58/EC art. 13(2); CPCE L34-5)."""
    translations: Translations = attrs.field(
        default=(), converter=to_translations, validator=_translations_purpose, kw_only=True
    )
    """Its texts in other languages: ``{"en": {"name": ...}}`` (name, description,
    legitimate_interests, provision_consequences): wording, not material."""

    def __attrs_post_init__(self) -> None:
        where = f"Purpose {self.id!r}"
        basis = self.basis
        if basis is LegalBasis.LEGITIMATE_INTERESTS and (
            self.legitimate_interests is None or self.lia_reference is None
        ):
            raise MissingLegitimateInterestAssessment(
                f"{where}: Art. 6(1)(f) needs the legitimate interest pursued "
                "(legitimate_interests) and a legitimate-interest assessment (lia_reference)"
            )
        if basis is not LegalBasis.LEGITIMATE_INTERESTS and self.lia_reference is not None:
            raise InvalidPurpose(f"{where}: lia_reference only applies to Art. 6(1)(f)")
        if self.explicit_consent and basis is not LegalBasis.CONSENT:
            raise InvalidPurpose(f"{where}: explicit consent needs the consent basis, 6(1)(a)")
        has_special = any(f.category.special for f in self.fields)
        cond = self.special_condition
        if has_special and cond is None:
            raise MissingSpecialCategoryCondition(
                f"{where}: uses special-category data (Art. 9(1)) without an Art. 9(2) condition"
            )
        if cond is not None and not has_special:
            raise InvalidPurpose(f"{where}: an Art. 9(2) condition without special-category data")
        if cond is SpecialCategoryCondition.EXPLICIT_CONSENT and basis is not LegalBasis.CONSENT:
            raise InvalidPurpose(f"{where}: Art. 9(2)(a) explicit consent needs basis 6(1)(a)")
        if any(f.category.criminal for f in self.fields) and self.criminal_data_authority is None:
            raise MissingCriminalDataAuthority(
                f"{where}: criminal-offence data (Art. 10) need official authority or the "
                "law that authorises it (criminal_data_authority)"
            )
        adm = self.automated_decision
        if adm is not None and adm.under_article_22:
            if basis not in _ART22_BASES:
                raise UnlawfulAutomatedDecision(
                    f"{where}: a solely automated significant decision (Art. 22(1)) is only "
                    f"allowed under contract, law or explicit consent, not {basis.article}"
                )
            if basis is LegalBasis.CONSENT and not self.explicit_consent:
                raise UnlawfulAutomatedDecision(
                    f"{where}: Art. 22(2)(c) needs *explicit* consent (explicit_consent=True)"
                )
            if basis in (LegalBasis.CONTRACT, LegalBasis.CONSENT) and adm.human_review is None:
                raise UnlawfulAutomatedDecision(
                    f"{where}: Art. 22(3) needs a way to obtain human intervention (human_review)"
                )
            if has_special and cond not in (
                SpecialCategoryCondition.EXPLICIT_CONSENT,
                SpecialCategoryCondition.SUBSTANTIAL_PUBLIC_INTEREST,
            ):
                raise UnlawfulAutomatedDecision(
                    f"{where}: Art. 22(4) allows automated decisions on special categories "
                    "only under Art. 9(2)(a) or (g)"
                )
        if basis in _LAW_BASES and self.retention.legal_reference is None:
            # Art. 6(3): the law sets the basis; Art. 17(3)(b): that law is what holds the
            # data against an erasure request, so it must be named.
            raise InvalidPurpose(
                f"{where}: {basis.article} rests on a law: name it in "
                "retention.legal_reference (it is also the Art. 17(3)(b) hold)"
            )
        if self.direct_marketing and basis in _NO_DIRECT_MARKETING:
            raise InvalidPurpose(f"{where}: direct marketing cannot rest on {basis.article}")
        if not self.direct_marketing and (self.existing_customers or self.sector is not None):
            raise InvalidPurpose(
                f"{where}: existing_customers and sector describe direct marketing "
                "(direct_marketing = true)"
            )
        if self.id in self.compatible_with:
            raise InvalidPurpose(f"{where}: a purpose is not 'compatible with' itself")

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    @property
    def uses_special_categories(self) -> bool:
        return any(f.category.special for f in self.fields)

    @property
    def requires_explicit_consent(self) -> bool:
        """Consent must be explicit: Art. 9(2)(a), or Art. 22(2)(c)."""
        return self.explicit_consent or (
            self.special_condition is SpecialCategoryCondition.EXPLICIT_CONSENT
        )
