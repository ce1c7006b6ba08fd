"""The in-memory adapter's lists kept beside the subjects (private; see
:mod:`gdprcrm.storage.memory`): the suppression list, the notice history, the Art. 14
information duties, the erasure certificates."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from gdprcrm.errors import DuplicateRecord
from gdprcrm.model import (
    Channel,
    InformationDuty,
    Lookup,
    NoticeVersion,
    SubjectId,
    SuppressionEntry,
)
from gdprcrm.storage import protocols as p
from gdprcrm.vault.certificate import ErasureCertificate

if TYPE_CHECKING:
    from gdprcrm.storage.memory import _MemoryUnit

__all__ = ["MemoryCertificates", "MemoryDuties", "MemoryNotices", "MemorySuppressions"]


class MemorySuppressions(p.SuppressionRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, entry: SuppressionEntry) -> None:
        table = self._u.table("suppressions")
        key = (entry.kind, entry.digest, entry.channel)
        if key not in table:
            table.put(key, entry)

    def _scopes(self, kind: Lookup, digest: bytes) -> Iterable[Channel | None]:
        table = self._u.table("suppressions")
        return [e.channel for e in table.where(lambda e: e.kind is kind and e.digest == digest)]

    def _purge_before(self, at: datetime) -> int:
        table = self._u.table("suppressions")
        old = table.where(lambda e: e.at < at)
        for e in old:
            table.delete((e.kind, e.digest, e.channel))
        return len(old)


class MemoryNotices(p.NoticeRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, notice: NoticeVersion) -> None:
        table = self._u.table("notices")
        if any(n.version == notice.version for n in table.values()):
            raise DuplicateRecord(f"notice version {notice.version!r} exists")
        table.put(len(list(table.values())), notice)

    def _all(self) -> Iterable[NoticeVersion]:
        table = self._u.table("notices")
        return [n for _, n in sorted(table.items(), key=lambda item: item[0])]


class MemoryDuties(p.DutyRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, duty: InformationDuty) -> None:
        table = self._u.table("duties")
        if duty.subject_id in table:
            raise DuplicateRecord(f"information duty {duty.subject_id} exists")
        table.put(duty.subject_id, duty)

    def _update(self, duty: InformationDuty) -> bool:
        table = self._u.table("duties")
        if duty.subject_id not in table:
            return False
        table.put(duty.subject_id, duty)
        return True

    def _get(self, subject_id: SubjectId) -> InformationDuty | None:
        found: InformationDuty | None = self._u.table("duties").get(subject_id)
        return found

    def _pending(self, limit: int) -> Iterable[InformationDuty]:
        return self._u.table("duties").where(lambda d: d.pending)

    def _delete_for_subject(self, subject_id: SubjectId) -> int:
        table = self._u.table("duties")
        if subject_id not in table:
            return 0
        table.delete(subject_id)
        return 1


class MemoryCertificates(p.CertificateRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add_many(self, certificates: Sequence[ErasureCertificate]) -> None:
        table = self._u.table("certificates")
        for certificate in certificates:
            if certificate.certificate_id not in table:
                table.put(certificate.certificate_id, certificate)

    def _get(self, certificate_id: uuid.UUID) -> ErasureCertificate | None:
        found: ErasureCertificate | None = self._u.table("certificates").get(certificate_id)
        return found

    def _for_subject(self, subject_id: SubjectId) -> Iterable[ErasureCertificate]:
        return self._u.table("certificates").where(lambda c: c.subject_id == subject_id)
