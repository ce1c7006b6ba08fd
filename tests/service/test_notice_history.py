"""Notice history (Art. 4(11), 7(1), 13): every published version is stored; a consent
stays valid after a wording fix and needs renewal after a material change, with or
without explicit version labels (issue 13, item 6)."""

from __future__ import annotations

import sqlite3
import threading
import tomllib
from datetime import date
from pathlib import Path

import pytest

from gdprcrm.config import parse_declarations
from gdprcrm.examples import lumiere
from gdprcrm.model import ConsentGiven, Declarations, SubjectId
from gdprcrm.policy import Reason
from gdprcrm.service import Controller
from gdprcrm.signing import CertificateSigner
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.storage.protocols import Storage
from gdprcrm.testing import FrozenClock
from gdprcrm.vault import InMemoryKekSource, KeyVault

SIGNER = CertificateSigner.generate("dpo")
ADULT = date(1990, 6, 1)
KEK = InMemoryKekSource()
BASE = lumiere.toml_path().read_text("utf-8")
WORDING = (
    "Un e-mail mensuel sur nos nouveaux luminaires et nos ateliers.",
    "Un courriel mensuel sur nos luminaires et nos ateliers.",
)
MATERIAL = (  # the newsletter gains a recipient: what the consent is given to changes
    'fields = ["email", "name", "newsletter_clicks"]\nrecipients = ["emailing-provider"]',
    'fields = ["email", "name", "newsletter_clicks"]\n'
    'recipients = ["emailing-provider", "chartered-accountant"]',
)


def _declarations(*edits: tuple[str, str], label: str | None = None) -> Declarations:
    text = BASE
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    if label is not None:
        text = text.replace("[notice]\n", f'[notice]\nversion = "{label}"\n', 1)
    return parse_declarations(tomllib.loads(text), source="edited.toml")


def _controller(storage: Storage, declarations: Declarations, clock: FrozenClock) -> Controller:
    vault = KeyVault(storage.key_store(), KEK, signer=SIGNER, clock=clock)
    return Controller(storage, vault, declarations, clock=clock, audit_key=b"k" * 32)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def _consented(storage: Storage, declarations: Declarations, clock: FrozenClock) -> Controller:
    crm = _controller(storage, declarations, clock)
    sid = crm.add_subject(
        {"email": "lea@example.fr"}, "FR", purposes=["newsletter"], birth_date=ADULT
    )
    crm.give_consent(sid, "newsletter", channel="web-form")
    assert crm.decide(sid, "newsletter").allowed
    return crm


def _the_subject(crm: Controller) -> SubjectId:
    (sid,) = crm.find_subject(email="lea@example.fr")
    return sid


@pytest.mark.parametrize("label", [None, "2025-09"])
def test_a_wording_fix_keeps_every_consent(clock: FrozenClock, label: str | None) -> None:
    storage = MemoryStorage()
    _consented(storage, _declarations(label=label), clock)
    edited = _declarations(WORDING, label=label)
    clock.advance(days=30)
    crm = _controller(storage, edited, clock)  # restarted with the fixed wording
    sid = _the_subject(crm)
    decision = crm.decide(sid, "newsletter")
    assert decision.allowed, decision.reasons


@pytest.mark.parametrize("label", [None, "2025-09"])
def test_a_material_change_needs_every_consent_renewed(
    clock: FrozenClock, label: str | None
) -> None:
    storage = MemoryStorage()
    _consented(storage, _declarations(label=label), clock)
    clock.advance(days=30)
    crm = _controller(storage, _declarations(MATERIAL, label=label), clock)
    sid = _the_subject(crm)
    decision = crm.decide(sid, "newsletter")
    assert decision.reasons == (Reason.CONSENT_RENEWAL_REQUIRED,)
    crm.give_consent(sid, "newsletter", channel="web-form")
    assert crm.decide(sid, "newsletter").allowed
    # The consent names the version it was given under, unique in the history.
    history = crm.consent_history(sid)
    versions = [c.notice_version for c in history if isinstance(c, ConsentGiven)]
    assert len(set(versions)) == 2
    # A third start with the same declarations: the new consent still counts.
    again = _controller(storage, _declarations(MATERIAL, label=label), clock)
    assert again.decide(sid, "newsletter").allowed


