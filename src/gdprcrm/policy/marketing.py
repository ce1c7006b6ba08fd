"""The rules for one message on one channel: ePrivacy and national law, after the GDPR.

:func:`gdprcrm.policy.decide` applies them when given an :class:`Outreach`. Pure: the
law (:class:`~gdprcrm.model.MarketingLaws`), the controller's holiday calendar and time
zone are inputs.

* Art. 5(1)(b), 13(1)(c) - a purpose that declares its channels is used on those only.
* Art. 21(2)-(3) - an objection limited to one channel stops that channel: for every
  direct-marketing purpose when it was made to direct marketing or to one such purpose
  (the one scope of :func:`objected_to_marketing`), else for its purpose.
* Directive 2002/58/EC art. 13(1)-(2), CPCE L34-5 - e-mail and SMS to consumers,
  automated calls and fax: prior consent covering the channel (and the contact point
  when the consent names one), save the existing-customer exception.
* CNIL - e-mail and SMS to professionals about their professional activity: unless they
  objected.
* Code de la consommation L223-1, décret n° 2022-1313 - telephone canvassing of
  consumers: an opposition list, then prior consent save an ongoing contract; allowed
  days and hours; banned sectors.

Only direct-marketing purposes are subject to the channel rules; the declared channels
and channel objections hold for every purpose.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import lru_cache
from typing import Any

import attrs

from gdprcrm.deadlines import HolidayCalendar
from gdprcrm.errors import InvalidInput
from gdprcrm.model import (
    Channel,
    ConsentGiven,
    CustomerException,
    Declarations,
    FieldSpec,
    LegalBasis,
    MarketingLaws,
    Purpose,
    Requirement,
)
from gdprcrm.model._checks import instance_of
from gdprcrm.policy.reasons import Reason
from gdprcrm.policy.state import SubjectState

__all__ = [
    "Outreach",
    "check_contact_scope",
    "check_outreach",
    "marketing_channels_objected",
    "outreach_rules",
    "reaches",
    "serves",
]


def _point(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidInput("Outreach.point: the name of the field holding the contact point")


@attrs.frozen
class Outreach:
    """A message about to be sent: its channel, the contact point it goes to (the name
    of the field holding it), and, where national law keeps an opposition list for the
    channel (Bloctel), whether the number is on it (None: not consulted)."""

    channel: Channel = attrs.field(validator=instance_of(Channel))
    point: str | None = attrs.field(default=None, validator=_point)
    opposition_listed: bool | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(bool))
    )


def serves(spec: FieldSpec, channel: Channel) -> bool:
    """Whether a field holds a contact point of ``channel``: its category is the
    channel's (``contact.email``, ``contact.phone``, ``contact.postal_address``) or its
    lookup kind is (e-mail, phone)."""
    if spec.category.key == channel.category:
        return True
    return channel.lookup is not None and spec.lookup is channel.lookup


def reaches(purpose: Purpose, channel: Channel) -> bool:
    """Art. 5(1)(b)-(c): the purpose may use ``channel``: among its declared channels
    when it declares any, and through a contact point among its fields."""
    if purpose.channels and channel not in purpose.channels:
        return False
    return any(serves(spec, channel) for spec in purpose.fields)


def check_outreach(outreach: object, purpose: Purpose, declarations: Declarations) -> Outreach:
    """The outreach, checked: a contact point it names is a field of the purpose that
    holds a contact point of the channel (InvalidInput otherwise)."""
    if not isinstance(outreach, Outreach):
        raise InvalidInput("decide(outreach=): expected an Outreach")
    _check_point(purpose, outreach.channel, outreach.point, declarations, "Outreach.point")
    return outreach


def _check_point(
    purpose: Purpose,
    channel: Channel | None,
    point: object,
    declarations: Declarations,
    what: str,
) -> None:
    """A contact point named for ``channel`` (any channel when None): a declared field
    the purpose uses (Art. 5(1)(c)) that holds a contact point of that channel."""
    if point is None:
        return
    if not isinstance(point, str):
        raise InvalidInput(f"{what}: the name of the field holding the contact point")
    spec = declarations.field(point)  # UnknownField for an undeclared one
    if point not in purpose.field_names:
        raise InvalidInput(f"{what}: {purpose.id!r} does not use {point!r} (Art. 5(1)(c))")
    channels = list(Channel) if channel is None else [channel]
    if not any(serves(spec, c) for c in channels):
        target = "of any channel" if channel is None else f"for {channel.value}"
        raise InvalidInput(f"{what}: {point!r} is not a contact point {target}")


def check_contact_scope(
    purpose: Purpose, channel: object, point: object, declarations: Declarations, what: str
) -> None:
    """A consent or objection limited to a channel (and a contact point): a channel the
    purpose declares (when it declares any), and a field of the purpose holding a
    contact point of that channel (or of any channel, when no channel is named)."""
    if channel is not None and not isinstance(channel, Channel):
        raise InvalidInput(f"{what}: contact_channel is a Channel (email, sms, ...)")
    if channel is not None and not reaches(purpose, channel):
        raise InvalidInput(
            f"{what}: {purpose.id!r} does not reach people by {channel.value} (its declared "
            "channels, or the contact points it uses)"
        )
    _check_point(purpose, channel, point, declarations, f"{what}: contact_point")


@lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def marketing_channels_objected(
    state: SubjectState, declarations: Declarations, at: datetime
) -> frozenset[Channel]:
    """Art. 21(2)-(3), per channel: the channels on which the person objected to direct
    marketing by ``at``. As for a whole objection, one scope: made to direct marketing
    or to one direct-marketing purpose on a channel, it stops them all on it."""
    out = set()
    for (objected_id, channel), since in state.channel_objection_at.items():
        if since > at:
            continue
        objected = None if objected_id is None else declarations.find_purpose(objected_id)
        if objected_id is None or (objected is not None and objected.direct_marketing):
            out.add(channel)
    return frozenset(out)


def _channel_objected(
    state: SubjectState, purpose: Purpose, channel: Channel, at: datetime, decl: Declarations
) -> bool:
    since = state.channel_objection_at.get((purpose.id, channel))
    if since is not None and since <= at:
        return True
    return purpose.direct_marketing and channel in marketing_channels_objected(state, decl, at)


def _customer(
    state: SubjectState,
    purpose: Purpose,
    exception: CustomerException,
    at: datetime,
    declarations: Declarations,
) -> Reason | None:
    """The exception to prior consent that applies, if any: the purpose offers the
    controller's own like products (declared ``existing_customers``, so the notice at
    collection said so) and the person's details were collected for a contract (a
    sale); for ONGOING_CONTRACT the relationship has not ended."""
    if exception is CustomerException.NONE or not purpose.existing_customers:
        return None
    subject = state.subject
    if not any(_is_contract(declarations, pid) for pid in subject.purposes):
        return None
    if exception is CustomerException.EXISTING_CUSTOMER:
        return Reason.EXISTING_CUSTOMER
    ended = subject.relationship_ended_at
    return Reason.ONGOING_CONTRACT if ended is None or at < ended else None


def _is_contract(declarations: Declarations, purpose_id: str) -> bool:
    found = declarations.find_purpose(purpose_id)
    return found is not None and found.basis is LegalBasis.CONTRACT


def outreach_rules(
    state: SubjectState,
    purpose: Purpose,
    at: datetime,
    outreach: Outreach,
    declarations: Declarations,
    *,
    laws: MarketingLaws,
    calendar: HolidayCalendar,
    counting: list[ConsentGiven],
    reasons: list[Reason],
) -> tuple[tuple[Reason, ...], tuple[str, ...]]:
    """Append the refusals of the channel rules to ``reasons``; return the extra
    grounds (an exception to prior consent that applied) and the national sources."""
    channel = outreach.channel
    if not reaches(purpose, channel):
        reasons.append(Reason.CHANNEL_UNDECLARED)
    if _channel_objected(state, purpose, channel, at, declarations):
        reasons.append(Reason.CHANNEL_OBJECTION)
    if not purpose.direct_marketing:
        return (), ()
    law = laws.law_for(state.subject.jurisdiction, declarations.marketing_laws)
    local = at.astimezone(_zone(declarations.controller.legal_timezone))
    rule = law.rule(channel, purpose.audience, local.date())
    sources: list[str] = []
    grounds: tuple[Reason, ...] = ()
    ban = law.sector_ban(purpose.sector, channel)
    if ban is not None:
        sources.append(ban.source)
        reasons.append(Reason.CANVASSING_BANNED)
    if rule is None:
        return grounds, tuple(sources)
    sources.append(rule.source)
    if rule.requirement is Requirement.BANNED:
        if ban is None:
            reasons.append(Reason.CANVASSING_BANNED)
    elif rule.requirement is Requirement.PRIOR_CONSENT:
        if not counting:
            exception = _customer(state, purpose, rule.exception, at, declarations)
            if exception is not None:
                grounds = (exception,)
            elif purpose.basis is not LegalBasis.CONSENT:  # else the GDPR reason says it
                reasons.append(Reason.MARKETING_CONSENT_MISSING)
    elif rule.opposition_list is not None:  # UNLESS_OBJECTED, with a national list
        if outreach.opposition_listed is None:
            reasons.append(Reason.OPPOSITION_LIST_UNCHECKED)
        elif outreach.opposition_listed:
            reasons.append(Reason.OPPOSITION_LISTED)
    if (rule.working_days_only and not calendar.is_working_day(local.date())) or (
        rule.hours and not any(window.contains(local.time()) for window in rule.hours)
    ):
        reasons.append(Reason.OUTSIDE_CALLING_HOURS)
    return grounds, tuple(sources)
