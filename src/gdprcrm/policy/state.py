"""A subject's loaded state: everything decide() needs, checked and indexed once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model import (
    AnchorEvent,
    Channel,
    ConsentEvent,
    ConsentGiven,
    ConsentRefused,
    ConsentWithdrawn,
    Objection,
    Restriction,
    Subject,
    SubjectId,
)
from gdprcrm.model._checks import as_tuple, check_aware

__all__ = ["ConsentInterval", "SubjectState"]


@attrs.frozen
class ConsentInterval:
    """A consent in force on ``[consent.at, withdrawn_at)``."""

    consent: ConsentGiven
    withdrawn_at: datetime | None

    def active_at(self, at: datetime) -> bool:
        return self.consent.at <= at and (self.withdrawn_at is None or at < self.withdrawn_at)


def _anchors(value: Any) -> Mapping[AnchorEvent, datetime]:
    items = dict(value)
    for key, instant in items.items():
        if not isinstance(key, AnchorEvent):
            raise InvalidInput("SubjectState.anchors: keys are AnchorEvent values")
        items[key] = check_aware(instant, f"SubjectState.anchors[{key.value}]")
    return MappingProxyType(items)


@attrs.frozen(eq=False)
class SubjectState:
    """One subject with its consent events, objections, restrictions and anchor instants.

    ``anchors`` holds the instants retention periods run from, other than collection
    (which is ``subject.collected_at``) and consent withdrawal (derived from the events):
    last contact from the subject, end of the relationship, last activity.

    Built once per load; :func:`gdprcrm.policy.decide` then answers from indexes.
    """

    subject: Subject
    consents: tuple[ConsentEvent, ...] = attrs.field(default=(), converter=as_tuple)
    objections: tuple[Objection, ...] = attrs.field(default=(), converter=as_tuple)
    restrictions: tuple[Restriction, ...] = attrs.field(default=(), converter=as_tuple)
    anchors: Mapping[AnchorEvent, datetime] = attrs.field(factory=dict, converter=_anchors)
    age_unreadable: bool = attrs.field(default=False, kw_only=True)
    """A birth date is stored but could not be read (a damaged ciphertext): decide()
    answers the gap ``age-unreadable`` where the age matters, and nothing else stops."""
    intervals: Mapping[str, tuple[ConsentInterval, ...]] = attrs.field(init=False, repr=False)
    """Consent intervals per purpose id, in order of giving."""
    dm_objection_at: datetime | None = attrs.field(init=False, repr=False)
    """The earliest objection to direct marketing (Art. 21(2)), if any."""
    objection_at: Mapping[str, datetime] = attrs.field(init=False, repr=False)
    """The earliest standing (not overridden) objection per purpose id."""
    channel_objection_at: Mapping[tuple[str | None, Channel], datetime] = attrs.field(
        init=False, repr=False
    )
    """The earliest objection per (purpose id, or None for all direct marketing) and
    channel, for objections limited to one channel."""
    refused_at: Mapping[str, datetime] = attrs.field(init=False, repr=False)
    """The latest refusal of a consent per purpose id (Art. 7(1))."""

    def __attrs_post_init__(self) -> None:
        sid = self.subject.id
        intervals, refused = _consent_indexes(sid, self.consents)
        dm, by_purpose, on_channel = _objection_indexes(sid, self.objections)
        for restriction in self.restrictions:
            if not isinstance(restriction, Restriction) or restriction.subject_id != sid:
                raise InvalidInput(
                    "SubjectState.restrictions: expected this subject's restrictions"
                )
        object.__setattr__(self, "intervals", MappingProxyType(intervals))
        object.__setattr__(self, "refused_at", MappingProxyType(refused))
        object.__setattr__(self, "dm_objection_at", dm)
        object.__setattr__(self, "objection_at", MappingProxyType(by_purpose))
        object.__setattr__(self, "channel_objection_at", MappingProxyType(on_channel))

    def with_events(
        self,
        consents: Iterable[ConsentEvent] = (),
        objections: Iterable[Objection] = (),
        restrictions: Iterable[Restriction] = (),
    ) -> SubjectState:
        """A new state with more events appended."""
        return SubjectState(
            self.subject,
            (*self.consents, *consents),
            (*self.objections, *objections),
            (*self.restrictions, *restrictions),
            self.anchors,
            age_unreadable=self.age_unreadable,
        )


def _consent_indexes(
    sid: SubjectId, consents: tuple[ConsentEvent, ...]
) -> tuple[dict[str, tuple[ConsentInterval, ...]], dict[str, datetime]]:
    """The consent intervals per purpose (each consent from its giving to its earliest
    withdrawal, Art. 7(3)) and the latest refusal per purpose (Art. 7(1)); InvalidInput
    on an event of another subject, two different events under one id, or a withdrawal
    that names no consent given (or names it wrongly)."""
    given: dict[Any, ConsentGiven] = {}
    withdrawals: dict[Any, datetime] = {}
    for event in consents:
        if not isinstance(event, ConsentGiven | ConsentWithdrawn | ConsentRefused):
            raise InvalidInput("SubjectState.consents: expected consent events")
        if event.subject_id != sid:
            raise InvalidInput("SubjectState.consents: an event of another subject")
        if isinstance(event, ConsentGiven):
            if event.id in given and given[event.id] != event:
                raise InvalidInput("SubjectState.consents: two different events share an id")
            given[event.id] = event
    refused: dict[str, datetime] = {}
    for event in consents:
        if isinstance(event, ConsentWithdrawn):
            origin = given.get(event.consent_id)
            if origin is None or origin.purpose_id != event.purpose_id:
                raise InvalidInput("SubjectState.consents: a withdrawal of an unknown consent")
            if event.given_at != origin.at:
                raise InvalidInput("SubjectState.consents: withdrawal does not match its consent")
            previous = withdrawals.get(event.consent_id)
            withdrawals[event.consent_id] = (
                event.at if previous is None else min(previous, event.at)
            )
        elif isinstance(event, ConsentRefused):
            previous_refusal = refused.get(event.purpose_id)
            if previous_refusal is None or event.at > previous_refusal:
                refused[event.purpose_id] = event.at
    per_purpose: dict[str, list[ConsentInterval]] = {}
    for cid, consent in given.items():
        per_purpose.setdefault(consent.purpose_id, []).append(
            ConsentInterval(consent, withdrawals.get(cid))
        )
    intervals = {
        pid: tuple(sorted(items, key=lambda i: (i.consent.at, str(i.consent.id))))
        for pid, items in per_purpose.items()
    }
    return intervals, refused


def _objection_indexes(
    sid: SubjectId, objections: tuple[Objection, ...]
) -> tuple[datetime | None, dict[str, datetime], dict[tuple[str | None, Channel], datetime]]:
    """The earliest objection to direct marketing (Art. 21(2)), the earliest standing
    (not overridden, Art. 21(1)) objection per purpose, and the earliest objection per
    (purpose, or None for all direct marketing) and channel for objections limited to
    one channel; InvalidInput on an objection that is not this subject's."""
    dm: datetime | None = None
    by_purpose: dict[str, datetime] = {}
    on_channel: dict[tuple[str | None, Channel], datetime] = {}
    for objection in objections:
        if not isinstance(objection, Objection) or objection.subject_id != sid:
            raise InvalidInput("SubjectState.objections: expected this subject's objections")
        if objection.contact_channel is not None:  # one channel only (policy.marketing)
            key = (
                None if objection.direct_marketing else objection.purpose_id,
                objection.contact_channel,
            )
            seen_on = on_channel.get(key)
            on_channel[key] = objection.at if seen_on is None else min(seen_on, objection.at)
        elif objection.direct_marketing:
            dm = objection.at if dm is None else min(dm, objection.at)
        elif objection.overridden_by is None and objection.purpose_id is not None:
            seen = by_purpose.get(objection.purpose_id)
            by_purpose[objection.purpose_id] = (
                objection.at if seen is None else min(seen, objection.at)
            )
    return dm, by_purpose, on_channel
