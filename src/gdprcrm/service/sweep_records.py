"""The retention sweep's expired records, in batches (Art. 5(1)(e), 17): every record
whose own period ran out (an invoice ten years after its financial year: a whole year's
invoices fall due on one day) is deleted and its key scope destroyed, so no backup can
read it, with one unit of work and one key-store transaction per batch of people
instead of one of each per person.

Each person's outcome is the one a batch of that person alone gives: the due records
(read again under the person's lock) deleted, one signed certificate naming their
scopes, one ``retention.records-erased`` entry; a person with an open access or
portability request keeps theirs until the answer (``retention.deferred``).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import datetime

from gdprcrm.model import DetailValue, Record, RecordId, SubjectId
from gdprcrm.policy.retention import frozen_by_request
from gdprcrm.service.collector import collector_paused
from gdprcrm.service.kernel import Kernel
from gdprcrm.service.records import erased_details

__all__ = ["BATCH", "expire_records"]

BATCH = 500
"""People whose records are erased per unit of work and key-store transaction."""


def expire_records(
    k: Kernel, due: Mapping[SubjectId, Set[RecordId]], now: datetime
) -> tuple[int, int]:
    """Erase the records in ``due`` (per subject) still due at ``now``, in batches;
    returns (records erased, subjects deferred by an open request)."""
    erased = deferred = 0
    people = list(due)
    for first in range(0, len(people), BATCH):
        batch = {sid: due[sid] for sid in people[first : first + BATCH]}
        done, waiting = _batch(k, batch, now)
        erased += done
        deferred += waiting
    return erased, deferred


def _batch(k: Kernel, due: Mapping[SubjectId, Set[RecordId]], now: datetime) -> tuple[int, int]:
    with collector_paused(), k.storage.unit_of_work() as uow:
        uow.subjects.get_many_for_update(list(due))  # each person locked, as one by one
        requests = uow.requests.for_subjects(list(due))
        waiting = {sid for sid in due if frozen_by_request(requests[sid])}
        for sid in due:  # Art. 15, 20: the answer shows the records as they were
            if sid in waiting:
                held: dict[str, DetailValue] = {"reason": "open-request", "records": len(due[sid])}
                k.audit(uow, "retention.deferred", sid, at=now, details=held)
        rest = [sid for sid in due if sid not in waiting]
        # Read again under the locks: a record may have moved (or gone) meanwhile.
        stored = uow.records.for_subjects(rest)
        doomed: dict[SubjectId, list[Record]] = {}
        for sid in rest:
            mine = [r for r in stored[sid] if r.id in due[sid] and r.due_at <= now]
            if mine:
                doomed[sid] = mine
        # The keys first: if the unit then fails, a retry finds the rows and shreds
        # again harmlessly (already shredded, and said so).
        certificates = k.shred_scopes_many(
            uow, [(sid, [r.id.value for r in records]) for sid, records in doomed.items()]
        )
        uow.records.delete_many([r.id for records in doomed.values() for r in records])
        for (sid, records), certificate in zip(doomed.items(), certificates, strict=True):
            said = erased_details(records, certificate)
            k.audit(uow, "retention.records-erased", sid, at=now, details=said)
        uow.commit()
    return sum(len(records) for records in doomed.values()), len(waiting)
