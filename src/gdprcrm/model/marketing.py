"""The rules for sending direct marketing per channel, as data (ePrivacy, national law).

Each member state transposes Directive 2002/58/EC art. 13 in its own words; France adds
rules for telephone canvassing. A :class:`MarketingLaw` is one state's rules; the
registry :class:`MarketingLaws` picks the law of the person's state (``Subject.jurisdiction``)
and falls back to the Directive's baseline. :func:`gdprcrm.policy.decide` evaluates them
when asked about a channel; every refusal names the provision it comes from.

Built in:

* :data:`EU_BASELINE` - Directive 2002/58/EC art. 13: e-mail and SMS need prior consent,
  save the existing-customer exception (13(2)); automated calls and fax need prior
  consent (13(1)); calls by a person are allowed unless the person objected (13(3) lets
  each state choose: declare yours); post unless they objected (GDPR art. 21(2)-(3)).
* :data:`FRANCE` - CPCE L34-5 for e-mail, SMS, automated calls and fax; e-mail and SMS
  to professionals about their professional activity unless they object (CNIL);
  telephone canvassing of consumers (Code de la consommation L223-1): until 10 August
  2026 unless the person objected or is on the national opposition list (Bloctel), from
  11 August 2026 only with prior consent save calls within an ongoing contract related
  to it (loi n° 2025-594); on working days, 10:00-13:00 and 14:00-20:00 (décret
  n° 2022-1313); canvassing for energy renovation and home adaptation works banned.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, time
from types import MappingProxyType
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import (
    as_tuple,
    instance_of,
    optional_text,
    slug,
    text,
    to_frozenset,
    tuple_of,
)
from gdprcrm.model.channel import Audience, Channel
from gdprcrm.model.jurisdiction import normalise_country

__all__ = [
    "BASELINE",
    "DEFAULT_MARKETING_LAWS",
    "EU_BASELINE",
    "FRANCE",
    "CallingWindow",
    "ChannelRule",
    "CustomerException",
    "MarketingLaw",
    "MarketingLaws",
    "Requirement",
    "SectorBan",
]


class Requirement(enum.Enum):
    """What a channel needs before a marketing message may be sent."""

    PRIOR_CONSENT = "prior-consent"  # opt-in
    UNLESS_OBJECTED = "unless-objected"  # opt-out
    BANNED = "banned"


class CustomerException(enum.Enum):
    """When a customer may be reached without prior consent, for the controller's own
    offers related to what they bought (a purpose declaring ``existing_customers``)."""

    NONE = "none"
    EXISTING_CUSTOMER = "existing-customer"
    """Contact details obtained in a sale (2002/58/EC art. 13(2); CPCE L34-5 al. 4)."""
    ONGOING_CONTRACT = "ongoing-contract"
    """Within a contract still running (Code de la consommation L223-1, from 2026-08-11)."""


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


@attrs.frozen
class CallingWindow:
    """Local hours ``[start, end)`` in which messages of the channel may be sent."""

    start: time = attrs.field(validator=instance_of(time))
    end: time = attrs.field(validator=instance_of(time))

    def __attrs_post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidInput("CallingWindow: local wall-clock times, without a time zone")
        if _minutes(self.start) >= _minutes(self.end):
            raise InvalidInput("CallingWindow: start must come before end")

    def contains(self, at: time) -> bool:
        return self.start <= at.replace(tzinfo=None) < self.end


def _optional_date(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, date) or hasattr(value, "hour")):
        raise InvalidInput(f"ChannelRule.{attribute.name}: expected a date")


@attrs.frozen
class ChannelRule:
    """One rule: a channel, for an audience (None: both), in force over local calendar
    days ``[valid_from, valid_until]`` (None: open)."""

    channel: Channel = attrs.field(validator=instance_of(Channel))
    requirement: Requirement = attrs.field(validator=instance_of(Requirement))
    source: str = attrs.field(validator=text)
    """The provision, as a lawyer cites it: ``"CPCE L34-5"``."""
    audience: Audience | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Audience))
    )
    valid_from: date | None = attrs.field(default=None, validator=_optional_date)
    valid_until: date | None = attrs.field(default=None, validator=_optional_date)
    exception: CustomerException = attrs.field(
        default=CustomerException.NONE, validator=instance_of(CustomerException)
    )
    opposition_list: str | None = attrs.field(default=None, validator=optional_text)
    """A national list of people who refuse canvassing the host must consult (Bloctel)."""
    hours: tuple[CallingWindow, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(CallingWindow)
    )
    """Allowed local hours; empty: any hour."""
    working_days_only: bool = attrs.field(default=False, validator=instance_of(bool))
    """Not on weekends or public holidays of the controller's calendar."""

    def __attrs_post_init__(self) -> None:
        if (
            self.valid_from is not None
            and self.valid_until is not None
            and self.valid_until < self.valid_from
        ):
            raise InvalidInput("ChannelRule: valid_until before valid_from")
        if self.requirement is not Requirement.PRIOR_CONSENT and (
            self.exception is not CustomerException.NONE
        ):
            raise InvalidInput("ChannelRule.exception: only an exception to prior consent")

    def in_force(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def applies(self, channel: Channel, audience: Audience, day: date) -> bool:
        return (
            self.channel is channel
            and (self.audience is None or self.audience is audience)
            and self.in_force(day)
        )


@attrs.frozen
class SectorBan:
    """Canvassing on these channels for a sector's offers is banned outright."""

    sector: str = attrs.field(validator=slug)
    channels: frozenset[Channel] = attrs.field(converter=to_frozenset)
    source: str = attrs.field(validator=text)

    def __attrs_post_init__(self) -> None:
        if not self.channels or not all(isinstance(c, Channel) for c in self.channels):
            raise InvalidInput("SectorBan.channels: at least one Channel")


def _jurisdiction(value: Any) -> str:
    if value == BASELINE:
        return BASELINE
    return normalise_country(value)


@attrs.frozen
class MarketingLaw:
    """One member state's rules (``jurisdiction`` an ISO 3166 code, or ``"EU"``)."""

    jurisdiction: str = attrs.field(converter=_jurisdiction)
    """A member state's ISO 3166 code, or ``"EU"`` for the baseline."""
    rules: tuple[ChannelRule, ...] = attrs.field(
        converter=as_tuple, validator=tuple_of(ChannelRule)
    )
    sector_bans: tuple[SectorBan, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(SectorBan)
    )

    def __attrs_post_init__(self) -> None:
        # Two rules for one channel, audience and day would make the answer depend on
        # their order: refused. Checked at every day a rule starts or ends.
        days = {d for r in self.rules for d in (r.valid_from, r.valid_until) if d is not None}
        probes = days or {date(2000, 1, 1)}
        for channel in Channel:
            for audience in Audience:
                for day in probes:
                    found = [r for r in self.rules if r.applies(channel, audience, day)]
                    if len(found) > 1:
                        raise InvalidInput(
                            f"MarketingLaw {self.jurisdiction}: two rules for "
                            f"{channel.value} to {audience.value} on {day.isoformat()}"
                        )

    def rule(self, channel: Channel, audience: Audience, day: date) -> ChannelRule | None:
        """The rule in force on ``day`` for the channel and audience, if any."""
        for candidate in self.rules:
            if candidate.applies(channel, audience, day):
                return candidate
        return None

    def sector_ban(self, sector: str | None, channel: Channel) -> SectorBan | None:
        if sector is None:
            return None
        for ban in self.sector_bans:
            if ban.sector == sector and channel in ban.channels:
                return ban
        return None


BASELINE = "EU"
"""The jurisdiction of the law that applies where no state's is declared."""


def _laws(value: Any) -> Mapping[str, MarketingLaw]:
    items = value.values() if isinstance(value, Mapping) else value
    if not isinstance(items, Iterable):
        raise InvalidInput("MarketingLaws.laws: expected MarketingLaw values")
    out: dict[str, MarketingLaw] = {}
    for law in items:
        if not isinstance(law, MarketingLaw):
            raise InvalidInput("MarketingLaws.laws: expected MarketingLaw values")
        if law.jurisdiction == BASELINE:
            raise InvalidInput("MarketingLaws.laws: the EU law is the baseline, not a state's")
        out[law.jurisdiction] = law
    return MappingProxyType(out)


@attrs.frozen
class MarketingLaws:
    """The law of each member state, and the baseline for the others."""

    laws: Mapping[str, MarketingLaw] = attrs.field(converter=_laws)
    baseline: MarketingLaw = attrs.field(validator=instance_of(MarketingLaw))

    def law_for(self, jurisdiction: str, declared: Iterable[MarketingLaw] = ()) -> MarketingLaw:
        """The law of ``jurisdiction``: one of the ``declared`` laws (the declarations')
        first, then these; where no state's is known, the declared ``"EU"`` baseline,
        then this registry's."""
        baseline = self.baseline
        for law in declared:
            if law.jurisdiction == jurisdiction:
                return law
            if law.jurisdiction == BASELINE:
                baseline = law
        return self.laws.get(jurisdiction, baseline)

    def with_law(self, law: MarketingLaw) -> MarketingLaws:
        """These laws, with ``law`` declared for its state (replacing any built in), or
        as the baseline when its jurisdiction is ``"EU"``."""
        if not isinstance(law, MarketingLaw):
            raise InvalidInput("MarketingLaws.with_law: expected a MarketingLaw")
        if law.jurisdiction == BASELINE:
            return MarketingLaws(self.laws, law)
        return MarketingLaws({**self.laws, law.jurisdiction: law}, self.baseline)


_DIRECTIVE = "Directive 2002/58/EC art. 13"
_OBJECTION = "RGPD art. 21(2)"

EU_BASELINE = MarketingLaw(
    "EU",
    (
        ChannelRule(
            Channel.EMAIL,
            Requirement.PRIOR_CONSENT,
            f"{_DIRECTIVE}(1)-(2)",
            exception=CustomerException.EXISTING_CUSTOMER,
        ),
        ChannelRule(
            Channel.SMS,
            Requirement.PRIOR_CONSENT,
            f"{_DIRECTIVE}(1)-(2)",
            exception=CustomerException.EXISTING_CUSTOMER,
        ),
        ChannelRule(Channel.AUTOMATED_CALL, Requirement.PRIOR_CONSENT, f"{_DIRECTIVE}(1)"),
        ChannelRule(Channel.FAX, Requirement.PRIOR_CONSENT, f"{_DIRECTIVE}(1)"),
        ChannelRule(Channel.PHONE_CALL, Requirement.UNLESS_OBJECTED, f"{_DIRECTIVE}(3)"),
        ChannelRule(Channel.POST, Requirement.UNLESS_OBJECTED, _OBJECTION),
    ),
)
"""Directive 2002/58/EC art. 13 as the floor every member state transposes."""

_L34_5 = "CPCE L34-5"
_L223_1 = "Code de la consommation L223-1"
_HOURS = (CallingWindow(time(10), time(13)), CallingWindow(time(14), time(20)))
_LAST_OPT_OUT_DAY = date(2026, 8, 10)
_C, _P = Audience.CONSUMER, Audience.PROFESSIONAL

FRANCE = MarketingLaw(
    "FR",
    (
        ChannelRule(
            Channel.EMAIL,
            Requirement.PRIOR_CONSENT,
            _L34_5,
            audience=_C,
            exception=CustomerException.EXISTING_CUSTOMER,
        ),
        ChannelRule(
            Channel.SMS,
            Requirement.PRIOR_CONSENT,
            _L34_5,
            audience=_C,
            exception=CustomerException.EXISTING_CUSTOMER,
        ),
        ChannelRule(Channel.EMAIL, Requirement.UNLESS_OBJECTED, f"{_L34_5}; CNIL", audience=_P),
        ChannelRule(Channel.SMS, Requirement.UNLESS_OBJECTED, f"{_L34_5}; CNIL", audience=_P),
        ChannelRule(Channel.AUTOMATED_CALL, Requirement.PRIOR_CONSENT, _L34_5),
        ChannelRule(Channel.FAX, Requirement.PRIOR_CONSENT, _L34_5),
        ChannelRule(
            Channel.PHONE_CALL,
            Requirement.UNLESS_OBJECTED,
            f"{_L223_1}; décret n° 2022-1313",
            audience=_C,
            valid_until=_LAST_OPT_OUT_DAY,
            opposition_list="Bloctel",
            hours=_HOURS,
            working_days_only=True,
        ),
        ChannelRule(
            Channel.PHONE_CALL,
            Requirement.PRIOR_CONSENT,
            f"{_L223_1} (loi n° 2025-594); décret n° 2022-1313",
            audience=_C,
            valid_from=date(2026, 8, 11),
            exception=CustomerException.ONGOING_CONTRACT,
            hours=_HOURS,
            working_days_only=True,
        ),
        ChannelRule(Channel.PHONE_CALL, Requirement.UNLESS_OBJECTED, _OBJECTION, audience=_P),
        ChannelRule(Channel.POST, Requirement.UNLESS_OBJECTED, _OBJECTION),
    ),
    sector_bans=(
        SectorBan("energy-renovation", frozenset({Channel.PHONE_CALL}), _L223_1),
        SectorBan("home-adaptation", frozenset({Channel.PHONE_CALL}), _L223_1),
    ),
)
"""France: CPCE L34-5, Code de la consommation L223-1, décret n° 2022-1313, CNIL."""

DEFAULT_MARKETING_LAWS = MarketingLaws({"FR": FRANCE}, EU_BASELINE)
"""France built in, the Directive's baseline for every other state."""
