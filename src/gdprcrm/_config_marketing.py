"""Declared direct-marketing law of other member states (private to the loader).

``[[marketing_laws]]`` tables declare a state's channel rules (Directive 2002/58/EC art.
13 as that state transposed it) beside the built-in French law and the Directive's
baseline; ``jurisdiction = "EU"`` replaces the baseline itself::

    [[marketing_laws]]
    jurisdiction = "DE"
    [[marketing_laws.rules]]
    channel = "phone-call"
    requirement = "prior-consent"        # or "unless-objected", "banned"
    source = "UWG § 7(2) Nr. 1"
    audience = "consumer"                # optional: both when absent
    valid_from = 2026-01-01              # optional TOML dates, local calendar days
    exception = "existing-customer"      # optional, prior consent only
    opposition_list = "Robinsonliste"    # optional, unless-objected only
    hours = ["09:00-13:00", "14:00-20:00"]
    working_days_only = true
    [[marketing_laws.sector_bans]]
    sector = "energy-renovation"
    channels = ["phone-call"]
    source = "..."
"""

from __future__ import annotations

import functools
import re
from datetime import date, time

import attrs

from gdprcrm._config_support import Errors, enum_value
from gdprcrm.errors import InvalidInput
from gdprcrm.model import (
    Audience,
    CallingWindow,
    Channel,
    ChannelRule,
    CustomerException,
    MarketingLaw,
    Requirement,
    SectorBan,
)

__all__ = ["MarketingLawDoc", "marketing_laws"]

_WINDOW = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")


@attrs.frozen
class ChannelRuleDoc:
    channel: str
    requirement: str
    source: str
    audience: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    exception: str = "none"
    opposition_list: str | None = None
    hours: list[str] = attrs.Factory(list)
    working_days_only: bool = False


@attrs.frozen
class SectorBanDoc:
    sector: str
    channels: list[str]
    source: str


@attrs.frozen
class MarketingLawDoc:
    jurisdiction: str
    rules: list[ChannelRuleDoc] = attrs.Factory(list)
    sector_bans: list[SectorBanDoc] = attrs.Factory(list)


def _window(text: str) -> CallingWindow:
    match = _WINDOW.fullmatch(text)
    if match is None:
        raise InvalidInput(f"expected local hours as 'HH:MM-HH:MM', got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        return CallingWindow(time(h1, m1), time(h2, m2))
    except ValueError:
        raise InvalidInput(f"{text!r}: not a time of day") from None


def _rule(doc: ChannelRuleDoc) -> ChannelRule:
    return ChannelRule(
        enum_value(Channel, doc.channel),
        enum_value(Requirement, doc.requirement),
        doc.source,
        audience=None if doc.audience is None else enum_value(Audience, doc.audience),
        valid_from=doc.valid_from,
        valid_until=doc.valid_until,
        exception=enum_value(CustomerException, doc.exception),
        opposition_list=doc.opposition_list,
        hours=tuple(_window(h) for h in doc.hours),
        working_days_only=doc.working_days_only,
    )


def _ban(doc: SectorBanDoc) -> SectorBan:
    return SectorBan(
        doc.sector, frozenset(enum_value(Channel, c) for c in doc.channels), doc.source
    )


def marketing_laws(docs: list[MarketingLawDoc], errors: Errors) -> tuple[MarketingLaw, ...]:
    """The declared laws; an error line (``$.marketing_laws[i]...``) for each bad one."""
    laws: list[MarketingLaw] = []
    seen: set[str] = set()
    for i, doc in enumerate(docs):
        law = _law(doc, f"$.marketing_laws[{i}]", errors)
        if doc.jurisdiction in seen:
            errors.lines.append(
                f"$.marketing_laws[{i}].jurisdiction: {doc.jurisdiction!r} declared twice"
            )
        seen.add(doc.jurisdiction)
        if law is not None:
            laws.append(law)
    return tuple(laws)


def _law(doc: MarketingLawDoc, path: str, errors: Errors) -> MarketingLaw | None:
    before = len(errors.lines)
    rules: list[ChannelRule] = []
    for j, rule_doc in enumerate(doc.rules):
        rule = errors.run(f"{path}.rules[{j}]", functools.partial(_rule, rule_doc))
        if rule is not None:
            rules.append(rule)
    bans: list[SectorBan] = []
    for j, ban_doc in enumerate(doc.sector_bans):
        ban = errors.run(f"{path}.sector_bans[{j}]", functools.partial(_ban, ban_doc))
        if ban is not None:
            bans.append(ban)
    if len(errors.lines) > before:
        return None

    def build() -> MarketingLaw:
        return MarketingLaw(doc.jurisdiction, tuple(rules), tuple(bans))

    return errors.run(path, build)
