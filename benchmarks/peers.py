"""The vault side by side with the per-field ciphers users would otherwise pick.

Every contender encrypts and decrypts the same random bytes; each is timed against the
same AES-GCM floor (a cached ``AESGCM``, a fresh ``os.urandom(12)`` nonce, the vault's
associated data) in the same rounds, interleaved. The figures this suite yields are the
vault's time divided by each peer's (bar 1.0: never slower than a peer, PERFORMANCE.md
P2); the table printed at the end shows every contender's ratio to the floor.

Peers: Fernet (``cryptography``, always there), and python-eventsourcing's two
``AESCipher`` classes (``eventsourcing.cryptography``: AES-GCM through cryptography, one
global key, a new ``AESGCM`` per call, no associated data; ``eventsourcing.cipher``:
AES-GCM through pycryptodome). Install them with ``pip install -e '.[bench]'``; without
them the suite measures Fernet only and says so.
"""

from __future__ import annotations

import base64
import functools
import importlib
import os
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from benchmarks.harness import Result, per_op
from gdprcrm.model import SubjectId
from gdprcrm.vault import CertificateSigner, InMemoryKekSource, KeyVault, MemoryKeyStore, hazmat

__all__ = ["run"]

SIZES = (32, 256, 4096, 1 << 20)


@dataclass(frozen=True)
class _Contender:
    name: str
    encrypt: Callable[[bytes], bytes]
    decrypt: Callable[[bytes], object]
    """Called as the peers are: a bound method or a partial, no wrapper of ours."""


def _peers() -> tuple[list[_Contender], list[str]]:
    """The peers installed here, and the names of those missing."""
    fernet = Fernet(Fernet.generate_key())
    found = [_Contender("Fernet", fernet.encrypt, fernet.decrypt)]
    missing = []
    key = base64.b64encode(os.urandom(32)).decode()
    for module, label in (
        ("eventsourcing.cryptography", "es-cryptography"),
        ("eventsourcing.cipher", "es-pycryptodome"),
    ):
        try:
            cipher_class = importlib.import_module(module).AESCipher
            environment = importlib.import_module("eventsourcing.utils").Environment
        except ImportError:
            missing.append(label)
            continue
        cipher = cipher_class(environment(env={"CIPHER_KEY": key}))
        found.append(_Contender(label, cipher.encrypt, cipher.decrypt))
    return found, missing


def _ours() -> tuple[_Contender, bytes]:
    vault = KeyVault(
        MemoryKeyStore(), InMemoryKekSource(), signer=CertificateSigner.generate("bench")
    )
    sid = SubjectId.new()
    vault.encrypt(sid, "email", b"warm")
    head = hazmat.header(hazmat.TYPE_BYTES, 1)
    contender = _Contender(
        "gdprcrm KeyVault",
        functools.partial(vault.encrypt, sid, "email"),
        functools.partial(vault.decrypt, sid, "email"),
    )
    return contender, hazmat.associated_data(head, sid.bytes, b"email", b"")


def _rounds(
    calls: dict[str, Callable[[], object]], number: int, repeats: int
) -> dict[str, tuple[float, float]]:
    """name -> (median µs, median ratio to "floor"), every contender in every round, the
    order rotating from round to round."""
    names = list(calls)
    for name in names:  # warm-up
        per_op(calls[name], max(1, number // 10))
    times: dict[str, list[float]] = {n: [] for n in names}
    ratios: dict[str, list[float]] = {n: [] for n in names}
    for i in range(repeats):
        order = names[i % len(names) :] + names[: i % len(names)]
        measured = {n: per_op(calls[n], number) for n in order}
        for n in names:
            times[n].append(measured[n])
            ratios[n].append(measured[n] / measured["floor"])
    return {n: (statistics.median(times[n]) * 1e6, statistics.median(ratios[n])) for n in names}


def _floor_encrypt(floor: AESGCM, value: bytes, aad: bytes) -> bytes:
    return floor.encrypt(os.urandom(12), value, aad)


def run(quick: bool) -> Iterator[Result]:
    ours, aad = _ours()
    peers, missing = _peers()
    floor = AESGCM(os.urandom(32))
    table: list[tuple[str, str, dict[str, tuple[float, float]]]] = []
    for size in SIZES:
        value = os.urandom(size)
        label = f"{size} B" if size < 1 << 20 else "1 MiB"
        number = (3 if quick else 10) if size >= 1 << 20 else (1000 if quick else 10000)
        nonce = os.urandom(12)
        floor_ct = floor.encrypt(nonce, value, aad)
        contenders = [ours, *peers]
        sealed = {c.name: c.encrypt(value) for c in contenders}
        for c in contenders:  # each reads back what it wrote: nothing measured is broken
            assert c.decrypt(sealed[c.name]) == value, c.name
        for op in ("encrypt", "decrypt"):
            calls: dict[str, Callable[[], object]] = {}
            if op == "encrypt":
                calls["floor"] = functools.partial(_floor_encrypt, floor, value, aad)
                for c in contenders:
                    calls[c.name] = functools.partial(c.encrypt, value)
            else:
                calls["floor"] = functools.partial(floor.decrypt, nonce, floor_ct, aad)
                for c in contenders:
                    calls[c.name] = functools.partial(c.decrypt, sealed[c.name])
            measured = _rounds(calls, number, repeats=5 if quick else 7)
            table.append((label, op, measured))
            ours_us, ours_ratio = measured[ours.name]
            for p in peers:
                peer_us, peer_ratio = measured[p.name]
                yield Result(
                    "P2" if op == "decrypt" else "P1",
                    f"vault.{op} {label} vs {p.name}",
                    ours_us,
                    peer_us,
                    ours_ratio / peer_ratio,
                    1.0,
                    "ratio of the two ratios to the AES-GCM floor, same rounds",
                )
    _print_side_by_side(table, [ours.name, *(p.name for p in peers)], missing)


def _print_side_by_side(
    table: list[tuple[str, str, dict[str, tuple[float, float]]]],
    names: list[str],
    missing: list[str],
) -> None:
    short = names
    print("\nside by side, ratio to the AES-GCM floor (same rounds):")
    print(f"{'size':8s} {'op':8s} {'floor µs':>9s} " + " ".join(f"{s:>18s}" for s in short))
    for label, op, measured in table:
        cells = " ".join(f"{measured[n][1]:18.2f}" for n in names)
        print(f"{label:8s} {op:8s} {measured['floor'][0]:9.2f} {cells}")
    if missing:
        print(f"not measured (pip install -e '.[bench]'): {', '.join(missing)}")
    print()
