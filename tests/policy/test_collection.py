"""policy.collection: purpose limitation, minimisation, suppression (pure)."""

from __future__ import annotations

from datetime import datetime

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.errors import InvalidInput, MinimisationError, UnknownField, UnknownPurpose
from gdprcrm.model import Channel, Declarations, LegalBasis, Lookup, Purpose
from gdprcrm.policy.collection import (
    MIN_SUPPRESSION_YEARS,
    check_purposes,
    check_values,
    suppressed_channels,
    suppression_applies,
    suppression_cutoff,
)
from gdprcrm.testing import strategies as gst


@given(gst.declarations(), st.data())
def test_a_value_is_accepted_iff_one_chosen_purpose_needs_it(
    decl: Declarations, data: st.DataObject
) -> None:
    # Art. 5(1)(c): minimisation, field by field.
    chosen = data.draw(st.lists(st.sampled_from([p.id for p in decl.purposes]), min_size=1))
    name = data.draw(st.sampled_from([f.name for f in decl.fields]))
    needed = any(name in decl.purpose(p).field_names for p in chosen)
    if needed:
        check_values(decl, {name: "x"}, chosen)
    else:
        with pytest.raises(MinimisationError, match=name):
            check_values(decl, {name: "x"}, chosen)


@given(gst.declarations())
def test_undeclared_fields_and_purposes_and_non_text_values_are_refused(
    decl: Declarations,
) -> None:
    some = decl.purposes[0]
    with pytest.raises(UnknownField):
        check_values(decl, {"not_declared_field": "x"}, [some.id])
    with pytest.raises(UnknownPurpose):
        check_purposes(decl, ["never-declared-purpose-id"])
    with pytest.raises(InvalidInput):
        check_purposes(decl, [])  # Art. 5(1)(b): a specified purpose
    with pytest.raises(InvalidInput):
        check_purposes(decl, some.id)  # a string, not a list of ids
    field = some.fields[0].name
    with pytest.raises(InvalidInput, match="text"):
        check_values(decl, {field: 42}, [some.id])  # type: ignore[dict-item]
    with pytest.raises(InvalidInput):
        check_values(decl, [(field, "x")], [some.id])  # type: ignore[arg-type]


@given(gst.declarations(), st.data())
def test_the_suppression_list_applies_iff_a_purpose_is_direct_marketing(
    decl: Declarations, data: st.DataObject
) -> None:
    # Art. 21(3): only processing for direct marketing is barred by an objection to it.
    chosen = data.draw(st.lists(st.sampled_from([p.id for p in decl.purposes]), min_size=1))
    expected = any(decl.purpose(p).direct_marketing for p in chosen)
    assert suppression_applies(decl, chosen) == expected


@given(gst.instants(), st.integers(min_value=-5, max_value=50))
def test_a_suppression_purge_never_reaches_into_the_last_three_years(
    now: datetime, years: int
) -> None:
    # Art. 21(3), CNIL: at least three years of objections are kept.
    if years < MIN_SUPPRESSION_YEARS:
        with pytest.raises(InvalidInput, match="3 years"):
            suppression_cutoff(now, years)
        return
    cutoff = suppression_cutoff(now, years)
    assert cutoff <= now - relativedelta(years=MIN_SUPPRESSION_YEARS)
    assert cutoff == now - relativedelta(years=years)


@given(
    st.sets(st.none() | gst.channels(), max_size=4),
    st.sampled_from([Lookup.EMAIL, Lookup.PHONE]),
    st.lists(
        gst.purposes(basis=LegalBasis.LEGITIMATE_INTERESTS, direct_marketing=True),
        min_size=1,
        max_size=3,
        unique_by=lambda p: p.id,
    ),
)
def test_a_contact_point_is_refused_only_where_its_objections_leave_a_purpose_nothing(
    scopes: set[Channel | None], kind: Lookup, purposes: list[Purpose]
) -> None:
    # Art. 21(3) per channel: an objection to all direct marketing refuses the contact
    # point; objections to some channels refuse it for a purpose that could only use
    # those channels, and otherwise travel with it to the new record.
    result = suppressed_channels(scopes, kind, purposes)
    channels = {c for c in scopes if c is not None}

    def only_objected(p: Purpose) -> bool:
        usable = {c for c in (p.channels or set(Channel)) if c.lookup is kind}
        return bool(channels) and bool(usable) and usable <= channels

    if None in scopes or any(only_objected(p) for p in purposes):
        assert result is None
    else:
        assert result == frozenset(channels)
