"""Re-indexing the lookups after their normal form changed (gdprcrm.contact_points).

A blind index is a digest of a contact point's normal form; when the rules that write
that form change (0.1's hand-written ones gave way to ``phonenumbers`` and
``email-validator``), the digests of the values written in an unusual notation must be
recomputed, or the person is not found by their address and an objection to direct
marketing (Art. 21(3)) no longer covers the notation they gave. :func:`reindex_lookups`
reads every active subject's lookup values and writes their digests again; a subject
who objected to direct marketing gets the new digests on the suppression list too.

The suppression entries of people already erased cannot be recomputed (nothing of them
can be read any more, by design): they stay, and every new collection is also checked
against the digest 0.1's rules give (:meth:`gdprcrm.vault.BlindIndex.legacy_digest`).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model import (
    SubjectId,
    SubjectStatus,
    SuppressionEntry,
)
from gdprcrm.policy import SubjectState
from gdprcrm.policy.decide import objected_to_marketing
from gdprcrm.policy.marketing import marketing_channels_objected
from gdprcrm.service import stored_values
from gdprcrm.service.kernel import Kernel

__all__ = ["LookupOperations", "Reindexed", "reindex_lookups"]

PAGE = 200


@attrs.frozen
class Reindexed:
    """What :func:`reindex_lookups` did: counts only (nothing personal)."""

    subjects: int = 0
    """Active subjects whose lookup values were read."""
    entries: int = 0
    """Blind-index entries written again."""
    suppressions: int = 0
    """Suppression entries written for subjects who objected to direct marketing."""
    unreadable: int = 0
    """Lookup values that could not be read or normalised (left as they were)."""


def _reindex_page(k: Kernel, ids: list[SubjectId], now: datetime) -> Reindexed:
    subjects = entries = suppressions = unreadable = 0
    with k.storage.unit_of_work() as uow:
        for sid in ids:
            subject = uow.subjects.get_for_update(sid)
            if subject.status is not SubjectStatus.ACTIVE:
                continue  # erased or being erased: nothing to read, nothing to index
            subjects += 1
            values, damaged = stored_values.lookup_values(k, uow, sid)
            unreadable += damaged
            index = []
            for name, value in values.items():
                try:
                    index.extend(k.blind_indexes(subject, {name: value}))
                except InvalidInput:  # 0.1 accepted what no rule reads now: kept as is
                    unreadable += 1
            uow.subjects.put_index(index)
            entries += len(index)
            state = SubjectState(subject, objections=uow.objections.for_subject(sid))
            if index and objected_to_marketing(state, k.declarations, now):
                for entry in index:  # Art. 21(3): the new form is suppressed too
                    uow.suppressions.add(SuppressionEntry(entry.digest, entry.kind, now))
                suppressions += len(index)
            elif index:  # objections to some channels only: those channels, per form
                objected = marketing_channels_objected(state, k.declarations, now)
                for channel in sorted(objected, key=lambda c: c.value):
                    for entry in index:
                        if entry.kind is channel.lookup:
                            uow.suppressions.add(
                                SuppressionEntry(entry.digest, entry.kind, now, channel=channel)
                            )
                            suppressions += 1
        uow.commit()
    return Reindexed(subjects, entries, suppressions, unreadable)


def reindex_lookups(k: Kernel, at: datetime | None = None) -> Reindexed:
    """Recompute every active subject's blind indexes (and the suppression entries of
    those who objected to direct marketing) under the current normal forms, a page of
    subjects per unit of work; audited once with the counts. Safe to run again."""
    now = k.now(at)
    total = Reindexed()
    after: SubjectId | None = None
    while True:
        with k.storage.unit_of_work(read_only=True) as uow:
            ids = uow.subjects.ids(after, PAGE)
        if not ids:
            break
        done = _reindex_page(k, ids, now)
        total = Reindexed(
            *(getattr(total, f.name) + getattr(done, f.name) for f in attrs.fields(Reindexed))
        )
        after = ids[-1]
    with k.storage.unit_of_work() as uow:
        k.audit(uow, "lookups.reindexed", at=now, details=attrs.asdict(total))
        uow.commit()
    return total


class LookupOperations:
    """The lookup-maintenance half of :class:`~gdprcrm.service.Controller` (which see)."""

    _k: Kernel

    def reindex_lookups(self, at: datetime | None = None) -> Reindexed:
        """Recompute the blind indexes of every active subject's e-mail addresses and
        phone numbers under the current normal forms (:mod:`gdprcrm.contact_points`),
        and the Art. 21(3) suppression entries of those who objected to direct
        marketing. Run it once after upgrading from gdprcrm 0.1 (CLI: ``gdprcrm lookups
        reindex``); running it again changes nothing."""
        return reindex_lookups(self._k, at)
