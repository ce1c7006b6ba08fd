"""Profile values in key scopes (Art. 17, 5(1)(e)): whatever an erasure or a retention
sweep removes while other data stays held is also unreadable in every earlier copy of
the data store, because its key scope is destroyed; the held values stay readable."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.errors import ScopeErased, SubjectErased
from gdprcrm.examples import lumiere
from gdprcrm.interactions import InteractionLog
from gdprcrm.model import Declarations, Direction, InteractionKind, PersonalField, SubjectId
from gdprcrm.policy.scopes import value_group
from gdprcrm.service import Controller
from gdprcrm.testing import FrozenClock
from gdprcrm.testing import strategies as gst

CUSTOMER = {
    "email": "lea.martin@example.fr",
    "name": "Léa Martin",
    "postal_address": "3 rue des Lilas, 69003 Lyon",
    "invoices": "F-2026-001:129.00",
}


def _backup(crm: Controller, sid: SubjectId) -> dict[str, PersonalField]:
    """The subject's stored fields, as last night's data-store backup holds them."""
    with crm.storage.unit_of_work(read_only=True) as uow:
        return {f.name: f for f in uow.subjects.fields(sid)}


def _read(crm: Controller, field: PersonalField) -> str | bytes:
    return crm.vault.decrypt(field.subject_id, field.name, field.ciphertext)


def test_an_erasure_with_holds_destroys_the_erased_values_in_every_copy(
    crm: Controller,
) -> None:
    sid = crm.add_subject(
        CUSTOMER,
        "FR",
        purposes=["customer-relationship", "invoicing"],
        birth_date=date(1990, 1, 1),
    )
    with crm.storage.unit_of_work() as uow:
        said = InteractionLog(crm.vault).record(
            uow,
            sid,
            at=crm.clock.now(),
            kind=InteractionKind.CONTACT,
            direction=Direction.INBOUND,
            purpose_id="customer-relationship",
            channel="phone",
            content="Léa called about her order",
        )
        uow.commit()
    backup = _backup(crm, sid)
    outcome = crm.erase(sid)
    assert not outcome.completed  # name, address and invoices are held (Art. 17(3)(b))
    for gone in ("email", "gdprcrm_birth_date"):
        with pytest.raises(ScopeErased):
            _read(crm, backup[gone])
    assert said.content is not None
    with pytest.raises(ScopeErased):
        crm.vault.decrypt(sid, "interaction.content", said.content, said.id)
    for held in ("name", "postal_address", "invoices"):
        assert _read(crm, backup[held]) == CUSTOMER[held]
    assert crm.values(sid) == {k: CUSTOMER[k] for k in ("name", "postal_address", "invoices")}


def test_a_purpose_that_expires_takes_its_own_values_out_of_every_copy(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa", "newsletter_clicks": "3"},
        "FR",
        purposes=["newsletter", "customer-relationship"],
    )
    crm.give_consent(sid, "newsletter", channel="web-form")
    backup = _backup(crm, sid)
    clock.advance(timedelta(days=3 * 366 + 1))  # newsletter: 3 years from the last contact
    assert crm.sweep().erased == 1
    with pytest.raises(ScopeErased):  # only the newsletter used it
        _read(crm, backup["newsletter_clicks"])
    assert _read(crm, backup["email"]) == "lea@example.fr"  # still needed by the contract
    assert crm.values(sid) == {"email": "lea@example.fr", "name": "Léa"}


def test_values_of_one_fate_share_one_key_scope_and_keys_stay_few(crm: Controller) -> None:
    sid = crm.add_subject(CUSTOMER, "FR", purposes=["customer-relationship", "invoicing"])
    stored = _backup(crm, sid)
    scopes = {name: crm.vault.scope_of(f.ciphertext) for name, f in stored.items()}
    decl = crm.declarations
    for a in stored:
        for b in stored:
            same = value_group(decl, a) == value_group(decl, b)
            assert (scopes[a] == scopes[b]) is same
    crm.update(sid, {"email": "lea.new@example.fr"})  # a later write joins its group
    assert crm.vault.scope_of(_backup(crm, sid)["email"].ciphertext) == scopes["email"]


def test_a_value_sharing_a_doomed_scope_after_a_declarations_change_is_moved_first(
    crm: Controller,
) -> None:
    # Stored when e-mail and phone shared a fate (one scope); the declarations changed
    # since, and only the phone goes: the e-mail must survive its old scope's shred.
    sid = crm.add_subject({"name": "Léa"}, "FR", purposes=["customer-relationship"])
    shared = uuid.uuid4()
    now = crm.clock.now()
    old = {
        name: PersonalField(sid, name, crm.vault.encrypt_scoped(sid, shared, name, value), now)
        for name, value in (("email", "lea@example.fr"), ("phone", "+33 6 12 34 56 78"))
    }
    with crm.storage.unit_of_work() as uow:
        uow.subjects.put_fields(list(old.values()))
        uow.commit()
    with crm.storage.unit_of_work() as uow:
        certificate = crm._k.forget_values(uow, sid, ["phone"], now)  # what workflows call
        uow.commit()
    assert certificate is not None
    assert str(shared) in certificate.scopes
    with pytest.raises(ScopeErased):
        _read(crm, old["phone"])
    with pytest.raises(ScopeErased):  # the old copy of the e-mail went with its scope
        _read(crm, old["email"])
    assert crm.values(sid) == {"name": "Léa", "email": "lea@example.fr"}  # moved first
    moved = _backup(crm, sid)["email"]
    assert crm.vault.scope_of(moved.ciphertext) not in (None, shared)


def test_the_subjects_own_erasure_needs_one_key_whatever_the_scopes(crm: Controller) -> None:
    values = {k: CUSTOMER[k] for k in ("email", "name", "postal_address")}
    sid = crm.add_subject(values, "FR", purposes=["customer-relationship"])
    backup = _backup(crm, sid)
    outcome = crm.erase(sid)
    assert outcome.completed
    assert outcome.certificate is not None
    assert len(outcome.certificate.destroyed) == 1  # the subject's key: every scope with it
    for field in backup.values():
        with pytest.raises(SubjectErased):
            _read(crm, field)


@given(gst.declarations())
def test_fields_share_a_group_exactly_when_the_same_purposes_use_them(
    decl: Declarations,
) -> None:
    names = [f.name for f in decl.fields]
    users = {n: frozenset(p.id for p in decl.purposes if n in p.field_names) for n in names}
    for a in names:
        for b in names:
            same_users = users[a] == users[b] and bool(users[a])
            if same_users:
                assert value_group(decl, a) == value_group(decl, b)
            elif users[a] != users[b]:
                assert value_group(decl, a) != value_group(decl, b)


@given(st.sampled_from([p.id for p in lumiere.declarations().purposes]))
def test_a_group_label_names_only_declared_purposes(purpose_id: str) -> None:
    decl = lumiere.declarations()
    for f in decl.purpose(purpose_id).fields:
        assert purpose_id in value_group(decl, f.name).removeprefix("purposes:").split("+")
    assert value_group(decl, "gdprcrm_birth_date") == "field:gdprcrm_birth_date"
