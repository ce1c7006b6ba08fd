"""Data categories: a dotted taxonomy, with Art. 9 and Art. 10 flags.

Keys follow the dotted style of common privacy taxonomies (``contact.email``,
``special.health``) so that users can map theirs onto it. Each category also carries
the CNIL model-register group it belongs to.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import category_key, instance_of, text

__all__ = ["DEFAULT_TAXONOMY", "CnilGroup", "DataCategory"]


class CnilGroup(enum.Enum):
    """The category groups of the CNIL model register of processing activities."""

    CIVIL_STATUS = "civil-status"  # état civil, identité, données d'identification
    PERSONAL_LIFE = "personal-life"  # vie personnelle
    PROFESSIONAL_LIFE = "professional-life"  # vie professionnelle
    ECONOMIC_FINANCIAL = "economic-financial"  # informations d'ordre économique et financier
    CONNECTION = "connection"  # données de connexion
    LOCATION = "location"  # données de localisation
    INTERNET = "internet"  # internet (cookies, traceurs, ...)
    SENSITIVE = "sensitive"  # données sensibles (Art. 9) et infractions (Art. 10)


def _check_flags(instance: DataCategory, attribute: attrs.Attribute[Any], value: bool) -> None:
    if instance.special and instance.criminal:
        raise InvalidInput(
            f"DataCategory {instance.key!r}: special (Art. 9) and criminal (Art. 10) "
            "are distinct regimes; pick one"
        )
    if (instance.special or instance.criminal) and instance.group is not CnilGroup.SENSITIVE:
        raise InvalidInput(
            f"DataCategory {instance.key!r}: Art. 9/10 categories belong to the sensitive group"
        )


@attrs.frozen
class DataCategory:
    """A category of personal data.

    ``special`` marks the Art. 9(1) special categories, ``criminal`` the Art. 10
    criminal convictions and offences data.
    """

    key: str = attrs.field(validator=category_key)
    label: str = attrs.field(validator=text)
    group: CnilGroup = attrs.field(validator=instance_of(CnilGroup))
    special: bool = attrs.field(default=False, validator=instance_of(bool))
    criminal: bool = attrs.field(default=False, validator=[instance_of(bool), _check_flags])

    @property
    def sensitive(self) -> bool:
        """Art. 9 or Art. 10 data."""
        return self.special or self.criminal


def _taxonomy(*cats: DataCategory) -> Mapping[str, DataCategory]:
    return MappingProxyType({c.key: c for c in cats})


_G = CnilGroup

DEFAULT_TAXONOMY: Mapping[str, DataCategory] = _taxonomy(
    DataCategory("identity.name", "Name", _G.CIVIL_STATUS),
    DataCategory("identity.title", "Title / civility", _G.CIVIL_STATUS),
    DataCategory("identity.birth_date", "Date of birth", _G.CIVIL_STATUS),
    DataCategory("identity.customer_number", "Customer number", _G.CIVIL_STATUS),
    DataCategory("contact.email", "Email address", _G.CIVIL_STATUS),
    DataCategory("contact.phone", "Telephone number", _G.CIVIL_STATUS),
    DataCategory("contact.postal_address", "Postal address", _G.CIVIL_STATUS),
    DataCategory("personal.preferences", "Preferences and interests", _G.PERSONAL_LIFE),
    DataCategory("personal.household", "Household composition", _G.PERSONAL_LIFE),
    DataCategory("professional.job_title", "Job title", _G.PROFESSIONAL_LIFE),
    DataCategory("professional.employer", "Employer / company", _G.PROFESSIONAL_LIFE),
    DataCategory("financial.bank_account", "Bank account (IBAN)", _G.ECONOMIC_FINANCIAL),
    DataCategory("financial.payment_card", "Payment card", _G.ECONOMIC_FINANCIAL),
    DataCategory("financial.invoice", "Invoices and payments", _G.ECONOMIC_FINANCIAL),
    DataCategory("commercial.purchase_history", "Purchase history", _G.ECONOMIC_FINANCIAL),
    DataCategory("commercial.support_ticket", "After-sales requests", _G.PERSONAL_LIFE),
    DataCategory("commercial.interaction", "Commercial interactions", _G.PERSONAL_LIFE),
    DataCategory("online.ip_address", "IP address", _G.CONNECTION),
    DataCategory("online.login", "Login and connection logs", _G.CONNECTION),
    DataCategory("online.cookie_id", "Cookie and tracker ids", _G.INTERNET),
    DataCategory("online.browsing", "Browsing behaviour", _G.INTERNET),
    DataCategory("location.precise", "Precise location", _G.LOCATION),
    DataCategory("location.approximate", "Approximate location", _G.LOCATION),
    DataCategory("special.racial_ethnic_origin", "Racial or ethnic origin", _G.SENSITIVE, True),
    DataCategory("special.political_opinions", "Political opinions", _G.SENSITIVE, True),
    DataCategory(
        "special.religious_beliefs", "Religious or philosophical beliefs", _G.SENSITIVE, True
    ),
    DataCategory("special.trade_union", "Trade-union membership", _G.SENSITIVE, True),
    DataCategory("special.genetic", "Genetic data", _G.SENSITIVE, True),
    DataCategory("special.biometric", "Biometric data for identification", _G.SENSITIVE, True),
    DataCategory("special.health", "Health data", _G.SENSITIVE, True),
    DataCategory("special.sex_life", "Sex life", _G.SENSITIVE, True),
    DataCategory("special.sexual_orientation", "Sexual orientation", _G.SENSITIVE, True),
    DataCategory(
        "criminal.convictions", "Criminal convictions and offences", _G.SENSITIVE, criminal=True
    ),
)
"""The default taxonomy; Art. 9(1) categories live under ``special.``, Art. 10 under
``criminal.``."""