def test_every_published_version_is_stored_once_and_audited(clock: FrozenClock) -> None:
    storage = MemoryStorage()
    _controller(storage, _declarations(label="2025-09"), clock)
    _controller(storage, _declarations(label="2025-09"), clock)  # the same: nothing new
    _controller(storage, _declarations(WORDING, label="2026-01"), clock)
    _controller(storage, _declarations(MATERIAL, label="2026-01"), clock)  # label reused
    with storage.unit_of_work(read_only=True) as uow:
        stored = [n.version for n in uow.notices.all()]
        published = [e for e in uow.audit.range(0) if e.action == "notice.published"]
    assert stored[:2] == ["2025-09", "2026-01"]
    assert len(stored) == 3
    assert stored[2].startswith("2026-01+")
    assert [dict(e.details) for e in published] == [
        {"versions": 1, "relabelled": 0},
        {"versions": 1, "relabelled": 0},
        {"versions": 1, "relabelled": 1},
    ]


def test_the_history_survives_a_restart_on_sqlite(tmp_path: Path, clock: FrozenClock) -> None:
    def open_with(declarations: Declarations) -> Controller:
        return Controller.open(
            tmp_path / "crm.db",
            declarations,
            kek=KEK,
            signer=SIGNER,
            clock=clock,
            audit_key=b"k" * 32,
        )

    crm = open_with(_declarations())
    sid = crm.add_subject(
        {"email": "lea@example.fr"}, "FR", purposes=["newsletter"], birth_date=ADULT
    )
    crm.give_consent(sid, "newsletter", channel="web-form")
    crm.close()
    crm = open_with(_declarations(WORDING))
    assert crm.decide(sid, "newsletter").allowed
    crm.close()
    crm = open_with(_declarations(WORDING, MATERIAL))
    assert crm.decide(sid, "newsletter").reasons == (Reason.CONSENT_RENEWAL_REQUIRED,)
    crm.close()


def test_controllers_starting_at_once_store_a_version_once(
    tmp_path: Path, clock: FrozenClock
) -> None:
    # Several processes (threads here, each with its own storage) start with edited
    # declarations at the same moment: one appends the version, the others read it.
    declarations = _declarations(WORDING, label="2026-02")
    barrier = threading.Barrier(4, timeout=60)
    failures: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait()
            Controller.open(
                tmp_path / "crm.db",
                declarations,
                kek=KEK,
                signer=SIGNER,
                clock=clock,
                audit_key=b"k" * 32,
            ).close()
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    crm = Controller.open(
        tmp_path / "crm.db", declarations, kek=KEK, signer=SIGNER, clock=clock, audit_key=b"k" * 32
    )
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert [n.version for n in uow.notices.all()] == ["2026-02"]
    crm.close()


def test_a_restored_store_opened_with_edited_declarations(
    tmp_path: Path, clock: FrozenClock
) -> None:
    # The restore cuts the trail; the edited notice cannot be published on a cut trail,
    # so it is published once the restore is acknowledged, not refused at start.
    def open_with(declarations: Declarations, *, restored: bool = False) -> Controller:
        return Controller.open(
            tmp_path / "crm.db",
            declarations,
            kek=KEK,
            signer=SIGNER,
            clock=clock,
            audit_key=b"k" * 32,
            restored=restored,
        )

    crm = open_with(_declarations())
    sid = crm.add_subject(
        {"email": "lea@example.fr"}, "FR", purposes=["newsletter"], birth_date=ADULT
    )
    crm.give_consent(sid, "newsletter", channel="web-form")
    crm.close()
    with sqlite3.connect(tmp_path / "crm.db") as src, sqlite3.connect(tmp_path / "b.db") as dst:
        src.backup(dst)
    crm = open_with(_declarations())
    crm.erase(sid)  # a checkpoint after it: the backup is now behind
    crm.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp_path / 'crm.db'}{suffix}").unlink(missing_ok=True)
    (tmp_path / "crm.db").write_bytes((tmp_path / "b.db").read_bytes())
    crm = open_with(_declarations(WORDING), restored=True)
    with crm.storage.unit_of_work(read_only=True) as uow:
        versions = [n.version for n in uow.notices.all()]
        actions = [e.action for e in uow.audit.range(0)]
    assert len(versions) == 2  # the one before the backup, and the edited one
    assert "audit.restored" in actions
    assert actions.index("audit.restored") < actions.index("notice.published", 2)
    assert crm.verify_audit().ok
    crm.close()
