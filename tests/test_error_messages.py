"""Error messages never repeat personal data a caller passed where an id was expected
(Art. 5(1)(f), 32: exceptions reach logs, and no erasure reaches logs). They still name
a well-formed id, so that a typo in a purpose or a field is easy to find."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.errors import GdprCrmError, InvalidInput
from gdprcrm.model import ConsentGrant
from gdprcrm.model._checks import shown
from gdprcrm.service import Controller
from gdprcrm.testing import make_controller
from gdprcrm.testing import strategies as gst

IDS = st.from_regex(r"[a-z][a-z_-]{0,20}[0-9]{0,3}", fullmatch=True)


@given(gst.personal_data_written())
def test_personal_data_is_never_shown(text: str) -> None:
    assert text.strip() not in shown(text)


@given(IDS)
def test_an_id_is_shown_as_given(text: str) -> None:
    assert shown(text) == repr(text)


@given(st.one_of(st.integers(), st.lists(st.text()), st.dictionaries(st.text(), st.text())))
def test_other_values_are_named_by_their_kind_only(value: object) -> None:
    assert shown(value) == f"(a {type(value).__name__}, not an id)"


@pytest.fixture
def crm() -> Controller:
    return make_controller()


EMAIL = "jeanne.dupont@example.fr"
PHONE = "06 12 34 56 78"
BORN = "1976-05-11"
CALLS: dict[str, Any] = {
    "jurisdiction": lambda crm, sid, text: crm.add_subject(
        {"email": "a@example.fr"}, text, purposes=["newsletter"]
    ),
    "consent grant": lambda crm, sid, text: crm.add_subject(
        {"email": "b@example.fr"},
        "FR",
        purposes=["newsletter"],
        consents=[ConsentGrant(text.replace("-", ""), "web-form")],
    ),
    "purpose": lambda crm, sid, text: crm.give_consent(sid, text, channel="web-form"),
    "field": lambda crm, sid, text: crm.add_subject({text: "x"}, "FR", purposes=["newsletter"]),
    "record kind": lambda crm, sid, text: crm.add_record(sid, text, {"number": "F-1"}),
    "record field": lambda crm, sid, text: crm.add_record(sid, "invoice", {text: "F-1"}),
    "recipient": lambda crm, sid, text: crm.disclosed(sid, text),
    "consent event": lambda crm, sid, text: crm.consent_receipt(sid, event_id=text),
}


@pytest.mark.parametrize(
    ("where", "text"),
    [
        (where, text)
        for where in sorted(CALLS)
        for text in (EMAIL, PHONE, BORN)
        # a consent grant's purpose is checked as an id when the grant is built: only
        # a digits-only one (a date without its dashes) reaches the collection
        if where != "consent grant" or text == BORN
    ],
)
def test_a_value_in_the_wrong_place_is_refused_without_repeating_it(
    crm: Controller, where: str, text: str
) -> None:
    sid = crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa"},
        "FR",
        purposes=["newsletter", "invoicing"],
    )
    with pytest.raises(GdprCrmError) as caught:
        CALLS[where](crm, sid, text)
    assert "SubjectId" not in str(caught.value)  # refused for the value, not the call
    assert text not in str(caught.value)
    assert text.replace("-", "") not in str(caught.value)


def test_a_mistyped_id_is_still_named(crm: Controller) -> None:
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    with pytest.raises(GdprCrmError, match="'newsleter'"):
        crm.give_consent(sid, "newsleter", channel="web-form")
    with pytest.raises(GdprCrmError, match="'XZ'"):
        crm.add_subject({"email": "b@example.fr"}, "XZ", purposes=["newsletter"])
    with pytest.raises(InvalidInput, match="recipient"):
        crm.disclosed(sid, ["mailer"])  # type: ignore[arg-type]
