"""The end-to-end demo: Atelier Lumière's CRM on the embedded SQLite default.

Run it with ``python -m gdprcrm demo``. It works in a fresh folder (a temporary one
unless ``--dir`` is given), on a frozen clock so the story is the same every time, and
writes every document it produces there. The people are fictional.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from dateutil.relativedelta import relativedelta

from gdprcrm.audit import sign_checkpoint
from gdprcrm.documents import build_notice, build_receipt, build_register, validate_notice
from gdprcrm.errors import GdprCrmError, InvalidInput
from gdprcrm.examples.lumiere import declarations
from gdprcrm.model import ConsentGiver, DataSource, RequestKind, RestrictionGround
from gdprcrm.policy import Decision
from gdprcrm.service import Controller, ProcessingRefused
from gdprcrm.testing.clock import FrozenClock
from gdprcrm.vault import CertificateSigner, KeyFileKekSource, verify_certificate

__all__ = ["START", "Say", "run_demo"]

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""Monday 5 January 2026, 10:00 in Lyon: when the story begins."""

Say = Callable[[str], None]


def _verdict(decision: Decision) -> str:
    word = "ALLOWED" if decision.allowed else ("GAP" if decision.is_gap else "REFUSED")
    why = ", ".join(f"{r.code} (Art. {r.article})" for r in decision.reasons)
    return f"{word:8s} {why}"


