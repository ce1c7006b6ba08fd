"""A vault shared by 8 threads: encrypt, decrypt and shred interleaved."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest

from gdprcrm.errors import SubjectErased
from gdprcrm.model import SubjectId
from gdprcrm.vault import InMemoryKekSource, KeyStore, KeyVault, MemoryKeyStore, SQLiteKeyStore
from tests.vault.conftest import SIGNER


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_eight_threads_never_see_a_wrong_value_or_a_shredded_one(
    backend: str, tmp_path: Path
) -> None:
    store: KeyStore = (
        MemoryKeyStore() if backend == "memory" else SQLiteKeyStore(tmp_path / "k.db")
    )
    # A small cache forces cold loads (and evictions) to race with the shreds.
    vault = KeyVault(store, InMemoryKekSource(), signer=SIGNER, cache_size=8)
    subjects = [SubjectId.new() for _ in range(40)]
    tokens = {
        s: (f"{s}@example.fr", vault.encrypt(s, "email", f"{s}@example.fr")) for s in subjects
    }
    shredded_done: set[SubjectId] = set()  # shred() has returned for these
    lock = threading.Lock()
    problems: list[str] = []
    start = threading.Barrier(8, timeout=60)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for _ in range(400):
            sid = rng.choice(subjects)
            action = rng.random()
            if action < 0.05:
                vault.shred(sid)
                with lock:
                    shredded_done.add(sid)
                continue
            with lock:
                was_shredded = sid in shredded_done
            try:
                if action < 0.5:
                    expected, token = tokens[sid]
                    got = vault.decrypt(sid, "email", token)
                    if got != expected:
                        problems.append("wrong value")
                else:
                    fresh = vault.encrypt(sid, "email", "new value")
                    if vault.decrypt(sid, "email", fresh) != "new value":
                        problems.append("wrong round trip")
                if was_shredded:
                    problems.append("a shredded subject's data decrypted")
            except SubjectErased:
                with lock:
                    if sid not in shredded_done and not vault.is_shredded(sid):
                        problems.append("SubjectErased for a live subject")

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a vault thread hung for 120 s"
    assert problems == []
    assert shredded_done, "the run shredded nobody: the test proves nothing"
    for sid in subjects:
        expected, token = tokens[sid]
        if sid in shredded_done:
            with pytest.raises(SubjectErased):
                vault.decrypt(sid, "email", token)
        else:
            assert vault.decrypt(sid, "email", token) == expected
    store.close()
