"""Conformance of the lists kept beside the subjects: the Art. 21(3) suppression list
(per channel, purged after its period), the notice history, the Art. 14 duties, the
signed erasure certificates (Art. 5(2))."""

from __future__ import annotations

import uuid
from datetime import timedelta

import attrs
import pytest

from gdprcrm import errors
from gdprcrm.model import (
    Channel,
    DutyTrigger,
    InformationDuty,
    Lookup,
    NoticeVersion,
    SubjectId,
    SuppressionEntry,
)
from gdprcrm.storage.protocols import Storage
from gdprcrm.testing.conformance._support import T0, _certificate

__all__ = ["CertificateTests", "ListTests"]


class ListTests:
    """The suppression list, the notice history and the information duties."""

    def test_suppression_list(self, storage: Storage) -> None:
        digest = b"\x42" * 32
        with storage.unit_of_work() as uow:
            assert not uow.suppressions.contains(Lookup.EMAIL, digest)
            uow.suppressions.add(SuppressionEntry(digest, Lookup.EMAIL, T0))
            uow.suppressions.add(SuppressionEntry(digest, Lookup.EMAIL, T0))  # harmless
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.suppressions.contains(Lookup.EMAIL, digest)
            assert not uow.suppressions.contains(Lookup.PHONE, digest)
            assert uow.suppressions.scopes(Lookup.EMAIL, digest) == {None}

    def test_suppression_list_per_channel(self, storage: Storage) -> None:
        number = b"\x43" * 32
        sms = SuppressionEntry(number, Lookup.PHONE, T0, channel=Channel.SMS)
        with storage.unit_of_work() as uow:
            uow.suppressions.add(sms)
            uow.suppressions.add(sms)  # harmless
            uow.suppressions.add(
                SuppressionEntry(number, Lookup.PHONE, T0, channel=Channel.PHONE_CALL)
            )
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.suppressions.scopes(Lookup.PHONE, number) == {
                Channel.SMS,
                Channel.PHONE_CALL,
            }, "suppressions.scopes: one entry per channel"
            assert not uow.suppressions.contains(Lookup.PHONE, number), (
                "suppressions.contains: only an objection to every channel"
            )
            assert uow.suppressions.scopes(Lookup.EMAIL, number) == frozenset()
            uow.suppressions.add(SuppressionEntry(number, Lookup.PHONE, T0))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.suppressions.contains(Lookup.PHONE, number)
            assert uow.suppressions.purge_before(T0 + timedelta(seconds=1)) == 3
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.suppressions.scopes(Lookup.PHONE, number) == frozenset()

    def test_suppression_purge(self, storage: Storage) -> None:
        old, edge, young = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32
        cut = T0 + timedelta(days=10)
        with storage.unit_of_work() as uow:
            uow.suppressions.add(SuppressionEntry(old, Lookup.EMAIL, T0))
            uow.suppressions.add(SuppressionEntry(edge, Lookup.PHONE, cut))
            uow.suppressions.add(SuppressionEntry(young, Lookup.EMAIL, cut + timedelta(days=1)))
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow, pytest.raises(errors.ReadOnlyUnit):
            uow.suppressions.purge_before(cut)
        with storage.unit_of_work() as uow:
            with pytest.raises(errors.InvalidInput):
                uow.suppressions.purge_before(cut.replace(tzinfo=None))
            assert uow.suppressions.purge_before(cut) == 1  # strictly before the cut
            assert uow.suppressions.purge_before(cut) == 0
            uow.rollback()
        with storage.unit_of_work(read_only=True) as uow:  # rolled back: all three stay
            assert uow.suppressions.contains(Lookup.EMAIL, old)
        with storage.unit_of_work() as uow:
            assert uow.suppressions.purge_before(cut) == 1
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert not uow.suppressions.contains(Lookup.EMAIL, old)
            assert uow.suppressions.contains(Lookup.PHONE, edge)
            assert uow.suppressions.contains(Lookup.EMAIL, young)

    def test_notice_versions_in_publication_order(self, storage: Storage) -> None:
        first = NoticeVersion("2025-09", T0, (("newsletter", "a" * 64),))
        second = NoticeVersion("2026-01", T0 + timedelta(days=90), (("newsletter", "b" * 64),))
        with storage.unit_of_work() as uow:
            uow.notices.add(second)  # the order added, not the dates, is the order kept
            uow.notices.add(first)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.notices.all() == [second, first], "notices.all: in the order added"
            with pytest.raises(errors.DuplicateRecord):
                uow.notices.add(NoticeVersion("2025-09", T0, ()))  # a label is stored once
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.notices.all() == [second, first], "notices.add: a duplicate wrote"

    def test_information_duties_one_per_subject_soonest_due_first(self, storage: Storage) -> None:
        a, b, c = SubjectId.new(), SubjectId.new(), SubjectId.new()
        late = InformationDuty(a, T0, T0 + timedelta(days=30))
        soon = InformationDuty(b, T0, T0 + timedelta(days=3))
        done = InformationDuty(c, T0, T0 + timedelta(days=1)).informed(T0, "e-mail")
        with storage.unit_of_work() as uow:
            for duty in (late, soon, done):
                uow.duties.add(duty)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.duties.pending() == [soon, late], "duties.pending: soonest due first"
            assert uow.duties.pending(1) == [soon], "duties.pending(limit)"
            assert uow.duties.get(c) == done
            with pytest.raises(errors.DuplicateRecord):
                uow.duties.add(InformationDuty(a, T0, T0))  # one duty per subject
        earlier = late.due_earlier(T0 + timedelta(days=1), DutyTrigger.FIRST_COMMUNICATION)
        with storage.unit_of_work() as uow:
            uow.duties.update(earlier)
            with pytest.raises(errors.UnknownRecord):
                uow.duties.update(InformationDuty(SubjectId.new(), T0, T0))
            assert uow.duties.delete_for_subject(b) == 1
            assert uow.duties.delete_for_subject(b) == 0
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.duties.pending() == [earlier]
            assert uow.duties.get(b) is None
            assert uow.duties.get(a) == earlier


