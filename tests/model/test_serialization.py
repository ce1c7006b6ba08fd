"""Every model object round-trips through the one converter: structure(unstructure(x)) == x."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.errors import SerializationError
from gdprcrm.model import (
    AuditEntry,
    Breach,
    ConsentEvent,
    ControllerInfo,
    DataSubjectRequest,
    Declarations,
    FieldSpec,
    NoticeVersion,
    Objection,
    Purpose,
    RequestKind,
    Restriction,
    RetentionRule,
    Subject,
    SubjectId,
    Transfer,
)
from gdprcrm.serialization import make_converter, structure, unstructure
from gdprcrm.testing import strategies as gst


def _round_trip(obj: Any, cls: Any) -> None:
    data = unstructure(obj, unstructure_as=cls)
    text = json.dumps(data)  # JSON-ready: no datetime, UUID, set or bytes left
    assert structure(json.loads(text), cls) == obj


@given(gst.declarations())
def test_declarations_round_trip(decl: Declarations) -> None:
    _round_trip(decl, Declarations)
    for p in decl.purposes:
        _round_trip(p, Purpose)
        _round_trip(p.retention, RetentionRule)
    for f in decl.fields:
        _round_trip(f, FieldSpec)
    _round_trip(decl.controller, ControllerInfo)
    _round_trip(decl.notices[0], NoticeVersion)


@given(gst.transfers())
def test_transfers_round_trip(t: Transfer) -> None:
    _round_trip(t, Transfer)


@given(gst.subjects(adult=None))
def test_subjects_round_trip(subject: Subject) -> None:
    _round_trip(subject, Subject)


@given(st.data())
def test_events_round_trip(data: st.DataObject) -> None:
    sid = data.draw(gst.subject_ids())
    events = data.draw(gst.consent_timelines(sid, ["newsletter", "profiling"]))
    for event in events:
        _round_trip(event, ConsentEvent)
    _round_trip(data.draw(gst.objections(sid, ["profiling"])), Objection)
    _round_trip(data.draw(gst.restrictions(sid)), Restriction)


@given(
    gst.instants(), gst.subject_ids(), st.integers(0, 2**40), st.binary(min_size=32, max_size=32)
)
def test_plain_records_round_trip(at: datetime, sid: SubjectId, seq: int, h: bytes) -> None:
    entry = AuditEntry(
        seq,
        at,
        "system",
        "consent.given",
        sid,
        "newsletter",
        {"channel": "web-form", "n": 3, "ok": True},
        h,
        h,
    )
    _round_trip(entry, AuditEntry)
    _round_trip(DataSubjectRequest(sid, RequestKind.ACCESS, at, at), DataSubjectRequest)
    _round_trip(Breach(at, "lost laptop", {"contact.email"}, 10, 20), Breach)


def test_instants_are_iso_utc_and_periods_iso_durations() -> None:
    at = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
    sid = SubjectId.new()
    data = unstructure(Objection(sid, at, direct_marketing=True))
    assert data["at"] == "2026-01-31T09:30:00+00:00"
    assert data["subject_id"] == str(sid)
    assert unstructure(RetentionRule(relativedelta(years=10)))["period"] == "P10Y"
    assert unstructure(RetentionRule(relativedelta(months=13)))["period"] == "P1Y1M"


def test_errors_name_their_path() -> None:
    with pytest.raises(SerializationError) as info:
        structure(
            {
                "subject_id": "not-a-uuid",
                "at": "2026-01-01T00:00:00+00:00",
                "direct_marketing": True,
            },
            Objection,
        )
    assert info.value.errors == ("$.subject_id: SubjectId: not a UUID",)
    with pytest.raises(SerializationError, match="time zone"):
        structure(
            {
                "subject_id": str(SubjectId.new()),
                "at": "2026-01-01T00:00:00",
                "direct_marketing": True,
            },
            Objection,
        )


def test_make_converter_gives_independent_copies() -> None:
    c = make_converter()
    c.register_unstructure_hook(SubjectId, lambda s: "hidden")
    assert unstructure(SubjectId.new()) != "hidden"
