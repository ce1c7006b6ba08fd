"""policy.retention helpers and Declarations.recipients_of (Art. 5(1)(e), 19)."""

from __future__ import annotations

from datetime import datetime

import attrs
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.model import AnchorEvent, Declarations
from gdprcrm.policy import SubjectState, retention_due
from gdprcrm.policy.retention import anchors_of, expiring_fields, schedule_for
from gdprcrm.testing import strategies as gst


@given(gst.declarations(), st.data())
def test_an_expiring_purpose_takes_exactly_the_fields_no_remaining_purpose_needs(
    decl: Declarations, data: st.DataObject
) -> None:
    # Art. 5(1)(e): when one purpose's period ends, what another purpose still needs stays.
    ids = [p.id for p in decl.purposes]
    held = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    expired = data.draw(st.sampled_from(held))
    doomed = set(expiring_fields(decl, held, expired))
    remaining = [p for p in held if p != expired]
    for field in decl.purpose(expired).field_names:
        still_needed = any(field in decl.purpose(p).field_names for p in remaining)
        assert (field in doomed) is not still_needed
    assert doomed <= decl.purpose(expired).field_names


@given(gst.declarations(), st.data())
def test_the_schedule_has_one_entry_per_purpose_whose_clock_runs(
    decl: Declarations, data: st.DataObject
) -> None:
    state = data.draw(gst.subject_states(decl))
    entries = schedule_for(state, decl)
    pending = decl.pending_consent  # Art. 6(1)(a): a consent never given
    expected = {
        p.id: retention_due(state, p, pending=pending)
        for p in decl.purposes
        if p.id in state.subject.purposes and retention_due(state, p, pending=pending) is not None
    }
    assert {e.purpose_id: e.due_at for e in entries} == expected
    assert all(e.action is decl.purpose(e.purpose_id).retention.action for e in entries)


@given(gst.subjects(), gst.instants(), gst.instants())
def test_anchors_come_from_the_subjects_record(
    subject: object, contact: datetime, ended: datetime
) -> None:
    from gdprcrm.model import Subject

    assert isinstance(subject, Subject)
    assert anchors_of(subject) == {}
    both = attrs.evolve(subject, last_contact_at=contact, relationship_ended_at=ended)
    assert anchors_of(both) == {
        AnchorEvent.LAST_CONTACT_FROM_SUBJECT: contact,
        AnchorEvent.END_OF_RELATIONSHIP: ended,
    }
    assert SubjectState(both, anchors=anchors_of(both)).anchors == anchors_of(both)


@given(gst.declarations(), st.data())
def test_recipients_of_are_those_of_the_purposes_using_a_changed_field(
    decl: Declarations, data: st.DataObject
) -> None:
    # Art. 19: each recipient to whom the changed data was disclosed, and no other.
    ids = data.draw(st.lists(st.sampled_from([p.id for p in decl.purposes]), unique=True))
    names = data.draw(st.lists(st.sampled_from([f.name for f in decl.fields]), unique=True))
    everyone = {r.id for pid in ids for r in decl.purpose(pid).recipients}
    assert set(decl.recipients_of(ids)) == everyone
    concerned = {
        r.id
        for pid in ids
        if set(names) & decl.purpose(pid).field_names
        for r in decl.purpose(pid).recipients
    }
    assert set(decl.recipients_of(ids, fields=names)) == concerned
    assert list(decl.recipients_of(ids)) == sorted(everyone)
    assert decl.recipients_of(["not-declared"]) == ()
