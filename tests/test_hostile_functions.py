"""Hostile input to the functions host code calls with outside data (contact points,
the personal-data guard, the legal deadlines, the declarations loader): junk for any
argument raises an error of gdprcrm's one hierarchy, never a bare TypeError,
AttributeError or OverflowError that a caller could not tell from a bug."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprcrm import config, contact_points, deadlines, personal_data
from gdprcrm.errors import GdprCrmError
from gdprcrm.examples import lumiere
from tests.service.test_hostile_input import JUNK

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "normalise_phone": contact_points.normalise_phone,
    "phone_region": contact_points.phone_region,
    "strip_invisible": contact_points.strip_invisible,
    "find_personal_data": personal_data.find_personal_data,
    "check_code": personal_data.check_code,
    "check_free_text": personal_data.check_free_text,
    "earliest_date_in_code": personal_data.earliest_date_in_code,
    "local_date": deadlines.local_date,
    "end_of_day": deadlines.end_of_day,
    "add_months": deadlines.add_months,
    "roll_forward": deadlines.roll_forward,
    "request_due": deadlines.request_due,
    "extended_due": deadlines.extended_due,
    "breach_deadline": deadlines.breach_deadline,
    "days_left": deadlines.days_left,
    "parse_declarations": config.parse_declarations,
    "declarations_digest": config.declarations_digest,
}
VALUES = JUNK | st.just(lumiere.declarations()) | st.dates() | st.just(deadlines.FRANCE)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_junk_raises_only_our_errors(name: str, data: st.DataObject) -> None:
    function = FUNCTIONS[name]
    arguments = {
        p.name: data.draw(VALUES, label=p.name)
        for p in inspect.signature(function).parameters.values()
        if p.default is p.empty or data.draw(st.booleans(), label=f"give {p.name}")
    }
    with contextlib.suppress(GdprCrmError):  # anything else fails the test
        function(**arguments)
