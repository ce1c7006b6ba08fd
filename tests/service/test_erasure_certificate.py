"""A signed certificate for an erasure nobody received one for (Art. 5(2)): the sweep and
a resumed erasure sign theirs with no caller to hand them to;
``Controller.erasure_certificate`` restates the erasure from the key store's tombstone,
destroys nothing, and audits what it issued."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdprcrm.errors import InvalidInput, NotFound
from gdprcrm.model import SubjectId
from gdprcrm.service import Controller
from gdprcrm.storage.protocols import Storage
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.testing import FrozenClock, make_controller
from gdprcrm.vault import verify_certificate
from tests.service.test_sweep_batch import THREE_YEARS_AND_A_DAY


def _swept(crm: Controller, clock: FrozenClock, count: int) -> list[SubjectId]:
    people = [
        crm.add_subject({"email": f"p{i}@example.fr", "name": "P"}, "FR", purposes=["newsletter"])
        for i in range(count)
    ]
    clock.advance(THREE_YEARS_AND_A_DAY)
    assert crm.sweep().erasures_completed == count
    return people


@pytest.mark.parametrize("adapter", ["memory", "sqlite", "postgres"])
def test_a_swept_person_gets_a_signed_certificate_of_their_erasure(
    adapter: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    clock = FrozenClock()
    storage: Storage | None = None
    if adapter == "sqlite":
        storage = SQLiteStorage(tmp_path / "crm.db")
    elif adapter == "postgres":
        from gdprcrm.storage.postgres import PostgresStorage
        from tests.conftest import fresh_schema

        storage = PostgresStorage(request.getfixturevalue("postgres_dsn"), schema=fresh_schema())
    crm = make_controller(clock=clock, storage=storage)
    people = _swept(crm, clock, 3)
    swept_at = clock.now()
    clock.advance(THREE_YEARS_AND_A_DAY)  # asked for years later
    public = crm.vault.signer.public_key
    with crm.storage.unit_of_work(read_only=True) as uow:
        erased = {
            e.subject_id: dict(e.details)
            for e in uow.audit.range()
            if e.action == "subject.erased"
        }
    for sid in people:
        certificate = crm.erasure_certificate(sid)
        assert verify_certificate(certificate.to_json(), public) == certificate
        assert certificate.subject_id == sid
        assert certificate.already_shredded
        assert certificate.shredded_at == swept_at
        assert certificate.issued_at == clock.now()
        assert len(certificate.destroyed) == erased[sid]["keys"]
        # The issue is in the trail, under the certificate's own id.
        with crm.storage.unit_of_work(read_only=True) as uow:
            last = uow.audit.range()[-1]
        assert (last.action, last.subject_id) == ("erasure.certified", sid)
        assert dict(last.details)["certificate"] == str(certificate.certificate_id)
    assert crm.verify_audit().ok
    crm.close()


def test_it_restates_the_certificate_an_erasure_handed_its_caller() -> None:
    crm = make_controller()
    sid = crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa"}, "FR", purposes=["newsletter"]
    )
    outcome = crm.erase(sid)
    assert outcome.completed
    assert outcome.certificate is not None
    again = crm.erasure_certificate(sid)
    assert again.certificate_id != outcome.certificate.certificate_id
    assert not outcome.certificate.already_shredded
    assert again.already_shredded
    assert (again.subject_id, again.shredded_at, again.destroyed) == (
        outcome.certificate.subject_id,
        outcome.certificate.shredded_at,
        outcome.certificate.destroyed,
    )


def test_a_person_never_erased_gets_no_certificate_and_loses_nothing() -> None:
    crm = make_controller()
    sid = crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa"}, "FR", purposes=["newsletter"]
    )
    with crm.storage.unit_of_work(read_only=True) as uow:
        entries = len(uow.audit.range())
    with pytest.raises(NotFound):
        crm.erasure_certificate(sid)
    assert not crm.vault.is_shredded(sid)
    assert crm.values(sid) == {"email": "lea@example.fr", "name": "Léa"}
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert len(uow.audit.range()) == entries  # nothing issued, nothing recorded
    with pytest.raises(InvalidInput):
        crm.erasure_certificate(str(sid))  # type: ignore[arg-type]
