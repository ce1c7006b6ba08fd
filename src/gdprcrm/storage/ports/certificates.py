"""The certificates port: every erasure certificate the controller signed (Art. 5(2)).

The audit trail names each erasure's certificate by its id; the signed document itself
is kept here, in the same unit of work as the entry, so that an auditor can ask for it
years later, whoever triggered the erasure (a person's request, the retention sweep, an
erasure resumed after a crash). A certificate holds nothing personal (opaque ids,
instants, key check values), so it outlives the erasure it proves. Adapters store the
canonical wire form (:meth:`ErasureCertificate.to_json`) and read it back with
:meth:`ErasureCertificate.from_json`, which refuses a document that is not exactly
canonical; the controller then checks the signature with its own key.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterable, Sequence

from gdprcrm.errors import InterfaceError, InvalidInput
from gdprcrm.model import SubjectId
from gdprcrm.storage.ports._base import Repository, _check, _check_all
from gdprcrm.vault.certificate import ErasureCertificate

__all__ = ["CertificateRepository"]


class CertificateRepository(Repository):
    """Signed erasure certificates, by id and by subject; adding one again changes
    nothing."""

    def add_many(self, certificates: Sequence[ErasureCertificate]) -> None:
        """Keep these certificates (an erasure's, or a sweep batch's)."""
        self._writable()
        _check_all(certificates, ErasureCertificate, "certificates.add_many")
        if any(not certificate.signature for certificate in certificates):
            raise InvalidInput("certificates.add_many: an unsigned certificate proves nothing")
        if certificates:
            self._add_many(certificates)

    def get(self, certificate_id: uuid.UUID) -> ErasureCertificate | None:
        """The certificate with this id. A row holding another certificate (moved or
        copied in the database) is never handed on: InterfaceError."""
        _check(certificate_id, uuid.UUID, "certificates.get")
        found = self._get(certificate_id)
        if found is not None and found.certificate_id != certificate_id:
            raise InterfaceError(f"certificates.get({certificate_id}) read another certificate")
        return found

    def for_subject(self, subject_id: SubjectId) -> list[ErasureCertificate]:
        """The subject's certificates, oldest issued first (none of anyone else's:
        InterfaceError)."""
        _check(subject_id, SubjectId, "certificates.for_subject")
        found = list(self._for_subject(subject_id))
        if any(c.subject_id != subject_id for c in found):
            raise InterfaceError("certificates.for_subject read another subject's certificate")
        return sorted(found, key=lambda c: (c.issued_at, str(c.certificate_id)))

    @abc.abstractmethod
    def _add_many(self, certificates: Sequence[ErasureCertificate]) -> None:
        """Insert each, keeping an existing one with the same id."""

    @abc.abstractmethod
    def _get(self, certificate_id: uuid.UUID) -> ErasureCertificate | None: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[ErasureCertificate]: ...
