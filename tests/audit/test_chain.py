"""Any single altered, removed, swapped or inserted audit entry is detected (Art. 5(2))."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.audit import (
    AuditChain,
    BreakReason,
    Checkpoint,
    encode,
    sign_checkpoint,
    verify,
)
from gdprcrm.errors import CertificateInvalid, InvalidInput
from gdprcrm.model import AuditEntry, DetailValue, SubjectId
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.testing import T0
from gdprcrm.vault import CertificateSigner

KEY = bytes(range(32))
SIGNER = CertificateSigner.generate("acme-dpo")
actions = st.sampled_from(["consent.given", "consent.withdrawn", "subject.erased", "export"])


def build(n: int, key: bytes | None = None, seed: int = 0) -> list[AuditEntry]:
    chain = AuditChain(key)
    head: AuditEntry | None = None
    out = []
    for i in range(n):
        details: dict[str, DetailValue] = {"channel": "web-form", "count": i, "sms": False}
        head = chain.next_entry(
            head,
            at=T0 + timedelta(minutes=i),
            actor="system",
            action=["consent.given", "export", "subject.erased"][(i + seed) % 3],
            subject_id=SubjectId.new(),
            purpose_id="newsletter",
            details=details,
        )
        out.append(head)
    return out


@given(st.integers(2, 30), st.booleans())
def test_an_intact_chain_verifies(n: int, keyed: bool) -> None:
    key = KEY if keyed else None
    entries = build(n, key)
    result = verify(entries, key=key)
    assert result.ok
    assert result.checked == n
    assert [e.sequence for e in entries] == list(range(n))


@given(st.integers(2, 30), st.data())
def test_any_altered_entry_is_detected(n: int, data: st.DataObject) -> None:
    entries = build(n)
    i = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from(["action", "at", "purpose_id", "details", "subject_id"]))
    changes: dict[str, Any] = {
        "action": "subject.erased" if entries[i].action != "subject.erased" else "export",
        "at": entries[i].at + timedelta(seconds=1),
        "purpose_id": "profiling",
        "details": {"channel": "phone", "count": 999},
        "subject_id": SubjectId.new(),
    }
    tampered = list(entries)
    tampered[i] = attrs.evolve(entries[i], **{field: changes[field]})
    result = verify(tampered)
    assert not result.ok
    assert result.broken_at == i
    assert result.reason is BreakReason.ALTERED


@given(st.integers(3, 30), st.data())
def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(
    n: int, data: st.DataObject
) -> None:
    entries = build(n)
    i = data.draw(st.integers(0, n - 2))
    forged = attrs.evolve(entries[i], action="forged.action")
    forged = attrs.evolve(forged, hash=AuditChain().digest(forged.previous_hash, encode(forged)))
    tampered = [*entries[:i], forged, *entries[i + 1 :]]
    result = verify(tampered)
    assert not result.ok
    assert result.broken_at == i + 1
    # With the HMAC key, the forger cannot even make the entry itself verify.
    keyed = build(n, KEY)
    forged_k = attrs.evolve(keyed[i], action="forged.action")
    forged_k = attrs.evolve(
        forged_k, hash=AuditChain().digest(forged_k.previous_hash, encode(forged_k))
    )
    result_k = verify([*keyed[:i], forged_k, *keyed[i + 1 :]], key=KEY)
    assert result_k.broken_at == i
    assert result_k.reason is BreakReason.ALTERED


@given(st.integers(2, 30), st.data())
def test_any_removed_entry_is_detected(n: int, data: st.DataObject) -> None:
    entries = build(n)
    i = data.draw(st.integers(0, n - 1))
    tampered = entries[:i] + entries[i + 1 :]
    checkpoint = (entries[-1].sequence, entries[-1].hash)
    result = verify(tampered, checkpoint=checkpoint)
    assert not result.ok
    if i < n - 1:
        assert result.broken_at == i
        assert result.reason is BreakReason.REMOVED
    else:  # the last entry gone: only the anchored checkpoint can tell
        assert verify(tampered).ok
        assert result.reason is BreakReason.TRUNCATED


@given(st.integers(2, 30), st.data())
def test_any_swap_is_detected(n: int, data: st.DataObject) -> None:
    entries = build(n)
    i = data.draw(st.integers(0, n - 2))
    j = data.draw(st.integers(i + 1, n - 1))
    tampered = list(entries)
    tampered[i], tampered[j] = tampered[j], tampered[i]
    result = verify(tampered)
    assert not result.ok
    assert result.broken_at == i
    assert result.reason is BreakReason.REORDERED


@given(st.integers(2, 30), st.data())
def test_any_inserted_entry_is_detected(n: int, data: st.DataObject) -> None:
    entries = build(n)
    i = data.draw(st.integers(1, n - 1))  # inserted before entry i
    kind = data.draw(st.sampled_from(["copy", "forged"]))
    if kind == "copy":
        intruder = entries[data.draw(st.integers(0, n - 1))]
    else:  # a well-formed entry chained onto entries[i - 1], as a forger would make it
        intruder = AuditChain().next_entry(
            entries[i - 1], at=entries[i - 1].at, actor="system", action="export"
        )
    tampered = [*entries[:i], intruder, *entries[i:]]
    result = verify(tampered)
    assert not result.ok
    assert result.broken_at in (i, i + 1)
    assert result.reason in (BreakReason.INSERTED, BreakReason.REORDERED)


def test_verify_a_range_from_a_known_entry() -> None:
    entries = build(10)
    assert verify(entries[4:], start=entries[3]).ok
    assert not verify(entries[5:], start=entries[3]).ok


def test_signed_checkpoints_anchor_the_head() -> None:
    entries = build(6)
    checkpoint = sign_checkpoint(entries[-1], SIGNER, T0 + timedelta(hours=1))
    text = checkpoint.to_json()
    parsed = Checkpoint.from_json(text)
    parsed.verify(SIGNER.public_key)
    assert verify(entries, checkpoint=parsed.head).ok
    assert not verify(entries[:-1], checkpoint=parsed.head).ok  # truncated
    rebuilt = build(6, seed=1)  # a whole new chain of the same length
    assert not verify(rebuilt, checkpoint=parsed.head).ok
    for position in range(len(text)):
        altered = bytearray(text.encode())
        altered[position] ^= 0x01
        with pytest.raises(CertificateInvalid):
            Checkpoint.from_json(bytes(altered)).verify(SIGNER.public_key)
    with pytest.raises(CertificateInvalid):
        parsed.verify(CertificateSigner.generate("mallory").public_key)


@pytest.mark.parametrize(
    "value",
    [
        "elise.martin@example.fr",
        "Jean Dupont",
        "06 12 34 56 78",
        "0612345678",
        "+33612345678",
        "a" * 65,
        "free text with spaces",
    ],
)
def test_personal_data_is_refused_in_details(value: str) -> None:
    with pytest.raises(InvalidInput, match=r"5\(1\)\(c\)"):
        AuditChain().next_entry(
            None, at=T0, actor="system", action="export", details={"note": value}
        )


DETAILS: dict[str, DetailValue] = {
    "request": "123e4567-e89b-12d3-a456-426614174000",
    "kind": "access",
    "days": 30,
    "extended": False,
    "notice": "2025-09",
}


def test_ids_enums_numbers_and_codes_are_accepted() -> None:
    entry = AuditChain().next_entry(
        None,
        at=T0,
        actor="operator:42",
        action="request.received",
        details=DETAILS,
    )
    assert verify([entry]).ok


def test_a_chain_kept_through_the_storage_port_verifies() -> None:
    storage = MemoryStorage()
    chain = AuditChain(KEY)
    for i in range(20):
        with storage.unit_of_work() as uow:
            entry = chain.next_entry(
                uow.audit.head(),
                at=T0 + timedelta(seconds=i),
                actor="system",
                action="consent.given",
            )
            uow.audit.append(entry)
            uow.commit()
    with storage.unit_of_work(read_only=True) as uow:
        assert verify(uow.audit.range(0), key=KEY).ok
        assert verify(uow.audit.range(10), key=KEY, start=uow.audit.range(9, 10)[0]).ok


def test_the_hmac_key_must_be_long_enough() -> None:
    with pytest.raises(InvalidInput):
        AuditChain(b"short")


def test_the_chain_refuses_an_entry_earlier_than_its_head() -> None:
    from datetime import timedelta

    from gdprcrm.errors import InvalidInput

    chain = AuditChain(None)
    head = chain.next_entry(None, at=T0, actor="system", action="test.one")
    with pytest.raises(InvalidInput, match="earlier"):
        chain.next_entry(head, at=T0 - timedelta(seconds=1), actor="system", action="test.two")
    assert chain.next_entry(head, at=T0, actor="system", action="test.two").sequence == 1


def test_the_controllers_trail_stays_in_order_when_the_clock_steps_back() -> None:
    from datetime import timedelta

    from gdprcrm.testing import FrozenClock, make_controller

    clock = FrozenClock()
    crm = make_controller(clock=clock)
    crm.add_subject({"email": "a@example.fr"}, "FR", purposes=["newsletter"])
    clock.set(T0 - timedelta(days=3))  # an NTP step back, or a backdated operation
    crm.add_subject({"email": "b@example.fr"}, "FR", purposes=["newsletter"])
    with crm.storage.unit_of_work(read_only=True) as uow:
        instants = [e.at for e in uow.audit.range(0)]
    assert instants == sorted(instants)
    assert crm.verify_audit().ok


# -- the repeated-shape path (P7): an entry of a shape built before skips the model's
# validators; nothing the model refuses may get through it.


def _entry(chain: AuditChain, head: AuditEntry | None, **overrides: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "at": T0,
        "actor": "system",
        "action": "consent.given",
        "subject_id": SIDS[0],
        "purpose_id": "newsletter",
        "details": {"late": 1, "channel": "web-form"},
    }
    values.update(overrides)
    return chain.next_entry(head, **values)


SIDS = [SubjectId.new() for _ in range(2)]


@pytest.mark.parametrize(
    "bad",
    [
        {"details": {"late": 1.0, "channel": "web-form"}},  # a float equal to the int before
        {"details": {"late": [1], "channel": "web-form"}},  # unhashable
        {"details": {"late": 1, "channel": "Léa Martin"}},
        {"at": T0.replace(tzinfo=None)},
        {"subject_id": str(SIDS[0])},
        {"actor": ["system"]},
        {"purpose_id": "News Letter"},
    ],
)
def test_a_repeated_shape_is_refused_whatever_the_model_refuses(bad: dict[str, Any]) -> None:
    chain = AuditChain()
    first = _entry(chain, None)
    second = _entry(chain, first)  # the shape is known now
    with pytest.raises(InvalidInput):
        _entry(chain, second, **bad)


@given(
    st.dictionaries(
        st.sampled_from(["channel", "late", "count", "request"]),
        st.none() | st.booleans() | st.integers(0, 10**6) | st.sampled_from(["e-mail", "sms"]),
        max_size=3,
    ),
    st.integers(0, 3),
)
def test_a_repeated_shape_builds_the_entry_the_model_builds(
    details: dict[str, DetailValue], later: int
) -> None:
    chain = AuditChain()
    first = _entry(chain, None, details=details)
    at = T0 + timedelta(days=later)
    again = _entry(chain, first, details=details, at=at, subject_id=SIDS[1])
    model = AuditEntry(
        sequence=1,
        at=at,
        actor="system",
        action="consent.given",
        subject_id=SIDS[1],
        purpose_id="newsletter",
        details=details,
        previous_hash=first.hash,
        hash=again.hash,
    )
    assert again == model
    assert verify([first, again]).ok


_codes = st.sampled_from(["channel", "late", "count", "request", "e-mail", "web-form", "x"])
_ids = st.uuids().map(str)  # an opaque id: a slot of its shape, new on every entry


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["system", "dpo", "api-client"]),
            st.sampled_from(["consent.given", "erasure.done", "request.opened"]),
            st.none() | st.sampled_from(SIDS),
            st.none() | st.sampled_from(["newsletter", "billing"]),
            st.dictionaries(
                _codes,
                st.none() | st.booleans() | st.integers(-(10**5), 10**5) | _codes | _ids,
                max_size=3,
            ),
            st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([None, b"k" * 32]),
    st.integers(0, 10**9),
)
def test_every_entry_hashes_its_reference_encoding(
    steps: list[tuple[Any, ...]], key: bytes | None, start: int
) -> None:
    # next_entry encodes a shape it built before from cached fragments (P7); the bytes
    # it hashes must be encode()'s, whatever the shape, subject, zone or sequence.
    chain = AuditChain(key)
    head: AuditEntry | None = None
    if start:
        head = chain.next_entry(None, at=T0, actor="system", action="chain.started")
        object.__setattr__(head, "sequence", start)  # a long chain's head
    entries: list[AuditEntry] = []
    for actor, action, subject, purpose, details, zone in steps * 2:  # every shape twice
        at = (T0 + timedelta(minutes=len(entries))).astimezone(zone)
        if len(entries) >= len(steps):  # the second time, every id is a new one
            details = {k: str(uuid.uuid4()) if _is_id(v) else v for k, v in details.items()}
        head = chain.next_entry(
            head,
            at=at,
            actor=actor,
            action=action,
            subject_id=subject,
            purpose_id=purpose,
            details=details,
        )
        entries.append(head)
    for entry in entries:
        assert entry.hash == chain.digest(entry.previous_hash, encode(entry))


def _is_id(value: object) -> bool:
    return isinstance(value, str) and len(value) == 36 and value.count("-") == 4


def test_a_shape_with_an_id_slot_still_validates_what_fills_it() -> None:
    # Entries differing only by an opaque id share their shape's fragments (P15); what
    # is not a canonical id in that place goes through the model and the guard again.
    chain = AuditChain(b"k" * 32)
    head = chain.next_entry(
        None,
        at=T0,
        actor="system",
        action="subject.erased",
        details={"certificate": str(uuid.uuid4())},
    )
    for value in (
        str(uuid.uuid4()).upper(),  # not as the model writes an id
        "jean.dupont@example.fr",
        "+33612345678",
        str(uuid.uuid4()) + " ",
    ):
        with pytest.raises(InvalidInput):
            chain.next_entry(
                head,
                at=T0,
                actor="system",
                action="subject.erased",
                details={"certificate": value},
            )
    two: dict[str, DetailValue] = {"a": str(uuid.uuid4()), "b": 3, "c": str(uuid.uuid4())}
    again = chain.next_entry(head, at=T0, actor="system", action="x.y", details=two)
    third = chain.next_entry(
        again, at=T0, actor="system", action="x.y", details={**two, "c": str(uuid.uuid4())}
    )
    for entry in (again, third):
        assert entry.hash == chain.digest(entry.previous_hash, encode(entry))
    assert third.details != again.details
