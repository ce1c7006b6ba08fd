"""The ports' reads over many subjects never hand on a row of someone not asked for."""

from __future__ import annotations

import pytest

from gdprcrm.errors import InterfaceError
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.testing.conformance._support import _field, _subject


def test_a_bulk_read_that_returns_a_stranger_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # An adapter's bulk hook that answers with a row of a subject not asked for: the
    # port raises rather than hand someone else's data to the caller (or drop it).
    storage = MemoryStorage()
    asked, stranger = _subject(), _subject()
    with storage.unit_of_work() as uow:
        uow.subjects.add_many([asked, stranger])
        uow.subjects.put_fields([_field(stranger.id)])
        uow.commit()
    with storage.unit_of_work(read_only=True) as uow:
        repository = uow.subjects
        single = type(repository)._fields
        monkeypatch.setattr(
            type(repository),
            "_fields_of",
            lambda self, ids, names: list(single(self, stranger.id, names)),
        )
        with pytest.raises(InterfaceError):
            repository.fields_of([asked.id])
