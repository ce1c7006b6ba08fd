"""The SQL adapters rebuild model objects they wrote without running ``__init__``
(``trusted``): the rebuilt object must be indistinguishable from one built normally."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.model import SubjectId
from gdprcrm.storage._sql import sid_of


@given(st.uuids())
def test_a_rebuilt_subject_id_is_the_subject_id(value: uuid.UUID) -> None:
    built, rebuilt = SubjectId(value), sid_of(value.bytes)
    assert rebuilt == built
    assert hash(rebuilt) == hash(built)  # SubjectId caches its hash: the slot is set
    assert {built: "found"}[rebuilt] == "found"
    assert rebuilt.bytes == value.bytes
    assert str(rebuilt) == str(value)
