"""Restores (Art. 17, 32(1)(c)): after either store comes back from a backup, nothing
erased comes back with it.

Every erasure leaves a tombstone in both stores: the key store's (which refuses the
subject's keys for ever) and the data store's copy, written in the unit that finalises
the erasure. On opening, :func:`reconcile` compares them:

* a tombstone only in the data store: the key store was restored from before that
  erasure and holds the subject's keys again; they are destroyed (replayed tombstone);
* a tombstone only in the key store: the data store was restored from before that
  erasure and holds the subject again; it is erased again (its ciphertexts could not
  be read anyway), and the data store gets its copy of the tombstone. A tombstone may
  also name a record's key scope: the restored record row is deleted again; or the
  marker of an erasure that was still holding data (legal holds): the subject, active
  again in the restored store, has its erasure started again (its holds re-planned).

Both are audited (Art. 5(2)); an operator who restores a backup need do nothing else.
"""

from __future__ import annotations

import attrs

from gdprcrm.model import RecordId, SubjectId, SubjectStatus
from gdprcrm.policy.scopes import marked_subject
from gdprcrm.service import erasure
from gdprcrm.service.erasure import mark_erased
from gdprcrm.service.kernel import Kernel
from gdprcrm.vault import Tombstone

__all__ = ["Reconciliation", "reconcile"]


@attrs.frozen
class Reconciliation:
    """What reconciling the stores did (all zero when both were in step)."""

    keys_destroyed: int = 0
    """Subjects whose keys a restored key store had brought back, destroyed again."""
    subjects_erased: int = 0
    """Subjects (and records) a restored data store had brought back, erased again."""
    erasures_resumed: int = 0
    """Erasures under a legal hold that a restored data store had forgotten, restarted."""
    tombstones_copied: int = 0
    """Key-store tombstones copied into the data store."""

    @property
    def changed(self) -> bool:
        return bool(
            self.keys_destroyed
            or self.subjects_erased
            or self.tombstones_copied
            or self.erasures_resumed
        )


def reconcile(k: Kernel) -> Reconciliation:
    """Replay each store's tombstones into the other (see the module docstring)."""
    in_keys = {t.subject_id: t for t in k.vault.export_tombstones()}
    with k.storage.unit_of_work(read_only=True) as uow:
        in_data = {t.subject_id: t for t in uow.tombstones.all()}
    brought_back = [t for sid, t in in_data.items() if sid not in in_keys]
    destroyed = k.vault.replay_tombstones(brought_back) if brought_back else 0
    # Keys are destroyed whatever the trail says; the data store's repair is audited, and
    # its first entry refuses a trail cut before its latest checkpoint (AuditTampered).
    erased = copied = 0
    forgotten: list[SubjectId] = []
    for stone in (t for sid, t in in_keys.items() if sid not in in_data):
        was_back, lost_erasure = _erase_again(k, stone)
        erased += was_back
        copied += 1
        if lost_erasure is not None:
            forgotten.append(lost_erasure)
    for subject_id in forgotten:  # after the copies: the erasure's own shreds find them
        erasure.erase(k, subject_id, dry_run=False, at=None)
    result = Reconciliation(destroyed, erased, copied, len(forgotten))
    if result.changed:
        now = k.clock.now()
        with k.storage.unit_of_work() as uow:
            k.audit(
                uow,
                "storage.reconciled",
                at=now,
                details={
                    "keys_destroyed": destroyed,
                    "subjects_erased": erased,
                    "tombstones_copied": copied,
                    "erasures_resumed": len(forgotten),
                },
            )
            uow.commit()
    return result


def _erase_again(k: Kernel, stone: Tombstone) -> tuple[bool, SubjectId | None]:
    """Finalise in the data store an erasure it lost: True if the subject (or a record)
    was back; and the subject whose held erasure the store forgot, if the tombstone is
    such an erasure's marker."""
    now = k.clock.now()
    with k.storage.unit_of_work() as uow:
        subject = uow.subjects.find(stone.subject_id)
        back = subject is not None and subject.status is not SubjectStatus.ERASED
        if subject is not None and back:
            subject = uow.subjects.get_for_update(stone.subject_id)
            mark_erased(uow, subject)
            k.audit(
                uow,
                "subject.erased-again",
                subject.id,
                at=now,
                details={"reason": "restored-data-store", "keys": len(stone.destroyed)},
            )
        lost = None
        if subject is None:  # a record's key scope, or the marker of a held erasure
            marked = uow.subjects.find(marked_subject(stone.subject_id.value))
            if (
                marked is not None
                and marked.status is SubjectStatus.ACTIVE
                and uow.erasures.find(marked.id) is None
            ):
                lost = marked.id
            record = uow.records.find(RecordId(stone.subject_id.value))
            back = record is not None
            if record is not None:
                uow.records.delete(record.id)
                k.audit(
                    uow,
                    "record.erased-again",
                    record.subject_id,
                    at=now,
                    details={"reason": "restored-data-store", "record": str(record.id)},
                )
        uow.tombstones.add(stone)
        uow.commit()
    return back, lost
