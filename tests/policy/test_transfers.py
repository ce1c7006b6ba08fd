"""Transfers checked at an instant (Art. 44-49): a purpose whose transfer outside the EEA
has no ground at that instant (an adequacy decision not or no longer in force, a
safeguard outside its window) may not process; the register says so at its date."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.documents import build_register
from gdprcrm.errors import InvalidInput
from gdprcrm.model import RetentionRule, Transfer, TransferMechanism
from gdprcrm.policy import CompiledState, Reason, SubjectState, decide
from gdprcrm.testing import strategies as gst
from gdprcrm.testing.builders import build_declarations, build_purpose, build_subject

COLLECTED = datetime(2019, 1, 1, tzinfo=UTC)
LONG = RetentionRule(relativedelta(years=100))  # nothing but the transfer refuses


def _decision(transfer: Transfer, at: datetime) -> tuple[bool, tuple[Reason, ...]]:
    purpose = build_purpose("support", transfers=(transfer,), retention=LONG)  # contract
    decl = build_declarations(purpose)
    state = SubjectState(build_subject(purposes=["support"], collected_at=COLLECTED))
    decision = decide(state, "support", at, decl)
    return decision.allowed, decision.reasons


def _utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("transfer", "at", "allowed"),
    [
        # The EU-US Data Privacy Framework applies from 10 July 2023, not before.
        (Transfer("US", TransferMechanism.ADEQUACY, "DPF-123"), _utc(2023, 7, 9), False),
        (Transfer("US", TransferMechanism.ADEQUACY, "DPF-123"), _utc(2023, 7, 10), True),
        # The United Kingdom's decision has an end date.
        (Transfer("GB", TransferMechanism.ADEQUACY), _utc(2031, 12, 26), True),
        (Transfer("GB", TransferMechanism.ADEQUACY), _utc(2031, 12, 27), False),
        # Standard contractual clauses within the window their signature and end give.
        (
            Transfer(
                "IN",
                TransferMechanism.SCC,
                "SCC-2024",
                valid_from=_utc(2024, 3, 1),
                valid_until=_utc(2027, 3, 1),
            ),
            _utc(2024, 2, 28),
            False,
        ),
        (
            Transfer("IN", TransferMechanism.SCC, "SCC-2024", valid_from=_utc(2024, 3, 1)),
            _utc(2026, 12, 1),
            True,
        ),
        (
            Transfer("IN", TransferMechanism.SCC, "SCC-2021", valid_until=_utc(2022, 12, 27)),
            _utc(2022, 12, 27),
            False,
        ),
    ],
)
def test_a_transfer_is_judged_at_the_instant(
    transfer: Transfer, at: datetime, allowed: bool
) -> None:
    ok, reasons = _decision(transfer, at)
    assert ok is allowed
    assert (Reason.TRANSFER_WITHOUT_GROUND in reasons) is not allowed


@given(gst.transfers(), gst.instants())
def test_decide_refuses_exactly_when_the_transfer_has_no_ground(
    transfer: Transfer, at: datetime
) -> None:
    ok, reasons = _decision(transfer, at)
    assert (Reason.TRANSFER_WITHOUT_GROUND in reasons) is (not transfer.in_force(at))
    assert ok is transfer.in_force(at)


@given(gst.transfers(), st.lists(gst.instants(), min_size=1, max_size=10))
def test_the_compiled_decider_agrees_at_every_instant(
    transfer: Transfer, instants: list[datetime]
) -> None:
    purpose = build_purpose("support", transfers=(transfer,), retention=LONG)
    decl = build_declarations(purpose)
    state = SubjectState(build_subject(purposes=["support"], collected_at=COLLECTED))
    compiled = CompiledState(state, decl)
    for at in instants:
        assert compiled.decide("support", at) == decide(state, "support", at, decl)


def test_a_window_must_be_one() -> None:
    with pytest.raises(InvalidInput, match="valid_until"):
        Transfer(
            "IN",
            TransferMechanism.SCC,
            "x",
            valid_from=_utc(2025, 1, 1),
            valid_until=_utc(2025, 1, 1),
        )


def test_the_register_flags_a_transfer_without_ground_at_its_date() -> None:
    ended = Transfer("IN", TransferMechanism.SCC, "SCC-2021", valid_until=_utc(2022, 12, 27))
    purpose = build_purpose("support", transfers=(ended,))
    decl = build_declarations(purpose)
    before = build_register(decl, updated_at=_utc(2022, 6, 1))
    after = build_register(decl, updated_at=_utc(2023, 6, 1))
    assert not [i for i in before.errors if i.item == "30(1)(e)"]
    assert [i.purpose_id for i in after.errors if i.item == "30(1)(e)"] == ["support"]
    assert attrs.evolve(ended, valid_until=None).in_force(_utc(2023, 6, 1))
