"""A stateful test of the Controller against a small independent model of the law.

Random subjects, consents, withdrawals, objections, restrictions, rectifications,
requests, erasures, sweeps and clock moves, on the memory and SQLite adapters. After
every step: decide() agrees with the reference model below; nothing of an erased
subject is recoverable from the stores, the export or the audit trail; the audit chain
verifies; an export never contains another subject's data.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from gdprcrm.errors import PurposeLimitation, UnknownRecord
from gdprcrm.examples import lumiere
from gdprcrm.model import NotificationEvent, RequestKind, RestrictionGround, SubjectId
from gdprcrm.service import Controller
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.storage.protocols import Storage
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.testing import T0, FrozenClock
from gdprcrm.vault import CertificateSigner, InMemoryKekSource, KeyVault

SIGNER = CertificateSigner.generate("atelier-lumiere-dpo")
THREE_YEARS = relativedelta(years=3)
PENDING = relativedelta(days=7)  # the declared pending_consent (the default)
PURPOSES = ("newsletter", "prospecting", "customer-relationship")


@attrs.define
class Person:
    """The reference model: what the law says about one person, kept by hand."""

    email: str
    collected: datetime
    purposes: set[str]
    consents: list[datetime] = attrs.Factory(list)  # newsletter consents in force
    ever_consented: bool = False  # a newsletter consent was given once
    frozen: bool = False  # an access request is open: retention waits (EDPB 01/2022)
    dm_objection: bool = False
    restricted_at: datetime | None = None
    erased: bool = False

    def allowed(self, purpose: str, now: datetime) -> bool:
        if self.erased:
            return False  # Art. 17
        restricted = self.restricted_at is not None
        expired = now >= self.collected + THREE_YEARS  # Art. 5(1)(e), CNIL 3 years
        if purpose == "newsletter":  # consent, direct marketing
            consented = bool(self.consents)
            # Art. 18(2): while restricted, only with a consent given since (the latest).
            since = self.restricted_at
            if since is not None and not any(c > since for c in self.consents):
                return False
            return consented and not self.dm_objection and not expired
        if restricted:
            return False  # Art. 18(2): use refused, storage only
        if purpose == "prospecting":  # legitimate interests, direct marketing
            return purpose in self.purposes and not self.dm_objection and not expired
        # contract: its retention runs from the end of the relationship, never recorded
        return purpose in self.purposes


class ControllerMachine(RuleBasedStateMachine):
    make_storage: ClassVar[str] = "memory"
    people = Bundle("people")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(T0)
        storage: Storage
        if self.make_storage == "memory":
            storage = MemoryStorage()
        else:
            self.folder = tempfile.TemporaryDirectory()
            storage = SQLiteStorage(Path(self.folder.name) / "crm.db")
        vault = KeyVault(storage.key_store(), InMemoryKekSource(), signer=SIGNER, clock=self.clock)
        self.crm = Controller(storage, vault, lumiere.declarations(), clock=self.clock)
        self.model: dict[SubjectId, Person] = {}
        self.counter = 0

    def teardown(self) -> None:
        self.crm.close()
        if self.make_storage != "memory":
            self.folder.cleanup()

    @rule(target=people, purposes=st.sets(st.sampled_from(PURPOSES), min_size=1))
    def add(self, purposes: set[str]) -> SubjectId:
        self.counter += 1
        email = f"person{self.counter}@example.fr"
        values = {"email": email}
        sid = self.crm.add_subject(
            values, "FR", purposes=sorted(purposes), birth_date=date(1980, 1, 1)
        )
        self.model[sid] = Person(email, self.clock.now(), set(purposes))
        return sid

    @rule(sid=people)
    def consent(self, sid: SubjectId) -> None:
        person = self.model[sid]
        if person.erased:
            return
        if "newsletter" not in person.purposes:  # Art. 5(1)(b): collect for it first
            with pytest.raises(PurposeLimitation):
                self.crm.give_consent(sid, "newsletter", channel="web-form")
            return
        self.crm.give_consent(sid, "newsletter", channel="web-form")
        person.consents.append(self.clock.now())
        person.ever_consented = True

    @rule(sid=people)
    def withdraw(self, sid: SubjectId) -> None:
        person = self.model[sid]
        if person.erased:
            return
        self.crm.withdraw_consent(sid, "newsletter", channel="unsubscribe-link")
        person.consents.clear()

    @rule(sid=people)
    def object_to_marketing(self, sid: SubjectId) -> None:
        person = self.model[sid]
        if person.erased:
            return
        self.crm.object(sid, direct_marketing=True)
        person.dm_objection = True

    @rule(sid=people)
    def restrict(self, sid: SubjectId) -> None:
        person = self.model[sid]
        if person.erased:
            return
        before = self._queued(sid, NotificationEvent.RESTRICTION)
        self.crm.restrict(sid, RestrictionGround.ACCURACY_CONTESTED)
        expected = self._recipients(person)
        assert self._queued(sid, NotificationEvent.RESTRICTION) == sorted(before + expected)
        person.restricted_at = self.clock.now()  # every restriction in force must be passed

    @rule(sid=people)
    def rectify(self, sid: SubjectId) -> None:
        person = self.model[sid]
        if person.erased:
            return
        person.email = person.email.replace("@", ".new@", 1)
        before = self._queued(sid, NotificationEvent.RECTIFICATION)
        self.crm.rectify(sid, {"email": person.email})
        # Art. 19: every recipient of a purpose that uses the e-mail is owed word of it.
        expected = self._recipients(person, field="email")
        assert self._queued(sid, NotificationEvent.RECTIFICATION) == sorted(before + expected)

    @rule(sid=people)
    def request(self, sid: SubjectId) -> None:
        if self.model[sid].erased:
            return
        self.crm.receive_request(sid, RequestKind.ACCESS)
        self.model[sid].frozen = True  # never answered here

    @rule(sid=people)
    def erase(self, sid: SubjectId) -> None:
        person = self.model[sid]
        if person.erased:
            try:
                self.crm.erase(sid)
            except UnknownRecord:
                return
            raise AssertionError("erasing an erased subject must be refused")
        before = self._queued(sid, NotificationEvent.ERASURE)
        outcome = self.crm.erase(sid)
        assert outcome.completed  # none of these purposes holds data under a legal duty
        expected = self._recipients(person)
        assert self._queued(sid, NotificationEvent.ERASURE) == sorted(before + expected)
        person.erased = True

    def _queued(self, sid: SubjectId, event: NotificationEvent) -> list[str]:
        return sorted(n.recipient_id for n in self.crm.notifications(sid) if n.event is event)

    def _recipients(self, person: Person, field: str | None = None) -> list[str]:
        declared = self.crm.declarations
        found = set()
        for purpose_id in person.purposes:
            purpose = declared.purpose(purpose_id)
            if field is None or field in purpose.field_names:
                found |= {r.id for r in purpose.recipients}
        return sorted(found)

    @rule(days=st.integers(1, 800))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)

    @rule()
    def sweep(self) -> None:
        now = self.clock.now()
        self.crm.sweep()
        for person in self.model.values():
            if person.frozen:
                continue  # the sweep defers everything of a person awaiting an answer
            never = "newsletter" in person.purposes and not person.ever_consented
            if not person.erased and never and now >= person.collected + PENDING:
                # Art. 6(1)(a): collected for a consent never given, kept seven days
                person.purposes.discard("newsletter")
                person.erased = not person.purposes
            if person.erased or now < person.collected + THREE_YEARS:
                continue
            # newsletter is erased at expiry; prospecting only flagged for review
            person.purposes.discard("newsletter")
            if not person.purposes:
                person.erased = True

    @invariant()
    def decisions_agree_with_the_model(self) -> None:
        now = self.clock.now()
        for sid, person in self.model.items():
            for purpose in PURPOSES:
                decision = self.crm.decide(sid, purpose)
                assert decision.allowed is person.allowed(purpose, now), (
                    purpose,
                    person,
                    decision.codes,
                )

    @invariant()
    def erased_means_unrecoverable_and_exports_are_private(self) -> None:
        with self.crm.storage.unit_of_work(read_only=True) as uow:
            audit_text = repr([e.details for e in uow.audit.range(0)])
        for sid, person in self.model.items():
            local = person.email.split("@")[0]
            assert local not in audit_text  # the trail never holds personal data
            if person.erased:
                assert self.crm.values(sid) == {}
                assert self.crm.find_subject(email=person.email) == []
                assert json.loads(self.crm.export(sid))["data"] == []
            else:
                text = self.crm.export(sid)
                others = [p.email for s, p in self.model.items() if s != sid]
                assert not any(email in text for email in others)

    @invariant()
    def the_audit_chain_verifies(self) -> None:
        assert self.crm.verify_audit().ok


MACHINE_SETTINGS = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class MemoryMachine(ControllerMachine):
    make_storage = "memory"


class SQLiteMachine(ControllerMachine):
    make_storage = "sqlite"


TestControllerOnMemory = MemoryMachine.TestCase
TestControllerOnMemory.settings = MACHINE_SETTINGS
TestControllerOnSQLite = SQLiteMachine.TestCase
TestControllerOnSQLite.settings = MACHINE_SETTINGS

_ = timedelta  # instants move through the clock only
