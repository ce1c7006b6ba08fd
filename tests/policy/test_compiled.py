"""The compiled decision gives exactly decide()'s answers, at any instant."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gdprcrm.policy import CompiledState, Operation, decide
from gdprcrm.testing import strategies as gst


@settings(max_examples=60)
@given(st.data())
def test_compiled_answers_equal_decide(data: st.DataObject) -> None:
    decl = data.draw(gst.declarations())
    state = data.draw(gst.subject_states(decl, adult=None))
    compiled = CompiledState(state, decl)
    probes = data.draw(
        st.lists(
            gst.instants(
                min_value=gst.EPOCH - timedelta(days=4000),
                max_value=gst.EPOCH + timedelta(days=12 * 366),
            ),
            min_size=1,
            max_size=12,
        )
    )
    # also probe exactly at, and just before, every event instant
    events = [e.at for e in state.consents] + [o.at for o in state.objections]
    probes += events + [e - timedelta(microseconds=1) for e in events]
    for purpose in [*decl.purpose_ids, "undeclared"]:
        for operation in Operation:
            for at in probes:
                assert compiled.decide(purpose, at, operation) is decide(
                    state, purpose, at, decl, operation=operation
                ), (purpose, operation, at)
