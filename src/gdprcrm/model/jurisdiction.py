"""EU/EEA member states and the national ages of digital consent (Art. 8(1))."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from gdprcrm.errors import UnknownJurisdiction

__all__ = [
    "DEFAULT_CONSENT_AGES",
    "EEA_STATES",
    "EU_STATES",
    "ISO_3166_COUNTRIES",
    "ConsentAges",
    "normalise_country",
    "normalise_state",
]

EU_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
"""The 27 EU member states, with the EU's own code EL for Greece."""

EEA_STATES = EU_STATES | frozenset({"IS", "LI", "NO"})
"""EU + Iceland, Liechtenstein, Norway: where the GDPR applies."""


_ISO_3166_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_3166_COUNTRIES = frozenset(_ISO_3166_CODES.split())
"""The 249 officially assigned ISO 3166-1 alpha-2 codes (Greece is GR there, EL in the EU)."""


def normalise_country(code: object) -> str:
    """Upper-case any ISO 3166-1 alpha-2 code (GR read as the EU's EL).

    The GDPR protects people in the Union whatever their nationality, and a controller
    established in the Union applies it to every customer (Art. 3(1)): a subject's
    jurisdiction may be any country. Outside the EEA, Art. 8's national ages do not
    apply; :class:`ConsentAges` answers its default (16), the protective choice
    (an interpretation, docs/decisions.md).
    """
    if not isinstance(code, str):
        raise UnknownJurisdiction("jurisdiction: expected a country code such as 'FR'")
    upper = code.strip().upper()
    if upper == "EL" or upper == "GR":
        return "EL"
    if upper not in ISO_3166_COUNTRIES:
        raise UnknownJurisdiction(
            f"jurisdiction: {_code_shown(code)} is not an ISO 3166-1 alpha-2 country code"
        )
    return upper


def _code_shown(code: str) -> str:
    """The code quoted when it has a code's shape (a few letters), else not repeated: a
    value passed in the wrong place may be personal data (an error reaches logs)."""
    return repr(code) if len(code) <= 3 and code.isascii() and code.isalpha() else "the text given"


def normalise_state(code: object) -> str:
    """Upper-case a member-state code; the ISO code GR is read as the EU's EL."""
    if not isinstance(code, str):
        raise UnknownJurisdiction("jurisdiction: expected a member-state code such as 'FR'")
    upper = code.strip().upper()
    upper = "EL" if upper == "GR" else upper
    if upper not in EEA_STATES:
        raise UnknownJurisdiction(
            f"jurisdiction: {_code_shown(code)} is not an EU/EEA member-state code (ISO 3166, "
            "EL for Greece)"
        )
    return upper


def _check_ages(instance: ConsentAges, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Mapping):
        raise UnknownJurisdiction("ConsentAges.ages: expected a mapping")
    for state, age in value.items():
        if state not in EEA_STATES:
            raise UnknownJurisdiction(f"ConsentAges.ages: unknown member state {state!r}")
        if isinstance(age, bool) or not isinstance(age, int) or not 13 <= age <= 16:
            raise UnknownJurisdiction(
                f"ConsentAges.ages[{state!r}]: Art. 8(1) allows ages 13 to 16 only"
            )


def _freeze(value: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType({normalise_state(k): v for k, v in dict(value).items()})


@attrs.frozen(hash=False)
class ConsentAges:
    """The age of digital consent per member state (Art. 8(1)), as overridable data.

    Under that age, consent to an information-society service needs the holder of
    parental responsibility. ``joint`` lists the states where the minor *and* the parent
    must both consent (France: Loi 78-17, art. 45).
    """

    ages: Mapping[str, int] = attrs.field(converter=_freeze, validator=_check_ages)
    default: int = 16
    joint: frozenset[str] = frozenset({"FR"})
    unverified: frozenset[str] = frozenset()

    def age_for(self, state: str) -> int:
        return self.ages.get(state, self.default)

    def requires_joint_consent(self, state: str) -> bool:
        return state in self.joint

    def with_age(self, state: str, age: int) -> ConsentAges:
        """A copy with one state's age replaced (e.g. after a change of national law)."""
        ages = dict(self.ages)
        ages[normalise_state(state)] = age
        return attrs.evolve(self, ages=ages)

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.ages.items())), self.default, self.joint))


_AGES = {
    **dict.fromkeys(["BE", "DK", "EE", "FI", "LV", "MT", "PT", "SE"], 13),
    **dict.fromkeys(["AT", "BG", "CY", "IT", "LT", "ES"], 14),
    **dict.fromkeys(["CZ", "FR", "EL"], 15),
    **dict.fromkeys(["HR", "DE", "HU", "IE", "LU", "NL", "PL", "RO", "SK"], 16),
}

DEFAULT_CONSENT_AGES = ConsentAges(
    ages=_AGES,
    # Not confirmed from the national texts (European Commission 2020 overview): SI is
    # likely 15, IS/LI/NO unknown. They use the Art. 8(1) default of 16, the protective
    # choice; override with ConsentAges.with_age once confirmed.
    unverified=frozenset({"SI", "IS", "LI", "NO"}),
)
