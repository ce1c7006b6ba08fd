"""The end-to-end demo: Atelier Lumière's CRM on the embedded SQLite default.

Run it with ``python -m gdprcrm demo`` (``--out DIR`` for an empty folder of your own;
a new temporary one otherwise). It runs on a frozen clock that only moves forward, so
the story is the same every time, and writes every document it produces to the folder.
The story is a sequence of small named steps (:data:`STEPS`). The people are fictional.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from dateutil.relativedelta import relativedelta

from gdprcrm.documents import build_notice, build_receipt, build_register, validate_notice
from gdprcrm.errors import GdprCrmError, InvalidInput, ProcessingRefused
from gdprcrm.examples.lumiere import declarations
from gdprcrm.model import (
    Channel,
    ConsentGiver,
    DataSource,
    RecordId,
    RequestKind,
    RestrictionGround,
    SubjectId,
)
from gdprcrm.policy import Decision, Outreach
from gdprcrm.service import Controller
from gdprcrm.signing import CertificateSigner
from gdprcrm.testing.clock import FrozenClock
from gdprcrm.vault import KeyFileKekSource, verify_certificate

__all__ = ["START", "STEPS", "Demo", "Say", "run_demo"]

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""Monday 5 January 2026, 10:00 in Lyon: when the story begins."""

Say = Callable[[str], None]


def _verdict(decision: Decision) -> str:
    word = "ALLOWED" if decision.allowed else ("GAP" if decision.is_gap else "REFUSED")
    why = ", ".join(str(r) for r in decision.reasons)
    return f"{word:8s} {why}"


