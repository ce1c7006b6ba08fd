"""The retention sweep's fast path (Art. 5(1)(e), 17(1)(a), 19): people none of whose
purposes may keep anything are erased in batches, with the outcome the slow path
gives, and a crash between the keys' destruction and the data store's commit is
finished by reconciling."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gdprcrm.errors import SubjectErased
from gdprcrm.model import NotificationEvent, PersonalField, RequestKind, SubjectId, SubjectStatus
from gdprcrm.service import Controller
from gdprcrm.service import erasure as erasure_workflow
from gdprcrm.testing import FrozenClock

THREE_YEARS_AND_A_DAY = timedelta(days=3 * 366 + 1)


def _prospects(crm: Controller, count: int) -> list[SubjectId]:
    return [
        crm.add_subject(
            {"email": f"p{i}@example.fr", "name": f"P{i}"}, "FR", purposes=["newsletter"]
        )
        for i in range(count)
    ]


def _copies(crm: Controller, people: list[SubjectId]) -> list[PersonalField]:
    with crm.storage.unit_of_work(read_only=True) as uow:
        return [f for sid in people for f in uow.subjects.fields(sid)]


def test_expired_people_are_erased_in_batches_as_the_slow_path_would(
    crm: Controller, clock: FrozenClock
) -> None:
    people = _prospects(crm, 7)
    copies = _copies(crm, people)
    clock.advance(THREE_YEARS_AND_A_DAY)
    result = crm.sweep()
    assert result.erasures_completed == 7
    assert result.erased == 7
    for sid in people:
        assert crm.subject(sid).status is SubjectStatus.ERASED
        assert crm.values(sid) == {}
        (told,) = crm.notifications(sid)  # Art. 19: the newsletter's mailer
        assert told.event is NotificationEvent.ERASURE
    for copy in copies:  # yesterday's backup: nothing readable
        with pytest.raises(SubjectErased):
            crm.vault.decrypt(copy.subject_id, copy.name, copy.ciphertext)
    with crm.storage.unit_of_work(read_only=True) as uow:
        actions = [e.action for e in uow.audit.range(0)]
        stones = {t.subject_id for t in uow.tombstones.all()}
    assert actions.count("retention.erased") == 7
    assert actions.count("subject.erased") == 7
    assert set(people) <= stones  # the data store's copy, for restores
    assert crm.verify_audit().ok
    assert crm.sweep().examined == 0


def test_a_person_with_an_open_access_request_waits(crm: Controller, clock: FrozenClock) -> None:
    waiting, gone = _prospects(crm, 2)
    crm.receive_request(waiting, RequestKind.ACCESS)
    clock.advance(THREE_YEARS_AND_A_DAY)
    result = crm.sweep()
    assert result.erasures_completed == 1
    assert result.deferred == 1
    assert crm.subject(gone).status is SubjectStatus.ERASED
    assert crm.subject(waiting).status is SubjectStatus.ACTIVE


def test_a_crash_after_the_keys_went_is_finished_on_reconciling(
    crm: Controller, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = _prospects(crm, 3)
    clock.advance(THREE_YEARS_AND_A_DAY)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")  # the batch's unit never commits

    monkeypatch.setattr(erasure_workflow, "finalise_many", crash)
    with pytest.raises(RuntimeError):
        crm.sweep()
    monkeypatch.undo()
    for sid in people:  # the keys are gone, the data store still says active
        assert crm.subject(sid).status is SubjectStatus.ACTIVE
        with pytest.raises(SubjectErased):
            crm.vault.encrypt(sid, "email", "x")
    reconciled = crm.reconcile()
    assert reconciled.subjects_erased == 3
    for sid in people:
        assert crm.subject(sid).status is SubjectStatus.ERASED
