"""KeyStoreConformance: the invariants every vault KeyStore keeps."""

from __future__ import annotations

import abc
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import ClassVar

import pytest

from gdprcrm import errors
from gdprcrm.errors import (
    DecryptionError,
    DuplicateKey,
    InvalidInput,
    KeyShredded,
    KeyStoreError,
    NaiveDatetime,
)
from gdprcrm.model import (
    SubjectId,
)
from gdprcrm.testing.conformance._support import (
    T0,
    _wrapped,
)
from gdprcrm.vault.keystore import KeyStore, Secret, Tombstone, WrappedKey


class KeyStoreConformance(abc.ABC):
    """The invariants every vault KeyStore keeps. Subclass, set ``__test__ = True``,
    implement :meth:`make_key_store`."""

    __test__ = False

    @abc.abstractmethod
    def make_key_store(self) -> KeyStore:
        """A fresh, empty key store."""

    @pytest.fixture
    def key_store(self) -> Iterator[KeyStore]:
        made = self.make_key_store()
        try:
            yield made
        finally:
            made.close()

    def test_keys_put_get_latest(self, key_store: KeyStore) -> None:
        sid = SubjectId.new()
        assert key_store.latest(sid) is None
        key_store.put(_wrapped(sid, 1))
        key_store.put(_wrapped(sid, 2))
        assert key_store.get(sid, 1) == _wrapped(sid, 1)
        assert key_store.latest(sid) == _wrapped(sid, 2)
        assert key_store.get(sid, 3) is None
        with pytest.raises(KeyStoreError):
            key_store.put(_wrapped(sid, 2))

    def test_get_wrapped_answers_as_get_does(self, key_store: KeyStore) -> None:
        # The vault's cold read takes (KEK id, wrapped bytes) without the record: a store
        # overriding _get_wrapped must answer exactly what get() holds, and nothing after
        # a shred.
        sid, other = SubjectId.new(), SubjectId.new()
        key_store.put(_wrapped(sid, 1))
        key_store.put(_wrapped(sid, 2))
        for version in (1, 2):
            key = key_store.get(sid, version)
            assert key is not None
            assert key_store.get_wrapped(sid, version) == (key.kek_id, key.wrapped)
            found = key_store.get_wrapped(sid, version)
            assert found is not None
            assert type(found[1]) is bytes
        assert key_store.get_wrapped(sid, 3) is None
        assert key_store.get_wrapped(other, 1) is None
        key_store.shred(sid, T0)
        assert key_store.get_wrapped(sid, 1) is None
        for bad in (("not-a-subject", 1), (sid, 0), (sid, True)):
            with pytest.raises(InvalidInput):
                key_store.get_wrapped(*bad)

    def test_shred_destroys_all_versions_atomically_and_refuses_reinsertion(
        self, key_store: KeyStore
    ) -> None:
        sid, other = SubjectId.new(), SubjectId.new()
        key_store.put(_wrapped(sid, 1))
        key_store.put(_wrapped(sid, 2))
        key_store.put(_wrapped(other, 1))
        stone, fresh = key_store.shred(sid, T0)
        assert fresh
        assert stone.destroyed == ((1, bytes([1]) * 8), (2, bytes([2]) * 8))
        assert key_store.get(sid, 1) is None
        assert key_store.latest(sid) is None
        assert key_store.latest(other) == _wrapped(other, 1)
        for version in (1, 2, 3):
            with pytest.raises(KeyShredded):
                key_store.put(_wrapped(sid, version))
        again, fresh_again = key_store.shred(sid, T0.replace(year=2027))
        assert not fresh_again
        assert again == stone
        assert key_store.tombstone(sid) == stone
        assert list(key_store.tombstones()) == [stone]
        with pytest.raises(NaiveDatetime):
            key_store.shred(SubjectId.new(), datetime(2026, 1, 1))

    def test_shred_many_is_each_shred_in_order(self, key_store: KeyStore) -> None:
        a, b, kept, before = SubjectId.new(), SubjectId.new(), SubjectId.new(), SubjectId.new()
        for sid in (a, b, kept, before):
            key_store.put(_wrapped(sid, 1))
        earlier, _ = key_store.shred(before, T0)
        results = key_store.shred_many([a, before, b], T0.replace(year=2027))
        assert [(s.subject_id, fresh) for s, fresh in results] == [
            (a, True),
            (before, False),
            (b, True),
        ]
        assert results[1][0] == earlier  # the first shred's tombstone, unchanged
        for sid in (a, b):
            assert key_store.latest(sid) is None
            with pytest.raises(KeyShredded):
                key_store.put(_wrapped(sid, 2))
        assert key_store.latest(kept) == _wrapped(kept, 1)
        assert key_store.shred_many([], T0) == []
        with pytest.raises(InvalidInput):
            key_store.shred_many([kept, "not an id"], T0)  # type: ignore[list-item]
        with pytest.raises(NaiveDatetime):
            key_store.shred_many([kept], datetime(2026, 1, 1))
        assert key_store.latest(kept) == _wrapped(kept, 1)  # bad input changed nothing

    def test_shred_many_over_a_large_batch_is_each_shred(self, key_store: KeyStore) -> None:
        # More subjects than one statement takes (the SQL stores work in chunks), a
        # subject named twice, keys of two versions, one subject with no key at all.
        people = [SubjectId.new() for _ in range(650)]
        keyless, twice = people[-1], set(people[:-1:7])
        key_store.put_many([_wrapped(sid, 1) for sid in people[:-1]])
        key_store.put_many([_wrapped(sid, 2) for sid in twice])
        at = T0.replace(year=2027)
        results = key_store.shred_many([*people, people[3]], at)
        assert [s.subject_id for s, _ in results] == [*people, people[3]]
        assert [fresh for _, fresh in results] == [True] * len(people) + [False]
        assert results[-1][0] == results[3][0]
        for sid, (stone, _) in zip(people, results, strict=False):
            versions = [] if sid == keyless else [1, 2] if sid in twice else [1]
            assert [v for v, _ in stone.destroyed] == versions, "a key version escaped"
            assert stone.shredded_at == at
            assert key_store.tombstone(sid) == stone
            assert key_store.latest(sid) is None

    def test_put_many_stores_every_key_and_refuses_a_shredded_one(
        self, key_store: KeyStore
    ) -> None:
        a, b, gone = SubjectId.new(), SubjectId.new(), SubjectId.new()
        key_store.put_many([_wrapped(a, 1), _wrapped(b, 1), _wrapped(b, 2)])
        assert key_store.latest(a) == _wrapped(a, 1)
        assert key_store.latest(b) == _wrapped(b, 2)
        key_store.shred(gone, T0)
        with pytest.raises(KeyShredded):
            key_store.put_many([_wrapped(gone, 1)])
        with pytest.raises(DuplicateKey):
            key_store.put_many([_wrapped(a, 1)])
        with pytest.raises(InvalidInput):
            key_store.put_many([_wrapped(a, 3), "not a key"])  # type: ignore[list-item]
        assert key_store.latest(a) == _wrapped(a, 1)  # bad input changed nothing
        key_store.put_many([])

    def test_keys_restore_tombstones(self, key_store: KeyStore) -> None:
        sid, fresh_sid = SubjectId.new(), SubjectId.new()
        key_store.put(_wrapped(sid))
        stones = [Tombstone(sid, T0, ((1, b"k" * 8),)), Tombstone(fresh_sid, T0)]
        assert key_store.restore_tombstones(stones) == 2
        assert key_store.latest(sid) is None
        with pytest.raises(KeyShredded):
            key_store.put(_wrapped(fresh_sid))
        assert key_store.restore_tombstones(stones) == 0

    def test_keys_batches_and_rewrap(self, key_store: KeyStore) -> None:
        subjects = [SubjectId.new() for _ in range(11)]
        for s in subjects:
            key_store.put(_wrapped(s))
        batches = list(key_store.key_batches(4))
        assert [len(b) for b in batches] == [4, 4, 3]
        everything = [k for b in batches for k in b]
        key_store.shred(subjects[0], T0)
        moved = [
            WrappedKey(k.subject_id, k.version, "kek-b", b"w" * 60, k.kcv, k.created_at)
            for k in everything
        ]
        assert key_store.rewrap(moved) == 10  # the shredded one is skipped, not resurrected
        assert key_store.latest(subjects[0]) is None
        assert {k.kek_id for b in key_store.key_batches() for k in b} == {"kek-b"}

    def test_rewrap_all_moves_every_other_key_in_batches(self, key_store: KeyStore) -> None:
        # KEK rotation's store-side path (P13): raw bytes to the rewrap function, every
        # key not yet under the new KEK replaced, the rest untouched; a failing rewrap
        # writes nothing of its batch.
        subjects = [SubjectId.new() for _ in range(7)]
        for s in subjects:
            key_store.put(_wrapped(s))
        key_store.put(_wrapped(subjects[0], 2, kek="kek-b"))  # already under the new KEK
        key_store.shred(subjects[1], T0)
        seen: list[tuple[bytes, int, str, bytes]] = []

        def rewrap(sid: bytes, version: int, kek_id: str, wrapped: bytes) -> bytes:
            seen.append((sid, version, kek_id, wrapped))
            return bytes(reversed(wrapped))

        assert key_store.rewrap_all(rewrap, "kek-b", batch_size=2) == 6
        expected = {
            (s.bytes, 1, "kek-a", _wrapped(s).wrapped) for s in subjects[:1] + subjects[2:]
        }
        assert set(seen) == expected
        for s in subjects[:1] + subjects[2:]:
            key = key_store.get(s, 1)
            assert key is not None
            old = _wrapped(s)
            assert key == WrappedKey(
                s, 1, "kek-b", bytes(reversed(old.wrapped)), old.kcv, old.created_at
            )
        assert key_store.get(subjects[0], 2) == _wrapped(subjects[0], 2, kek="kek-b")
        assert key_store.latest(subjects[1]) is None  # shredded stays shredded
        assert key_store.rewrap_all(rewrap, "kek-b") == 0  # nothing left to move

        def failing(sid: bytes, version: int, kek_id: str, wrapped: bytes) -> bytes:
            raise DecryptionError("cannot decrypt")

        with pytest.raises(DecryptionError):
            key_store.rewrap_all(failing, "kek-c", batch_size=100)
        assert {k.kek_id for b in key_store.key_batches() for k in b} == {"kek-b"}
        for bad in ({"new_kek_id": ""}, {"batch_size": 0}, {"batch_size": True}):
            arguments: dict[str, object] = {"new_kek_id": "kek-c", **bad}
            with pytest.raises(InvalidInput):
                key_store.rewrap_all(rewrap, **arguments)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            key_store.rewrap_all("not callable", "kek-c")  # type: ignore[arg-type]

    def test_keys_secrets(self, key_store: KeyStore) -> None:
        assert key_store.get_secret("index") is None
        key_store.put_secret(Secret("index", "kek-a", b"x" * 60))
        with pytest.raises(KeyStoreError):
            key_store.put_secret(Secret("index", "kek-a", b"y" * 60))
        key_store.put_secret(Secret("index", "kek-b", b"y" * 60), replace=True)
        assert key_store.get_secret("index") == Secret("index", "kek-b", b"y" * 60)

    @pytest.mark.parametrize(
        "call",
        [
            lambda k: k.put("not a key"),
            lambda k: k.get(uuid.uuid4(), 1),  # a bare UUID is not a SubjectId
            lambda k: k.get(SubjectId.new(), 0),
            lambda k: k.latest(str(SubjectId.new())),
            lambda k: k.shred(uuid.uuid4(), T0),
            lambda k: k.shred(SubjectId.new(), datetime(2026, 1, 5)),  # naive
            lambda k: k.tombstone(None),
            lambda k: k.restore_tombstones(["x"]),
            lambda k: k.key_batches(0),
            lambda k: k.rewrap([object()]),
            lambda k: k.get_secret(""),
            lambda k: k.put_secret(("index", "kek", b"x")),
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(
        self, key_store: KeyStore, call: Callable[[KeyStore], object]
    ) -> None:
        with pytest.raises(errors.InvalidInput):
            call(key_store)
        assert list(key_store.tombstones()) == []
        assert list(key_store.key_batches()) == []

    race_rounds: ClassVar[int] = 20
    """How many shred-versus-put races :meth:`test_no_key_survives_a_racing_shred` runs."""

    def test_no_key_survives_a_racing_shred(self, key_store: KeyStore) -> None:
        # Art. 17: a key written while the subject is shredded (a first encrypt, a data-key
        # rotation in another process) either lands before the shred and is destroyed
        # with it, or is refused; a tombstone and a live key never coexist.
        for round_ in range(self.race_rounds):
            sid = SubjectId.new()
            key_store.put(_wrapped(sid, 1))
            problems = _race_shred_against_put(key_store, sid)
            assert problems == [], f"round {round_}: {problems}"
            assert key_store.tombstone(sid) is not None, f"round {round_}: no tombstone"
            assert key_store.latest(sid) is None, f"round {round_}: a key survived the shred"


def _race_shred_against_put(key_store: KeyStore, sid: SubjectId) -> list[str]:
    """Run shred(sid) and put(sid, version 2) at once, each from its own thread."""
    barrier = threading.Barrier(2, timeout=30)
    problems: list[str] = []

    def shred() -> None:
        try:
            barrier.wait()
            key_store.shred(sid, T0)
        except BaseException as exc:  # pragma: no cover - reported by the caller
            problems.append(f"shred raised {exc!r}")

    def put() -> None:
        try:
            barrier.wait()
            key_store.put(_wrapped(sid, 2))
        except KeyShredded:
            pass  # refused: the shred came first
        except BaseException as exc:  # pragma: no cover - reported by the caller
            problems.append(f"put raised {exc!r}")

    threads = [threading.Thread(target=shred), threading.Thread(target=put)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if any(t.is_alive() for t in threads):
        problems.append("the race hung for 60 s (a lock never released?)")
    return problems
