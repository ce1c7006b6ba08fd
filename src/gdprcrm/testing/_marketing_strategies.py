"""Strategies for direct marketing: channels, audiences, channel rules and laws, and
outreaches (a message on one channel)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import strategies as st

from gdprcrm.model import (
    Audience,
    CallingWindow,
    Channel,
    ChannelRule,
    CustomerException,
    DutyTrigger,
    Exemption,
    InformationDuty,
    MarketingLaw,
    MarketingLaws,
    Requirement,
    SectorBan,
    SubjectId,
)
from gdprcrm.model.marketing import EU_BASELINE, FRANCE
from gdprcrm.policy import Outreach

__all__ = [
    "audiences",
    "calling_windows",
    "channel_rules",
    "channels",
    "information_duties",
    "marketing_law_sets",
    "marketing_laws",
    "outreaches",
    "sector_bans",
]

_SECTORS = st.sampled_from(["energy-renovation", "home-adaptation", "insurance", "telecoms"])


def channels() -> st.SearchStrategy[Channel]:
    return st.sampled_from(list(Channel))


def audiences() -> st.SearchStrategy[Audience]:
    return st.sampled_from(list(Audience))


@st.composite
def calling_windows(draw: st.DrawFn) -> CallingWindow:
    """Local hours on the minute, start before end."""
    start = draw(st.integers(0, 23 * 60 - 1))
    end = draw(st.integers(start + 1, 23 * 60 + 59))
    return CallingWindow(time(*divmod(start, 60)), time(*divmod(end, 60)))


@st.composite
def channel_rules(
    draw: st.DrawFn, channel: Channel | None = None, audience: Audience | None = None
) -> ChannelRule:
    requirement = draw(st.sampled_from(list(Requirement)))
    exception = CustomerException.NONE
    if requirement is Requirement.PRIOR_CONSENT:
        exception = draw(st.sampled_from(list(CustomerException)))
    listed = requirement is Requirement.UNLESS_OBJECTED and draw(st.booleans())
    return ChannelRule(
        channel if channel is not None else draw(channels()),
        requirement,
        draw(st.sampled_from(["CPCE L34-5", "UWG § 7", "Directive 2002/58/EC art. 13"])),
        audience=audience,
        exception=exception,
        opposition_list="Bloctel" if listed else None,
        hours=tuple(draw(st.lists(calling_windows(), max_size=2))),
        working_days_only=draw(st.booleans()),
    )


@st.composite
def sector_bans(draw: st.DrawFn) -> SectorBan:
    return SectorBan(
        draw(_SECTORS),
        frozenset(draw(st.sets(channels(), min_size=1))),
        "Code de la consommation L223-1",
    )


@st.composite
def marketing_laws(draw: st.DrawFn, jurisdiction: str | None = None) -> MarketingLaw:
    """A state's law: at most one rule per channel and audience, in force always, or
    split at a date into a rule before and one after."""
    rules: list[ChannelRule] = []
    for channel in draw(st.sets(channels())):
        per_audience = draw(st.booleans())
        for audience in list(Audience) if per_audience else [None]:
            if draw(st.booleans()):
                cut = draw(st.dates(date(2020, 1, 1), date(2035, 1, 1)))
                before = draw(channel_rules(channel, audience))
                after = draw(channel_rules(channel, audience))
                rules.append(_dated(before, None, cut))
                rules.append(_dated(after, date.fromordinal(cut.toordinal() + 1), None))
            else:
                rules.append(draw(channel_rules(channel, audience)))
    state = jurisdiction or draw(st.sampled_from(["FR", "DE", "IT", "ES", "BE"]))
    bans = draw(st.lists(sector_bans(), max_size=2))
    return MarketingLaw(state, tuple(rules), tuple(bans))


def _dated(rule: ChannelRule, start: date | None, end: date | None) -> ChannelRule:
    import attrs

    return attrs.evolve(rule, valid_from=start, valid_until=end)


def marketing_law_sets() -> st.SearchStrategy[MarketingLaws]:
    """A registry: the built-in French law or a drawn one, and a baseline."""
    return st.builds(
        MarketingLaws,
        st.lists(st.just(FRANCE) | marketing_laws(), max_size=2),
        st.just(EU_BASELINE) | marketing_laws(jurisdiction="EU"),
    )


@st.composite
def information_duties(draw: st.DrawFn, subject_id: SubjectId | None = None) -> InformationDuty:
    """An Art. 14 duty: pending (sometimes due earlier on a first communication or
    disclosure), informed, or exempt."""
    obtained = draw(
        st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC))
    )
    duty = InformationDuty(
        subject_id if subject_id is not None else SubjectId.new(),
        obtained,
        obtained + timedelta(days=30),
    )
    later = obtained + timedelta(days=draw(st.integers(0, 60)))
    trigger = draw(st.sampled_from(list(DutyTrigger)))
    duty = duty.due_earlier(later, trigger) if draw(st.booleans()) else duty
    outcome = draw(st.sampled_from(["pending", "informed", "exempt"]))
    if outcome == "informed":
        return duty.informed(later, draw(st.sampled_from(["e-mail", "post", "sms"])))
    if outcome == "exempt":
        return duty.exempted(later, draw(st.sampled_from(list(Exemption))), "DPO-2026-014")
    return duty


@st.composite
def outreaches(draw: st.DrawFn, channel: Channel | None = None) -> Outreach:
    return Outreach(
        channel if channel is not None else draw(channels()),
        None,
        draw(st.none() | st.booleans()),
    )