class CertificateTests:
    """The signed erasure certificates the trail names by id (Art. 5(2))."""

    def test_certificates_come_back_exactly_as_signed(self, storage: Storage) -> None:
        sid, other = SubjectId.new(), SubjectId.new()
        first = _certificate(sid, T0)
        second = _certificate(sid, T0 + timedelta(days=1), scopes=2)
        elsewhere = _certificate(other)
        with storage.unit_of_work() as uow:
            uow.certificates.add_many([second, elsewhere])
            uow.certificates.add_many([first, second])  # one already kept: unchanged
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.certificates.get(first.certificate_id) == first
            assert uow.certificates.get(second.certificate_id) == second, "scopes kept"
            assert uow.certificates.get(uuid.uuid4()) is None
            assert uow.certificates.for_subject(sid) == [first, second], "oldest issued first"
            assert uow.certificates.for_subject(other) == [elsewhere]
            assert uow.certificates.for_subject(SubjectId.new()) == []
            got = uow.certificates.get(second.certificate_id)
            assert got is not None
            assert got.to_json() == second.to_json(), "the signed bytes, unchanged"

    def test_certificates_refuse_bad_input_and_read_only_units(self, storage: Storage) -> None:
        sid = SubjectId.new()
        unsigned = attrs.evolve(_certificate(sid), signature=b"")
        with storage.unit_of_work() as uow:
            with pytest.raises(errors.InvalidInput):
                uow.certificates.add_many([unsigned])
            with pytest.raises(errors.InvalidInput):
                uow.certificates.add_many(["not a certificate"])  # type: ignore[list-item]
            with pytest.raises(errors.InvalidInput):
                uow.certificates.get(str(uuid.uuid4()))  # type: ignore[arg-type]
            with pytest.raises(errors.InvalidInput):
                uow.certificates.for_subject(str(sid))  # type: ignore[arg-type]
            assert uow.certificates.for_subject(sid) == []
        with storage.unit_of_work(read_only=True) as uow, pytest.raises(errors.ReadOnlyUnit):
            uow.certificates.add_many([_certificate(sid)])
