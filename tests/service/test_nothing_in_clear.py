"""Nothing personal in clear (Art. 5(1)(f), 17, 32): after an erasure, no value a person
gave (profile values, records, what was said, consent evidence, request notes, where
indirect data came from) can be found in any table or file of the store; before it,
the free texts are sealed too. On SQLite (every file) and PostgreSQL (every table)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from gdprcrm.errors import InvalidInput
from gdprcrm.examples import lumiere
from gdprcrm.interactions import InteractionLog
from gdprcrm.model import DataSource, Direction, InteractionKind, RequestKind, SubjectId
from gdprcrm.service import Controller
from gdprcrm.signing import CertificateSigner
from gdprcrm.storage.postgres import PostgresStorage
from gdprcrm.testing import FrozenClock
from gdprcrm.vault import InMemoryKekSource, KeyFileKekSource, KeyVault
from tests.conftest import fresh_schema

SECRETS = {
    "email": "zoe.quelquechose@example.fr",
    "name": "Zoé Quelquechose",
    "postal_address": "17 impasse des Glycines, 13001 Marseille",
    "evidence": "ip 203.0.113.77 via zoe.quelquechose@example.fr",
    "source": "fichier clients du salon Habitat Sud 2026",
    "doubt": "signature differente de la piece Quelquechose",
    "reason": "dossier volumineux Quelquechose",
    "outcome": "copie envoyee a Zoé Quelquechose",
    "said": "Zoé a appelé pour sa lampe Quelquechose",
    "order": "commande CQ-778812 Quelquechose",
}
SIGNER = CertificateSigner.generate("clear-tests")


class Deployment:
    def __init__(self, crm: Controller, search: Callable[[], bytes]) -> None:
        self.crm = crm
        self.search = search
        """Everything the store holds, as bytes."""


@pytest.fixture(params=["sqlite", "postgres"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    clock = FrozenClock()
    if request.param == "sqlite":
        crm = Controller.open(
            tmp_path / "crm.db",
            lumiere.declarations(),
            kek=KeyFileKekSource.open_or_create(tmp_path / "kek.key"),
            signer=SIGNER,
            clock=clock,
            audit_key=b"clear tests: an audit key of 32+ bytes!",
        )

        def files() -> bytes:
            return b"".join(p.read_bytes() for p in tmp_path.glob("crm.db*"))

        yield Deployment(crm, files)
        crm.close()
        return
    dsn = request.getfixturevalue("postgres_dsn")
    schema = fresh_schema()
    storage = PostgresStorage(dsn, schema=schema)
    vault = KeyVault(storage.key_store(), InMemoryKekSource(), signer=SIGNER, clock=clock)
    crm = Controller(storage, vault, lumiere.declarations(), clock=clock)

    def tables() -> bytes:
        out = []
        with psycopg.connect(dsn) as conn:
            names = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
            ).fetchall()
            for (name,) in names:
                rows = conn.execute(
                    sql.SQL("SELECT t::text FROM {}.{} t").format(
                        sql.Identifier(schema), sql.Identifier(name)
                    )
                ).fetchall()
                out += [r[0].encode() for r in rows]
        return b"\n".join(out)

    yield Deployment(crm, tables)
    crm.close()


def _person(crm: Controller) -> SubjectId:
    sid = crm.add_subject(
        {k: SECRETS[k] for k in ("email", "name", "postal_address")},
        "FR",
        purposes=["customer-relationship", "newsletter"],
        source=DataSource(SECRETS["source"]),
    )
    crm.give_consent(
        sid, "newsletter", channel="web-form", evidence={"proof": SECRETS["evidence"]}
    )
    request = crm.receive_request(sid, RequestKind.ACCESS)
    crm.ask_identity(request.id, doubt=SECRETS["doubt"])
    crm.identity_received(request.id)
    crm.extend_request(request.id, reasons=SECRETS["reason"])
    crm.complete_request(request.id, outcome=SECRETS["outcome"])
    with crm.storage.unit_of_work() as uow:
        InteractionLog(crm.vault).record(
            uow,
            sid,
            at=crm.clock.now(),
            kind=InteractionKind.CONTACT,
            direction=Direction.INBOUND,
            purpose_id="customer-relationship",
            channel="phone",
            content=SECRETS["said"],
        )
        uow.commit()
    crm.add_record(sid, "order", {"reference": SECRETS["order"]})
    return sid


def _found(haystack: bytes) -> list[str]:
    found = []
    for key, value in SECRETS.items():
        raw = value.encode()
        if raw in haystack or raw.hex().encode() in haystack:
            found.append(key)
    return found


def test_no_free_text_is_stored_in_clear(deployment: Deployment) -> None:
    crm = deployment.crm
    sid = _person(crm)
    assert _found(deployment.search()) == []
    # ... and the person still gets every text back (Art. 15).
    report = crm.access_report(sid)
    assert report["source"]["description"] == SECRETS["source"]
    (given,) = [c for c in report["consents"] if c.get("evidence")]
    assert dict(given["evidence"].items()) == {"proof": SECRETS["evidence"]}
    (request,) = report["requests"]
    assert request["outcome"] == SECRETS["outcome"]
    assert request["identity_doubt"] == SECRETS["doubt"]
    assert crm.consents(sid)[0].evidence == {"proof": SECRETS["evidence"]}


def test_after_an_erasure_no_value_given_is_anywhere(deployment: Deployment) -> None:
    crm = deployment.crm
    sid = _person(crm)
    outcome = crm.erase(sid)
    assert outcome.completed
    assert _found(deployment.search()) == []
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = repr(uow.audit.range(0))
    assert _found(trail.encode()) == []


def test_an_erased_subjects_texts_are_gone_from_the_access_report(
    deployment: Deployment,
) -> None:
    crm = deployment.crm
    sid = _person(crm)
    crm.add_purposes(sid, ["invoicing"])  # the name is then held ten years
    assert not crm.erase(sid).completed
    report = repr(crm.access_report(sid))
    held = {"name", "postal_address"}
    assert [k for k in _found(report.encode()) if k not in held] == []


def test_a_channel_is_a_code_not_free_text(crm: Controller) -> None:
    sid = crm.add_subject({"email": "a@example.fr"}, "FR", purposes=["newsletter"])
    for channel in ("Formulaire de Zoé", "zoe@example.fr", "+33 6 12 34 56 78"):
        with pytest.raises(InvalidInput, match="code"):
            crm.give_consent(sid, "newsletter", channel=channel)
    assert crm.consents(sid) == []