class Demo:
    """The story's state: the Controller, its clock, the people met, what went wrong."""

    def __init__(self, say: Say, folder: Path) -> None:
        self.say = say
        self.folder = folder
        self.clock = FrozenClock(START)
        self.decl = declarations()
        self.signer = CertificateSigner.generate("atelier-lumiere-dpo")
        self.crm = Controller.open(
            folder / "crm.db",
            self.decl,
            kek=KeyFileKekSource.create(folder / "kek.key"),
            signer=self.signer,
            clock=self.clock,
            audit_key=b"demo audit key, kept out of the db!",
        )
        self.failures = 0
        self.people: dict[str, SubjectId] = {}
        self.records: dict[str, RecordId] = {}

    def check(self, label: str, decision: Decision, expected: bool) -> None:
        ok = decision.allowed is expected
        self.failures += 0 if ok else 1
        self.say(f"    {label:44s} {_verdict(decision)}{'' if ok else '   <-- UNEXPECTED'}")

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.failures += 1
            self.say(f"    UNEXPECTED: {what}")

    def write(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        return path

    def move_to(self, at: datetime) -> None:
        """Time only moves forward: the audit trail never goes back."""
        self.expect(at >= self.clock.now(), "the clock never goes backwards")
        self.clock.set(at)


def _declare(d: Demo) -> None:
    for p in d.decl.purposes:
        hold = f"; legal hold: {p.retention.legal_reference}" if p.retention.is_legal_hold else ""
        d.say(f"    - {p.id:22s} basis {p.basis.article:8s}{hold}")


def _collect(d: Demo) -> None:
    lea = d.crm.add_subject(
        {
            "email": "lea.martin@example.fr",
            "name": "Léa Martin",
            "postal_address": "3 rue des Lilas, 69003 Lyon",
        },
        "FR",
        purposes=["customer-relationship", "invoicing", "newsletter"],
        birth_date=date(1988, 4, 12),
    )
    # Records: any number per person, each with its own retention and key.
    order = d.crm.add_record(lea, "order", {"reference": "C-2026-017", "items": "lampe atelier"})
    invoice = d.crm.add_record(lea, "invoice", {"number": "F-2026-001", "amount": "129.00"})
    d.records.update(order=order, invoice=invoice)
    hugo = d.crm.add_subject(
        {"email": "hugo.bernard@boutique.example", "name": "Hugo Bernard", "company": "Lumen"},
        "FR",
        purposes=["prospecting"],
        source=DataSource("liste des visiteurs du salon Maison & Objet 2026"),
    )
    d.people.update(lea=lea, hugo=hugo)
    d.say(f"    customer Léa  -> opaque id {lea}")
    for view in d.crm.records(lea):
        held = " (held by law)" if view.held else ""
        d.say(f"      her {view.kind:7s} kept until {view.due_at:%Y-%m-%d}{held}")
    d.say(f"    prospect Hugo -> opaque id {hugo} (from a trade-fair list: Art. 14 notice due)")
    try:
        d.crm.add_subject(
            {"email": "x@example.fr", "invoices": "F-1"}, "FR", purposes=["newsletter"]
        )
    except GdprCrmError as exc:
        d.say(f"    refused: {type(exc).__name__}: {exc}")
    found = d.crm.find_subject(email="  LEA.MARTIN@example.fr ")
    d.say(f"    looked up by e-mail through the blind index: {found == [lea]}")
    d.expect(found == [lea], "blind-index lookup")
    raw = b"".join(p.read_bytes() for p in d.folder.glob("crm.db*"))
    d.say(f"    'lea.martin' in the database files, in clear: {b'lea.martin' in raw}")
    d.expect(b"lea.martin" not in raw, "plaintext at rest")


def _consent(d: Demo) -> None:
    lea = d.people["lea"]
    d.check("Léa / newsletter, before consenting", d.crm.decide(lea, "newsletter"), False)
    given = d.crm.give_consent(
        lea, "newsletter", channel="web-form", evidence={"form": "newsletter-signup"}
    )
    receipt = d.write("consent-receipt.json", build_receipt(given, d.decl, d.signer))
    d.check("Léa / newsletter, after consenting", d.crm.decide(lea, "newsletter"), True)
    d.say(f"    receipt (Kantara CR v1.1 shape, Ed25519-signed): {receipt}")
    teen = d.crm.add_subject(
        {"email": "jade@example.fr"}, "FR", purposes=["newsletter"], birth_date=date(2011, 9, 1)
    )
    d.crm.give_consent(teen, "newsletter", channel="web-form")
    d.check("a 14-year-old alone (France: jointly)", d.crm.decide(teen, "newsletter"), False)
    d.crm.give_consent(
        teen, "newsletter", channel="paper-form", given_by=ConsentGiver.PARENTAL_RESPONSIBILITY
    )
    d.check("the same with a parent (Art. 8)", d.crm.decide(teen, "newsletter"), True)


def _withdraw(d: Demo) -> None:
    lea = d.people["lea"]
    with d.crm.processing(lea, "newsletter"):
        d.say("    newsletter sent to Léa (the guard allowed it and audited it)")
    d.move_to(START + relativedelta(days=20))
    d.crm.withdraw_consent(lea, "newsletter", channel="unsubscribe-link")
    try:
        with d.crm.processing(lea, "newsletter"):
            d.expect(False, "processing after withdrawal")
    except ProcessingRefused as refused:
        d.say(f"    after withdrawal the guard refuses: {refused}")
    d.check("Léa / newsletter, as of 5 January", d.crm.decide(lea, "newsletter", START), True)


def _marketing(d: Demo) -> None:
    lea, hugo = d.people["lea"], d.people["hugo"]
    # Léa, a customer, agrees to offers like her purchases: e-mail without prior consent
    # (CPCE L34-5), calls on working days 10:00-13:00 and 14:00-20:00 (décret 2022-1313).
    d.crm.add_purposes(lea, ["customer-offers"], values={"phone": "06 12 34 56 78"})
    email = Outreach(Channel.EMAIL, "email")
    d.check("Léa / offers by e-mail", d.crm.decide(lea, "customer-offers", outreach=email), True)
    call = Outreach(Channel.PHONE_CALL, "phone", opposition_listed=False)  # Bloctel consulted
    monday, evening = (datetime(2026, 1, 26, h, m, tzinfo=UTC) for h, m in ((9, 0), (19, 30)))
    d.check(
        "Léa / offers by phone, Monday 10:00 in Lyon",
        d.crm.decide(lea, "customer-offers", monday, outreach=call),
        True,
    )
    late = d.crm.decide(lea, "customer-offers", evening, outreach=call)
    d.check("Léa / offers by phone, Monday 20:30 in Lyon", late, False)
    d.say(f"      sources: {'; '.join(late.sources)}")
    # Hugo, a professional buyer: e-mail about his trade is allowed until he objects,
    # which one click on the link in any message does (RFC 8058).
    d.check(
        "Hugo / prospecting by e-mail", d.crm.decide(hugo, "prospecting", outreach=email), True
    )
    link = d.crm.unsubscribe_token(hugo, "prospecting", channel="e-mail")
    d.say(f"    Hugo clicks the unsubscribe link: {d.crm.unsubscribe(link)}")
    d.check(
        "Hugo / prospecting after one click",
        d.crm.decide(hugo, "prospecting", outreach=email),
        False,
    )


def _requests(d: Demo) -> None:
    lea = d.people["lea"]
    d.move_to(datetime(2026, 1, 31, 9, 0, tzinfo=UTC))
    request = d.crm.receive_request(lea, RequestKind.ACCESS)
    d.say(
        f"    access request received on 31 January: due {request.due_at:%A %d %B %Y}"
        " (28 February is a Saturday)"
    )
    report = json.dumps(d.crm.access_report(lea), ensure_ascii=False, indent=2)
    d.write("access-report.json", report)
    d.write("export.json", d.crm.export(lea))
    d.write("export.csv", d.crm.export(lea, fmt="csv"))
    d.say(f"    wrote {d.folder / 'access-report.json'}, export.json and export.csv")


def _restriction(d: Demo) -> None:
    lea = d.people["lea"]
    d.crm.restrict(lea, RestrictionGround.ACCURACY_CONTESTED)
    d.check("Léa / customer-relationship", d.crm.decide(lea, "customer-relationship"), False)


def _erasure_with_hold(d: Demo) -> None:
    lea = d.people["lea"]
    with d.crm.storage.unit_of_work(read_only=True) as uow:  # last night's backup, say
        backup = {r.kind: r for r in uow.records.for_subject(lea)}
        email = uow.subjects.fields(lea, ["email"])[0]
    outcome = d.crm.erase(lea)
    for f in outcome.plan.fields:
        if f.hold and f.until:
            reason = f"held ({f.hold.value}: {f.legal_reference}) until {f.until:%Y-%m-%d}"
        else:
            reason = "held" if f.hold else "erased now"
        d.say(f"    {f.field:18s} {reason}")
    for r in outcome.plan.records:
        reason = (
            f"held ({r.hold}: {r.legal_reference}) until {r.until:%Y-%m-%d}"
            if r.until
            else "erased now"
        )
        d.say(f"    record {r.kind:11s} {reason}")
    order = backup["order"]
    try:
        d.crm.vault.decrypt(lea, "record.order", order.ciphertext, order.id.value)
        readable = True
    except GdprCrmError:
        readable = False
    try:
        d.crm.vault.decrypt(lea, "email", email.ciphertext)
        email_readable = True
    except GdprCrmError:
        email_readable = False
    d.say(
        "    from yesterday's backup: the order readable? "
        f"{readable}; the e-mail? {email_readable} (their keys are destroyed)"
    )
    d.expect(not readable and not email_readable, "erased data unreadable in backups")
    d.say(f"    recipients to notify (Art. 19): {', '.join(outcome.recipients) or 'none'}")
    d.check("Léa / invoicing: held, still restricted", d.crm.decide(lea, "invoicing"), False)
    d.check("Léa / newsletter, pending erasure", d.crm.decide(lea, "newsletter"), False)
    invoice_end = d.crm.record(d.records["invoice"]).due_at  # 10 years from the year's close
    d.move_to(invoice_end + relativedelta(days=1))
    done = d.crm.sweep()
    d.say(
        f"    after the invoice's ten years, the sweep completes {done.erasures_completed}"
        " erasure(s)"
        f" and applies {done.erased + done.flagged} other retention rule(s)"
    )
    d.say(f"    Léa is now '{d.crm.subject(lea).status.value}'; her values: {d.crm.values(lea)}")
    d.expect(d.crm.values(lea) == {}, "values after erasure")


def _certificate(d: Demo) -> None:
    d.move_to(d.clock.now() + relativedelta(days=1))
    sub = d.crm.add_subject(
        {"email": "ines@example.fr", "name": "Inès"}, "FR", purposes=["newsletter"]
    )
    erasure = d.crm.erase(sub)
    if erasure.certificate is None:
        d.expect(False, "a certificate for a completed erasure")
        return
    cert = d.write("erasure-certificate.json", erasure.certificate.to_json())
    verify_certificate(cert.read_text(encoding="utf-8"), d.signer.public_key)
    d.write("controller-public-key.pem", d.signer.public_pem().decode())
    d.say(f"    certificate verified with the public key alone: {cert}")


def _recipients(d: Demo) -> None:
    queued = d.crm.pending_notifications()
    for n in queued:
        d.say(f"    {n.event.value:12s} -> {n.recipient_id:22s} about {n.subject_id}")
    d.crm.notifications_sent([n.id for n in queued])  # ... once the host has sent them
    pending = d.crm.pending_notifications()
    d.say(f"    {len(queued)} notification(s) reported sent; pending now: {len(pending)}")
    d.expect(bool(queued) and not pending, "Art. 19 queue")


def _documents(d: Demo) -> None:
    register = build_register(d.decl, updated_at=d.clock.now())
    d.write("register.md", register.to_markdown())
    d.write("register.csv", register.to_csv())
    notice_fr = build_notice(d.decl, "fr")
    validate_notice(notice_fr, d.decl)
    d.write("notice.fr.md", notice_fr.to_markdown())
    d.write("notice.fr.html", notice_fr.to_html())
    d.write("notice.en.md", build_notice(d.decl, "en").to_markdown())
    d.say(
        f"    register: {len(register.activities)} activities, "
        f"{'complete' if register.complete else 'INCOMPLETE'}; notice version "
        f"{notice_fr.version}"
    )
    d.say("    wrote register.md, register.csv, notice.fr.md, notice.fr.html, notice.en.md")
    d.expect(register.complete, "register complete")


def _audit(d: Demo) -> None:
    checkpoint = d.crm.checkpoint()  # filed in crm.db.checkpoints; a copy to ship away
    if checkpoint is None:
        d.expect(False, "an audit trail")
        return
    d.write("audit-checkpoint.json", checkpoint.to_json())
    verification = d.crm.verify_audit(checkpoint=checkpoint)
    d.say(
        f"    {verification.checked} entries, chain intact up to the signed checkpoint: "
        f"{verification.ok}; checkpoints filed after each erasure in crm.db.checkpoints, "
        "a copy to ship away in audit-checkpoint.json"
    )
    d.expect(verification.ok, "audit chain")
    certificates = d.crm.verify_certificates()
    d.say(
        f"    {certificates.checked} trail entries name an erasure certificate: every one "
        f"kept, its subject's and signed: {certificates.ok}"
    )
    d.expect(certificates.ok and certificates.checked > 0, "erasure certificates")


STEPS: tuple[tuple[str, Callable[[Demo], None]], ...] = (
    ("1. One declaration: the controller, its fields and purposes (lumiere.toml)", _declare),
    ("2. Collecting people: only what a purpose needs, encrypted (Art. 5(1)(c), 32)", _collect),
    ("3. Consent, one purpose at a time, with a signed receipt (Art. 7(1)-(2))", _consent),
    ("4. Processing behind a guard; withdrawal as easy as consent (Art. 7(3))", _withdraw),
    (
        "5. Direct marketing per channel: calling hours, one-click unsubscribe (Art. 21; "
        "2002/58/EC art. 13; CPCE L34-5; C. conso. L223-1)",
        _marketing,
    ),
    ("6. Requests: due dates per Art. 12(3), access and portability (Art. 15, 20)", _requests),
    ("7. Restriction while accuracy is contested (Art. 18)", _restriction),
    (
        "8. Erasure: the invoice is held 10 years, the rest goes now, backups too (Art. 17)",
        _erasure_with_hold,
    ),
    ("9. A newsletter-only subscriber erased at once, with a signed certificate", _certificate),
    (
        "9b. Every recipient is told of each change, and the sending is recorded (Art. 19)",
        _recipients,
    ),
    ("10. The register and the notice, from the same declaration (Art. 30, 13, 14)", _documents),
    ("11. The audit trail verifies, and a signed checkpoint anchors it (Art. 5(2))", _audit),
)
"""The story, step by step: (title, step)."""


def run_demo(say: Say = print, folder: Path | None = None) -> int:
    """Tell the story through ``say``; return the number of unexpected outcomes (0)."""
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="gdprcrm-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise InvalidInput(f"the demo needs an empty folder; {folder} is not empty")
    demo = Demo(say, folder)
    say("gdprcrm demo - Atelier Lumière SARL, a lamp maker in Lyon, and its CRM.")
    say(f"Working in {folder} (SQLite records in crm.db, keys in crm.db.keys.db).")
    say(f"Clock frozen at {demo.clock.now():%Y-%m-%d %H:%M} UTC. All people are fictional.")
    try:
        for title, step in STEPS:
            say("")
            say(f"== {title}")
            step(demo)
    finally:
        demo.crm.close()
    say("")
    if demo.failures:
        say(f"{demo.failures} step(s) did not give the expected answer.")
    else:
        say(f"Every step came out as the GDPR requires. The files are in {folder}.")
    return demo.failures