def run_demo(say: Say = print, folder: Path | None = None) -> int:
    """Tell the story through ``say``; return the number of unexpected outcomes (0)."""
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="gdprcrm-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise InvalidInput(f"the demo needs an empty folder; {folder} is not empty")
    clock = FrozenClock(START)
    decl = declarations()
    signer = CertificateSigner.generate("atelier-lumiere-dpo")
    crm = Controller.open(
        folder / "crm.db",
        decl,
        kek=KeyFileKekSource.create(folder / "kek.key"),
        signer=signer,
        clock=clock,
        audit_key=b"demo audit key, kept out of the db!",
    )
    failures = 0

    def check(label: str, decision: Decision, expected: bool) -> None:
        nonlocal failures
        ok = decision.allowed is expected
        failures += 0 if ok else 1
        say(f"    {label:44s} {_verdict(decision)}{'' if ok else '   <-- UNEXPECTED'}")

    def expect(condition: bool, what: str) -> None:
        nonlocal failures
        if not condition:
            failures += 1
            say(f"    UNEXPECTED: {what}")

    def write(name: str, text: str) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    def step(title: str) -> None:
        say("")
        say(f"== {title}")

    say("gdprcrm demo - Atelier Lumière SARL, a lamp maker in Lyon, and its CRM.")
    say(f"Working in {folder} (SQLite records in crm.db, keys in crm.db.keys.db).")
    say(f"Clock frozen at {clock.now():%Y-%m-%d %H:%M} UTC. All people are fictional.")

    step("1. One declaration: the controller, its fields and purposes (lumiere.toml)")
    for p in decl.purposes:
        hold = f"; legal hold: {p.retention.legal_reference}" if p.retention.is_legal_hold else ""
        say(f"    - {p.id:22s} basis {p.basis.article:8s}{hold}")

    step("2. Collecting people: only what a purpose needs, encrypted (Art. 5(1)(c), 32)")
    lea = crm.add_subject(
        {
            "email": "lea.martin@example.fr",
            "name": "Léa Martin",
            "postal_address": "3 rue des Lilas, 69003 Lyon",
            "orders": "lampe-atelier-12",
            "invoices": "F-2026-001 129,00 EUR",
        },
        "FR",
        purposes=["customer-relationship", "invoicing", "newsletter"],
        birth_date=date(1988, 4, 12),
    )
    hugo = crm.add_subject(
        {
            "email": "hugo.bernard@boutique.example",
            "name": "Hugo Bernard",
            "company": "Boutique Lumen",
        },
        "FR",
        purposes=["prospecting"],
        source=DataSource("liste des visiteurs du salon Maison & Objet 2026"),
    )
    say(f"    customer Léa  -> opaque id {lea}")
    say(f"    prospect Hugo -> opaque id {hugo} (from a trade-fair list: Art. 14 notice due)")
    try:
        crm.add_subject(
            {"email": "x@example.fr", "invoices": "F-1"}, "FR", purposes=["newsletter"]
        )
    except GdprCrmError as exc:
        say(f"    refused: {type(exc).__name__}: {exc}")
    found = crm.find_subject(email="  LEA.MARTIN@example.fr ")
    say(f"    looked up by e-mail through the blind index: {found == [lea]}")
    expect(found == [lea], "blind-index lookup")
    raw = b"".join(p.read_bytes() for p in folder.glob("crm.db*"))
    say(f"    'lea.martin' in the database files, in clear: {b'lea.martin' in raw}")
    expect(b"lea.martin" not in raw, "plaintext at rest")

    step("3. Consent, one purpose at a time, with a signed receipt (Art. 7(1)-(2))")
    check("Léa / newsletter, before consenting", crm.decide(lea, "newsletter"), False)
    consent = crm.give_consent(
        lea, "newsletter", channel="web-form", evidence={"form": "newsletter-signup"}
    )
    receipt = write("consent-receipt.json", build_receipt(consent, decl, signer))
    check("Léa / newsletter, after consenting", crm.decide(lea, "newsletter"), True)
    say(f"    receipt (Kantara CR v1.1 shape, Ed25519-signed): {receipt}")
    teen = crm.add_subject(
        {"email": "jade@example.fr"}, "FR", purposes=["newsletter"], birth_date=date(2011, 9, 1)
    )
    crm.give_consent(teen, "newsletter", channel="web-form")
    check("a 14-year-old alone (France: jointly)", crm.decide(teen, "newsletter"), False)
    crm.give_consent(
        teen, "newsletter", channel="paper-form", given_by=ConsentGiver.PARENTAL_RESPONSIBILITY
    )
    check("the same with a parent (Art. 8)", crm.decide(teen, "newsletter"), True)

    step("4. Processing behind a guard; withdrawal as easy as consent (Art. 7(3))")
    with crm.processing(lea, "newsletter"):
        say("    newsletter sent to Léa (the guard allowed it and audited it)")
    clock.advance(days=40)
    crm.withdraw_consent(lea, "newsletter", channel="unsubscribe-link")
    try:
        with crm.processing(lea, "newsletter"):
            expect(False, "processing after withdrawal")
    except ProcessingRefused as refused:
        say(f"    after withdrawal the guard refuses: {refused}")
    check("Léa / newsletter, as of last month", crm.decide(lea, "newsletter", START), True)

    step("5. Objection to direct marketing: absolute (Art. 21(2)-(3))")
    check("Hugo / prospecting", crm.decide(hugo, "prospecting"), True)
    crm.object(hugo, direct_marketing=True)
    check("Hugo / prospecting after objecting", crm.decide(hugo, "prospecting"), False)

    step("6. Requests: due dates per Art. 12(3), access and portability (Art. 15, 20)")
    clock.set(datetime(2026, 1, 31, 9, 0, tzinfo=UTC))
    request = crm.receive_request(lea, RequestKind.ACCESS)
    say(
        f"    access request received on 31 January: due {request.due_at:%A %d %B %Y}"
        " (28 February is a Saturday)"
    )
    write("access-report.json", json.dumps(crm.access_report(lea), ensure_ascii=False, indent=2))
    write("export.json", crm.export(lea))
    write("export.csv", crm.export(lea, fmt="csv"))
    say(f"    wrote {folder / 'access-report.json'}, export.json and export.csv")

    step("7. Restriction while accuracy is contested (Art. 18)")
    crm.restrict(lea, RestrictionGround.ACCURACY_CONTESTED)
    check("Léa / customer-relationship", crm.decide(lea, "customer-relationship"), False)

    step("8. Erasure: the invoices are held 10 years, the rest goes now (Art. 17(3)(b))")
    outcome = crm.erase(lea)
    for f in outcome.plan.fields:
        reason = (
            f"held ({f.hold.value}: {f.legal_reference}) until {f.until:%Y-%m-%d}"
            if f.hold and f.until
            else "held"
            if f.hold
            else "erased now"
        )
        say(f"    {f.field:18s} {reason}")
    say(f"    recipients to notify (Art. 19): {', '.join(outcome.recipients) or 'none'}")
    check("Léa / invoicing, pending erasure", crm.decide(lea, "invoicing"), False)
    done = crm.sweep(at=START + relativedelta(years=10, days=1))
    say(
        f"    ten years later, the sweep completes {done.erasures_completed} erasure(s)"
        f" and applies {done.erased + done.flagged} other retention rule(s)"
    )
    with crm.storage.unit_of_work(read_only=True) as uow:
        erased = uow.subjects.get(lea).status.value
    say(f"    Léa is now '{erased}'; her values: {crm.values(lea)}")
    expect(crm.values(lea) == {}, "values after erasure")

    step("9. A newsletter-only subscriber erased at once, with a signed certificate")
    clock.set(START + relativedelta(years=10, days=2))
    sub = crm.add_subject(
        {"email": "ines@example.fr", "name": "Inès"}, "FR", purposes=["newsletter"]
    )
    erasure = crm.erase(sub)
    assert erasure.certificate is not None
    cert = write("erasure-certificate.json", erasure.certificate.to_json())
    verify_certificate(cert.read_text(encoding="utf-8"), signer.public_key)
    write("controller-public-key.pem", signer.public_pem().decode())
    say(f"    certificate verified with the public key alone: {cert}")

    step("9b. Every recipient is told of each change, and the sending is recorded (Art. 19)")
    queued = crm.pending_notifications()
    for n in queued:
        say(f"    {n.event.value:12s} -> {n.recipient_id:22s} about {n.subject_id}")
        crm.notification_sent(n.id)  # ... after the host's transport has sent it
    say(
        f"    {len(queued)} notification(s) reported sent; pending now: "
        f"{len(crm.pending_notifications())}"
    )
    expect(bool(queued) and not crm.pending_notifications(), "Art. 19 queue")

    step("10. The register and the notice, from the same declaration (Art. 30, 13, 14)")
    register = build_register(decl, updated_at=clock.now())
    write("register.md", register.to_markdown())
    write("register.csv", register.to_csv())
    notice_fr = build_notice(decl, "fr")
    validate_notice(notice_fr, decl)
    write("notice.fr.md", notice_fr.to_markdown())
    write("notice.fr.html", notice_fr.to_html())
    write("notice.en.md", build_notice(decl, "en").to_markdown())
    say(
        f"    register: {len(register.activities)} activities, "
        f"{'complete' if register.complete else 'INCOMPLETE'}; notice version "
        f"{notice_fr.version}"
    )
    say("    wrote register.md, register.csv, notice.fr.md, notice.fr.html, notice.en.md")
    expect(register.complete, "register complete")

    step("11. The audit trail verifies, and a signed checkpoint anchors it (Art. 5(2))")
    verification = crm.verify_audit()
    with crm.storage.unit_of_work(read_only=True) as uow:
        head = uow.audit.head()
    assert head is not None
    write("audit-checkpoint.json", sign_checkpoint(head, signer, clock.now()).to_json())
    say(
        f"    {verification.checked} entries, chain intact: {verification.ok}; "
        "checkpoint in audit-checkpoint.json"
    )
    expect(verification.ok, "audit chain")
    crm.close()

    say("")
    if failures:
        say(f"{failures} step(s) did not give the expected answer.")
    else:
        say(f"Every step came out as the GDPR requires. The files are in {folder}.")
    return failures
