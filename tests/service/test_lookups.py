"""Upgrading the lookups from 0.1's normal forms (Controller.reindex_lookups): people are
found by any notation again, and an objection to direct marketing covers the notation
they gave (Art. 21(3)), for people still here and for people already erased."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from gdprcrm.errors import Suppressed
from gdprcrm.model import BlindIndexEntry, Lookup, Objection, SubjectId, SuppressionEntry
from gdprcrm.service import Controller, Reindexed
from gdprcrm.testing import T0

ODD = "+33 06 12 34 56 78"  # 0.1 read this as 330612345678: a number that does not exist


def _as_0_1_wrote(crm: Controller, sid: SubjectId, value: str) -> bytes:
    """Overwrite the subject's phone index with the digest 0.1 gave ``value``."""
    legacy = crm.vault.legacy_blind_index(Lookup.PHONE, value)
    assert legacy is not None
    assert legacy != crm.vault.blind_index(Lookup.PHONE, value)
    with crm.storage.unit_of_work() as uow:
        uow.subjects.put_index([BlindIndexEntry(sid, "phone", Lookup.PHONE, legacy)])
        uow.commit()
    return legacy


def test_a_subject_indexed_under_0_1_is_found_again_after_reindexing(crm: Controller) -> None:
    sid = crm.add_subject({"email": "lea@example.fr", "phone": ODD}, "FR",
                          purposes=["prospecting"])  # fmt: skip
    _as_0_1_wrote(crm, sid, ODD)
    assert crm.find_subject(phone="06 12 34 56 78") == []  # what 0.1 users saw
    done = crm.reindex_lookups()
    assert done == Reindexed(subjects=1, entries=2, suppressions=0, unreadable=0)
    assert crm.find_subject(phone="06 12 34 56 78") == [sid]
    assert crm.find_subject(phone=ODD) == [sid]
    assert crm.reindex_lookups() == done  # again: the same, nothing new
    assert crm.find_subject(phone="06.12.34.56.78") == [sid]
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = [e for e in uow.audit.range(0) if e.action == "lookups.reindexed"]
    assert dict(trail[0].details) == {
        "subjects": 1, "entries": 2, "suppressions": 0, "unreadable": 0,
    }  # fmt: skip


def test_an_objection_recorded_under_0_1_covers_every_notation_after_reindexing(
    crm: Controller,
) -> None:
    sid = crm.add_subject({"email": "lea@example.fr", "phone": ODD}, "FR",
                          purposes=["prospecting"])  # fmt: skip
    legacy = _as_0_1_wrote(crm, sid, ODD)
    with crm.storage.unit_of_work() as uow:  # the objection as 0.1 recorded it
        uow.objections.add(Objection(sid, T0, direct_marketing=True))
        uow.suppressions.add(SuppressionEntry(legacy, Lookup.PHONE, T0))
        uow.commit()
    # Before: the number written plainly was not on the list (the gap 0.1 left).
    crm.add_subject({"email": "x@example.fr", "phone": "06 12 34 56 78"}, "FR",
                    purposes=["prospecting"])  # fmt: skip
    done = crm.reindex_lookups()
    assert done.suppressions == 2  # e-mail and phone, under today's forms
    with pytest.raises(Suppressed):
        crm.add_subject({"email": "y@example.fr", "phone": "06 12 34 56 78"}, "FR",
                        purposes=["prospecting"])  # fmt: skip


def test_an_erased_persons_0_1_suppression_entry_still_refuses_their_notation(
    crm: Controller,
) -> None:
    # Nothing of an erased person can be read, so their entry cannot be recomputed: the
    # collection checks 0.1's digest of what it is given as well.
    legacy = crm.vault.legacy_blind_index(Lookup.PHONE, ODD)
    assert legacy is not None
    with crm.storage.unit_of_work() as uow:
        uow.suppressions.add(SuppressionEntry(legacy, Lookup.PHONE, T0))
        uow.commit()
    with pytest.raises(Suppressed):
        crm.add_subject({"email": "z@example.fr", "phone": ODD}, "FR", purposes=["prospecting"])


def test_erased_subjects_are_skipped_and_a_damaged_value_is_counted(crm: Controller) -> None:
    gone = crm.add_subject({"email": "a@example.fr"}, "FR", purposes=["newsletter"])
    crm.erase(gone)
    kept = crm.add_subject({"email": "b@example.fr"}, "FR", purposes=["newsletter"])
    with crm.storage.unit_of_work() as uow:
        field = uow.subjects.fields(kept, ["email"])[0]
        damaged = field.ciphertext[:-1] + bytes([field.ciphertext[-1] ^ 1])
        uow.subjects.put_fields([type(field)(kept, "email", damaged, field.updated_at)])
        uow.commit()
    assert crm.reindex_lookups() == Reindexed(subjects=1, entries=0, unreadable=1)


def test_the_0_1_digest_is_the_one_it_wrote() -> None:
    # Pinned: the legacy rule reproduces 0.1 exactly (HMAC of "330612345678").
    from gdprcrm.vault import BlindIndex

    key = bytes(range(32))
    expected = hmac.new(key, b"gdprcrm-bi-v1:phone:330612345678", hashlib.sha256).digest()
    assert BlindIndex(key).legacy_digest(Lookup.PHONE, ODD) == expected
