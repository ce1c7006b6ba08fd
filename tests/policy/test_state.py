"""SubjectState: the indexes decide() answers from, checked against their definitions,
and the histories it refuses (events of another subject, withdrawals of nothing)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprcrm.errors import InvalidInput
from gdprcrm.model import (
    Channel,
    ConsentEvent,
    ConsentGiven,
    ConsentRefused,
    ConsentWithdrawn,
    Objection,
    Restriction,
    RestrictionGround,
    Subject,
    SubjectId,
)
from gdprcrm.policy import SubjectState
from gdprcrm.testing import T0

PURPOSES = ["newsletter", "offers"]
SID = SubjectId.new()
OTHER = SubjectId.new()


def _given(at: datetime, purpose: str = "newsletter", sid: SubjectId = SID) -> ConsentGiven:
    return ConsentGiven(
        subject_id=sid, purpose_id=purpose, at=at, channel="web-form", notice_version="v1"
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[ConsentEvent], list[Objection]]:
    """Consents, withdrawals (some consents withdrawn twice), refusals and objections of
    every kind, at instants drawn in any order."""
    minutes = st.integers(0, 10_000).map(lambda m: T0 + timedelta(minutes=m))
    purpose = st.sampled_from(PURPOSES)
    events: list[ConsentEvent] = []
    for _ in range(draw(st.integers(0, 5))):
        consent = _given(draw(minutes), draw(purpose))
        events.append(consent)
        for _ in range(draw(st.integers(0, 2))):
            later = consent.at + timedelta(minutes=draw(st.integers(0, 5_000)))
            events.append(consent.withdraw(later, "web-form"))
    for _ in range(draw(st.integers(0, 3))):
        events.append(
            ConsentRefused(
                subject_id=SID,
                purpose_id=draw(purpose),
                at=draw(minutes),
                channel="web-form",
                notice_version="v1",
            )
        )
    objections = [
        Objection(
            SID,
            draw(minutes),
            purpose_id=None if marketing else draw(purpose),
            direct_marketing=marketing,
            overridden_by=None if marketing or not draw(st.booleans()) else "LIA-2026-01",
            contact_channel=draw(st.none() | st.sampled_from(list(Channel))),
        )
        for marketing in draw(st.lists(st.booleans(), max_size=4))
    ]
    return draw(st.permutations(events)), objections


def _earliest(instants: list[datetime]) -> datetime | None:
    return min(instants) if instants else None


@settings(max_examples=200)
@given(histories())
def test_the_indexes_are_those_their_definitions_give(
    history: tuple[list[ConsentEvent], list[Objection]],
) -> None:
    events, objections = history
    state = SubjectState(_subject(), events, objections)
    consents = [e for e in events if isinstance(e, ConsentGiven)]
    for pid in PURPOSES:
        # Art. 7(3): each consent holds from its giving until its earliest withdrawal.
        expected = sorted(
            (
                c.at,
                str(c.id),
                _earliest(
                    [
                        e.at
                        for e in events
                        if isinstance(e, ConsentWithdrawn) and e.consent_id == c.id
                    ]
                ),
            )
            for c in consents
            if c.purpose_id == pid
        )
        got = [
            (i.consent.at, str(i.consent.id), i.withdrawn_at) for i in state.intervals.get(pid, ())
        ]
        assert got == expected
        # Art. 7(1): the latest refusal counts.
        refusals = [e.at for e in events if isinstance(e, ConsentRefused) and e.purpose_id == pid]
        assert state.refused_at.get(pid) == (max(refusals) if refusals else None)
        # Art. 21(1): the earliest objection to the purpose that no compelling grounds
        # override (one limited to a channel is indexed by channel instead).
        standing = [
            o.at
            for o in objections
            if o.purpose_id == pid and o.overridden_by is None and o.contact_channel is None
        ]
        assert state.objection_at.get(pid) == _earliest(standing)
    # Art. 21(2)-(3): the earliest objection to all direct marketing.
    assert state.dm_objection_at == _earliest(
        [o.at for o in objections if o.direct_marketing and o.contact_channel is None]
    )
    for channel in Channel:
        for scope in (None, *PURPOSES):
            on = [
                o.at
                for o in objections
                if o.contact_channel is channel
                and (o.direct_marketing if scope is None else o.purpose_id == scope)
            ]
            assert state.channel_objection_at.get((scope, channel)) == _earliest(on)


def _subject() -> Subject:
    return Subject(id=SID, jurisdiction="FR", collected_at=T0, purposes=frozenset(PURPOSES))


def test_events_of_another_subject_are_refused() -> None:
    with pytest.raises(InvalidInput, match="another subject"):
        SubjectState(_subject(), [_given(T0, sid=OTHER)])
    with pytest.raises(InvalidInput, match="objections"):
        SubjectState(_subject(), (), [Objection(OTHER, T0, direct_marketing=True)])
    with pytest.raises(InvalidInput, match="restrictions"):
        SubjectState(
            _subject(), (), (), [Restriction(OTHER, RestrictionGround.ACCURACY_CONTESTED, T0)]
        )
    with pytest.raises(InvalidInput, match="consent events"):
        SubjectState(_subject(), [Objection(SID, T0, direct_marketing=True)])


def test_a_withdrawal_must_name_a_consent_given_as_it_was() -> None:
    consent = _given(T0)
    withdrawal = consent.withdraw(T0 + timedelta(days=1), "web-form")
    assert SubjectState(_subject(), [withdrawal, consent]).intervals["newsletter"][0].withdrawn_at
    with pytest.raises(InvalidInput, match="unknown consent"):
        SubjectState(_subject(), [withdrawal])  # nothing given
    other_purpose = _given(T0, "offers")
    with pytest.raises(InvalidInput, match="unknown consent"):  # moved to another purpose
        SubjectState(
            _subject(),
            [
                other_purpose,
                ConsentWithdrawn(
                    subject_id=SID,
                    purpose_id="newsletter",
                    at=T0 + timedelta(days=1),
                    channel="web-form",
                    consent_id=other_purpose.id,
                    given_at=T0,
                ),
            ],
        )
    moved = _given(T0 + timedelta(hours=1))
    forged = ConsentWithdrawn(
        subject_id=SID,
        purpose_id="newsletter",
        at=T0 + timedelta(days=1),
        channel="web-form",
        consent_id=moved.id,
        given_at=T0,  # not when it was given
    )
    with pytest.raises(InvalidInput, match="does not match"):
        SubjectState(_subject(), [moved, forged])


def test_one_id_names_one_consent() -> None:
    consent = _given(T0)
    assert len(SubjectState(_subject(), [consent, consent]).intervals["newsletter"]) == 1
    twin = ConsentGiven(
        subject_id=SID,
        purpose_id="offers",
        at=T0,
        channel="web-form",
        notice_version="v1",
        id=consent.id,
    )
    with pytest.raises(InvalidInput, match="share an id"):
        SubjectState(_subject(), [consent, twin])
