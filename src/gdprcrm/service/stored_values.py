"""Reading a subject's stored values back (Art. 15, 20, 21): decrypted for the person's
own rights, or their lookup keys for the suppression list and a new blind index. A
damaged value is counted or named, never fatal."""

from __future__ import annotations

from gdprcrm.errors import DecryptionError, InvalidInput, SubjectErased
from gdprcrm.model import Lookup, Subject, SubjectId
from gdprcrm.service.kernel import BIRTH_DATE_FIELD, Kernel
from gdprcrm.storage.protocols import UnitOfWork

__all__ = ["decrypted", "index_entries", "lookup_values"]


def lookup_values(k: Kernel, uow: UnitOfWork, subject_id: SubjectId) -> tuple[dict[str, str], int]:
    """The subject's stored lookup values (e-mail, phone...) decrypted, by field, and
    how many could not be read (damaged: counted, never fatal)."""
    values: dict[str, str] = {}
    unreadable = 0
    for f in uow.subjects.fields(subject_id):
        spec = k.declarations.find_field(f.name)
        if spec is None or spec.lookup is None:
            continue
        try:
            values[f.name] = str(k.vault.decrypt(subject_id, f.name, f.ciphertext))
        except DecryptionError:
            unreadable += 1
    return values, unreadable


def index_entries(
    k: Kernel, uow: UnitOfWork, subject: Subject, *, legacy: bool = False
) -> tuple[list[tuple[Lookup, bytes]], int]:
    """The subject's lookup keys, as (kind, blind index), from their stored values,
    and how many could not be read: a damaged ciphertext never blocks an objection
    (Art. 21); the caller audits the count. ``legacy`` as for :meth:`Kernel.blind_indexes`."""
    out = []
    values, unreadable = lookup_values(k, uow, subject.id)
    for name, value in values.items():
        try:
            entries = k.blind_indexes(subject, {name: value}, legacy=legacy)
        except InvalidInput:  # stored under 0.1's laxer rules: its old digest, if any
            lookup = k.declarations.field(name).lookup
            assert lookup is not None
            old = k.vault.legacy_blind_index(lookup, value)
            if old is None:
                unreadable += 1
            else:
                out.append((lookup, old))
            continue
        out.extend((entry.kind, entry.digest) for entry in entries)
    return out, unreadable


def decrypted(
    k: Kernel,
    uow: UnitOfWork,
    subject_id: SubjectId,
    *,
    include_birth_date: bool = False,
    unreadable: list[str] | None = None,
) -> dict[str, str]:
    """The subject's stored values, decrypted. Erased ones are left out; so are the
    damaged ones, whose names go to ``unreadable`` when given: one damaged value
    never hides the others (Art. 15, 20)."""
    out = {}
    for f in uow.subjects.fields(subject_id):
        if f.name == BIRTH_DATE_FIELD and not include_birth_date:
            continue
        try:
            out[f.name] = str(k.vault.decrypt(subject_id, f.name, f.ciphertext))
        except SubjectErased:
            continue
        except DecryptionError:
            if unreadable is not None:
                unreadable.append(f.name)
    return out
