"""``Subject.erased()`` (the sweep's trusted copy) is exactly what ``attrs.evolve`` with
the validators gives (Art. 17: nothing of the person's age, source or purposes stays)."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.model import Subject, SubjectStatus
from gdprcrm.testing import strategies as gst


@st.composite
def any_subjects(draw: st.DrawFn) -> Subject:
    subject = draw(
        gst.subjects(
            purpose_ids=draw(st.lists(gst.purpose_ids(), max_size=3, unique=True)), adult=None
        )
    )
    return attrs.evolve(
        subject,
        status=draw(st.sampled_from(SubjectStatus)),
        relationship_ended_at=draw(st.none() | gst.instants()),
        last_contact_at=draw(st.none() | gst.instants()),
    )


@given(any_subjects())
def test_erased_is_the_validated_evolve(subject: Subject) -> None:
    expected = attrs.evolve(
        subject,
        status=SubjectStatus.ERASED,
        purposes=frozenset(),
        birth_date=None,
        attested_age=None,
        source=None,
    )
    erased = subject.erased()
    assert erased == expected
    assert hash(erased) == hash(expected)
    assert repr(erased) == repr(expected)
    assert attrs.asdict(erased, recurse=False) == attrs.asdict(expected, recurse=False)


def test_erased_names_every_field() -> None:
    """A field added to Subject must be decided on in erased(): kept or cleared."""
    assert [a.name for a in attrs.fields(Subject)] == [
        "id",
        "jurisdiction",
        "collected_at",
        "purposes",
        "birth_date",
        "attested_age",
        "source",
        "status",
        "relationship_ended_at",
        "last_contact_at",
    ]
