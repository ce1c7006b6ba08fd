"""Model conversion benchmark (P10): a model object to and from its stored dict.

``to dict``: the shared cattrs converter (``gdprcrm.serialization.unstructure``) vs a
hand-written dict of the same fields. ``from dict``: ``structure`` (which runs every
validator) vs the hand-written conversion of each value followed by ``Rec(**d)``.
The record is a ``ConsentGiven``, the most frequent write of a CRM.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from benchmarks.harness import Result, ratio
from gdprcrm.model import Channel, ConsentGiven, ConsentGiver, SubjectId
from gdprcrm.serialization import structure, unstructure

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _record() -> ConsentGiven:
    return ConsentGiven(
        SubjectId.new(),
        "newsletter",
        T0,
        channel="web-form",
        notice_version="2026-01",
        evidence=(("form", "signup"),),
    )


def _by_hand(c: ConsentGiven) -> dict[str, Any]:
    return {
        "subject_id": str(c.subject_id),
        "purpose_id": c.purpose_id,
        "at": c.at.astimezone(UTC).isoformat(),
        "channel": c.channel,
        "notice_version": c.notice_version,
        "language": c.language,
        "explicit": c.explicit,
        "given_by": c.given_by.value,
        "text_hash": c.text_hash,
        "evidence": dict(c.evidence),
        "id": str(c.id),
        "contact_channel": None if c.contact_channel is None else c.contact_channel.value,
        "contact_point": c.contact_point,
    }


def _from_hand(d: dict[str, Any]) -> ConsentGiven:
    return ConsentGiven(
        subject_id=SubjectId.parse(d["subject_id"]),
        purpose_id=d["purpose_id"],
        at=datetime.fromisoformat(d["at"]),
        channel=d["channel"],
        notice_version=d["notice_version"],
        language=d["language"],
        explicit=d["explicit"],
        given_by=ConsentGiver(d["given_by"]),
        text_hash=d["text_hash"],
        evidence=tuple(sorted(d["evidence"].items())),
        id=uuid.UUID(d["id"]),
        contact_channel=None if d["contact_channel"] is None else Channel(d["contact_channel"]),
        contact_point=d["contact_point"],
    )


def run(quick: bool = False) -> Iterator[Result]:
    record = _record()
    doc = unstructure(record)
    assert doc == _by_hand(record), (doc, _by_hand(record))
    assert structure(doc, ConsentGiven) == _from_hand(doc) == record
    number = 2_000 if quick else 20_000
    yield ratio(
        "P10",
        "ConsentGiven to dict (cattrs) vs a hand-written dict",
        lambda: unstructure(record),
        lambda: _by_hand(record),
        number=number,
        bar=1.2,
    )
    yield ratio(
        "P10",
        "ConsentGiven from dict (cattrs) vs by hand + Rec(**d)",
        lambda: structure(doc, ConsentGiven),
        lambda: _from_hand(doc),
        number=number,
        bar=2.1,
    )
