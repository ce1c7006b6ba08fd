"""The SQL adapters' shortcuts past the converter: objects rebuilt without ``__init__``
(``trusted``) are indistinguishable from ones built normally, and audit entries stored
by hand (``entry_doc``) are the converter's documents, byte for byte."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.audit import AuditChain
from gdprcrm.model import AuditEntry, DetailValue, SubjectId
from gdprcrm.storage._sql import dump, load, sid_of
from gdprcrm.storage._sql_audit import entry_doc
from gdprcrm.testing import T0
from gdprcrm.testing import strategies as gst


@given(st.uuids())
def test_a_rebuilt_subject_id_is_the_subject_id(value: uuid.UUID) -> None:
    built, rebuilt = SubjectId(value), sid_of(value.bytes)
    assert rebuilt == built
    assert hash(rebuilt) == hash(built)  # SubjectId caches its hash: the slot is set
    assert {built: "found"}[rebuilt] == "found"
    assert rebuilt.bytes == value.bytes
    assert str(rebuilt) == str(value)


_values = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.sampled_from(["web-form", "e-mail", "open-request"])
    | st.uuids().map(str)
)


@given(
    st.sampled_from([None, b"k" * 32]),
    st.lists(
        st.tuples(
            st.none() | gst.subject_ids(),
            st.none() | st.sampled_from(["newsletter", "billing"]),
            st.dictionaries(st.sampled_from(["fields", "certificate", "reason"]), _values),
            st.integers(0, 10**6),
            st.sampled_from([UTC, timezone(timedelta(hours=2))]),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_an_entry_stored_by_hand_is_the_converters_document(
    key: bytes | None,
    steps: list[tuple[SubjectId | None, str | None, dict[str, DetailValue], int, timezone]],
) -> None:
    chain = AuditChain(key)
    head = None
    elapsed = 0
    for subject, purpose, details, micros, zone in steps:
        elapsed += micros  # time goes forward along a chain
        head = chain.next_entry(
            head,
            at=(T0 + timedelta(microseconds=elapsed)).astimezone(zone),
            actor="system",
            action="subject.erased",
            subject_id=subject,
            purpose_id=purpose,
            details=details,
        )
        assert entry_doc(head) == dump(head)
        assert load(entry_doc(head), AuditEntry) == head
