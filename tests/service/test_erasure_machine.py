"""A stateful test of erasure that reaches every copy, with records and legal holds.

Random customers (with or without the invoicing purpose, whose values and invoices the
Code de commerce holds ten years), invoices and orders, record deletions, erasures,
clock moves, sweeps and resumed erasures; at random steps a copy of the data store is
taken (last night's backup). After every step, against an independent model:

* every value and record the model says is gone cannot be decrypted from ANY earlier
  copy of the data store (its key scope, or the subject's key, is destroyed);
* every value and record the model says is kept (live, or held by law until its own
  end) is in the store and decrypts, from the store and from every copy that has it;
* a record held by law cannot be deleted before its end (Art. 17(3)(b)).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from gdprcrm.errors import LegalHold, SubjectErased, UnknownRecord
from gdprcrm.model import FinancialYearEnd, RecordId, SubjectId, SubjectStatus
from gdprcrm.policy.records import record_due
from gdprcrm.service import Controller
from gdprcrm.testing import T0, FrozenClock, make_controller

TEN_YEARS = relativedelta(years=10)
INVOICING_FIELDS = frozenset({"name", "postal_address", "invoices"})
VALUES = {
    "email": "lea@example.fr",
    "name": "Léa Martin",
    "postal_address": "3 rue des Lilas, Lyon",
    "invoices": "F-1:129.00",
}


@attrs.define
class ModelRecord:
    subject: SubjectId
    kind: str
    due: datetime
    values: dict[str, str]
    gone: bool = False


@attrs.define
class ModelPerson:
    collected: datetime
    invoicing: bool
    values: dict[str, str]
    erasing: bool = False
    erased: bool = False

    def invoicing_hold_ends(self) -> datetime:
        # The example keeps invoicing data ten years from the close of the financial
        # year of collection (31 December; Code de commerce L123-22).
        return FinancialYearEnd().close_after(self.collected) + TEN_YEARS


class ErasureMachine(RuleBasedStateMachine):
    people = Bundle("people")
    records = Bundle("records")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock()
        self.crm: Controller = make_controller(clock=self.clock)
        self.model: dict[SubjectId, ModelPerson] = {}
        self.model_records: dict[RecordId, ModelRecord] = {}
        self.backups: list[dict[tuple[str, str], tuple[SubjectId, str, bytes, Any]]] = []

    # -- operations ------------------------------------------------------------------

    @rule(target=people, invoicing=st.booleans(), extra=st.booleans())
    def add_customer(self, invoicing: bool, extra: bool) -> SubjectId:
        purposes = ["customer-relationship", *(["invoicing"] if invoicing else [])]
        names = ["email", "name"] + (["postal_address"] if extra else [])
        if invoicing:
            names.append("invoices")
        values = {n: VALUES[n] for n in names}
        sid = self.crm.add_subject(values, "FR", purposes=purposes)
        self.model[sid] = ModelPerson(self.clock.now(), invoicing, values)
        return sid

    @rule(target=records, sid=people, invoice=st.booleans(), days_ago=st.integers(0, 700))
    def add_record(self, sid: SubjectId, invoice: bool, days_ago: int) -> RecordId:
        person = self.model[sid]
        kind = "invoice" if invoice and person.invoicing else "order"
        dated = self.clock.now() - timedelta(days=days_ago)
        values = (
            {"number": f"n-{len(self.model_records)}"}
            if kind == "invoice"
            else {"reference": f"c-{len(self.model_records)}"}
        )
        if person.erasing or person.erased:
            try:
                self.crm.add_record(sid, kind, values, dated=dated)
            except UnknownRecord:
                return RecordId.new()  # refused: nothing kept
            raise AssertionError("a record was added for a subject being erased")
        rid = self.crm.add_record(sid, kind, values, dated=dated)
        due = record_due(self.crm.declarations, self.crm.declarations.record_kind(kind), dated)
        self.model_records[rid] = ModelRecord(sid, kind, due, values)
        return rid

    @rule(rid=records)
    def delete_record(self, rid: RecordId) -> None:
        expected = self.model_records.get(rid)
        if expected is None or expected.gone:
            try:
                self.crm.delete_record(rid)
            except UnknownRecord:
                return
            raise AssertionError("a gone record was deleted again")
        held = expected.kind == "invoice" and expected.due > self.clock.now()
        if held:
            try:
                self.crm.delete_record(rid)
            except LegalHold:
                return
            raise AssertionError("a record held by law was deleted (Art. 17(3)(b))")
        self.crm.delete_record(rid)
        expected.gone = True

    @rule(sid=people)
    def erase(self, sid: SubjectId) -> None:
        person = self.model[sid]
        if person.erased:
            return
        self.crm.erase(sid)
        person.erasing = True
        self._apply_erasures([sid])  # the others' holds wait for the next sweep

    @rule(days=st.integers(1, 2000))
    def advance(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))

    @rule()
    def sweep(self) -> None:
        self.crm.sweep()
        now = self.clock.now()
        for r in self.model_records.values():
            if r.due <= now:
                r.gone = True  # Art. 5(1)(e): each record at its own end
        for _sid, person in self.model.items():
            if person.invoicing and not person.erased and now >= person.invoicing_hold_ends():
                person.values.pop("invoices", None)  # only invoicing used it
                person.invoicing = False
                if person.erasing:
                    for name in INVOICING_FIELDS:
                        person.values.pop(name, None)
        self._apply_erasures(list(self.model))  # the sweep resumes every erasure due

    @precondition(lambda self: len(self.backups) < 6)
    @rule()
    def backup(self) -> None:
        """Last night's copy of the data store: every envelope, as stored now."""
        copy: dict[tuple[str, str], tuple[SubjectId, str, bytes, Any]] = {}
        with self.crm.storage.unit_of_work(read_only=True) as uow:
            for sid in self.model:
                for f in uow.subjects.fields(sid):
                    copy[(str(sid), f.name)] = (sid, f.name, f.ciphertext, None)
                for r in uow.records.for_subject(sid):
                    field = f"record.{r.kind}"
                    copy[(str(sid), str(r.id))] = (sid, field, r.ciphertext, r.id.value)
        self.backups.append(copy)

    def _apply_erasures(self, subjects: list[SubjectId]) -> None:
        """The model of erasures under way at the clock's instant (Art. 17(3)(b))."""
        now = self.clock.now()
        for sid in subjects:
            person = self.model[sid]
            if not person.erasing or person.erased:
                continue
            held_values = person.invoicing and now < person.invoicing_hold_ends()
            keep = INVOICING_FIELDS if held_values else frozenset()
            person.values = {k: v for k, v in person.values.items() if k in keep}
            mine = [r for r in self.model_records.values() if r.subject == sid and not r.gone]
            for r in mine:
                if not (r.kind == "invoice" and r.due > now):
                    r.gone = True
            if not person.values and all(r.gone for r in mine):
                person.erased = True

    # -- invariants --------------------------------------------------------------------

    def _live(self, sid: SubjectId, item: str) -> bool:
        person = self.model[sid]
        if person.erased:
            return False
        if item in person.values:
            return True
        record = self.model_records.get(RecordId.parse(item)) if "-" in item else None
        return record is not None and not record.gone

    @invariant()
    def the_store_holds_exactly_what_the_model_keeps(self) -> None:
        for sid, person in self.model.items():
            status = self.crm.subject(sid).status
            assert (status is SubjectStatus.ERASED) is person.erased, (sid, status)
            if person.erased:
                continue
            assert self.crm.values(sid) == person.values
            kept = {
                str(rid)
                for rid, r in self.model_records.items()
                if r.subject == sid and not r.gone
            }
            assert {str(r.id) for r in self.crm.records(sid)} == kept
            for view in self.crm.records(sid):
                assert view.values == self.model_records[view.id].values

    @invariant()
    def no_earlier_copy_decrypts_what_is_gone(self) -> None:
        vault = self.crm.vault
        for copy in self.backups:
            for (sid_text, item), (sid, field, envelope, context) in copy.items():
                if self._live(sid, item):
                    vault.decrypt(sid, field, envelope, context)  # held or live: readable
                    continue
                try:
                    vault.decrypt(sid, field, envelope, context)
                except SubjectErased:  # the subject's key or the scope's: gone everywhere
                    continue
                raise AssertionError(f"{item} of {sid_text} decrypts from a backup")


ErasureMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestErasureMachine = ErasureMachine.TestCase


def test_the_machine_starts_from_the_shared_epoch() -> None:
    assert FrozenClock().now() == T0
