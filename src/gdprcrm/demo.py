"""The end-to-end demo: a French CRM scenario told step by step, in plain words.

Run it with ``python -m gdprcrm demo``. Everything happens in memory on a frozen
clock, so the story is the same every time. The people are fictional and are named
only by role: gdprcrm refers to people by opaque ids.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import attrs
from dateutil.relativedelta import relativedelta

from gdprcrm.audit import AuditChain
from gdprcrm.audit import verify as verify_chain
from gdprcrm.documents import (
    build_notice,
    build_receipt,
    build_register,
    validate_notice,
    verify_receipt,
)
from gdprcrm.examples.lumiere import declarations
from gdprcrm.model import (
    AnchorEvent,
    AuditEntry,
    ConsentGiven,
    ConsentGiver,
    DataSource,
    Declarations,
    LegalBasis,
    NoticeVersion,
    Objection,
    Purpose,
    Restriction,
    RestrictionGround,
    RetentionRule,
    Subject,
    SubjectId,
    SubjectStatus,
    format_period,
)
from gdprcrm.policy import Decision, Operation, SubjectState, decide
from gdprcrm.testing.clock import FrozenClock
from gdprcrm.vault import CertificateSigner

__all__ = ["START", "Say", "run_demo"]

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""Monday 5 January 2026, 10:00 in Lyon: when the story begins."""

Say = Callable[[str], None]


def _verdict(decision: Decision) -> str:
    word = "ALLOWED" if decision.allowed else ("GAP" if decision.is_gap else "REFUSED")
    why = ", ".join(f"{r.code} (Art. {r.article})" for r in decision.reasons)
    return f"{word:8s} {why}"


def run_demo(say: Say = print) -> int:
    """Tell the story through ``say``; return the number of checks that failed (0)."""
    clock = FrozenClock(START)
    decl = declarations()
    notice = decl.notices[-1].version
    purposes = decl.purposes
    failures = 0

    def check(label: str, decision: Decision, expected: bool) -> None:
        nonlocal failures
        ok = decision.allowed is expected
        failures += 0 if ok else 1
        say(f"    {label:46s} {_verdict(decision)}{'' if ok else '   <-- UNEXPECTED'}")

    def step(title: str) -> None:
        say("")
        say(f"== {title}")

    say("gdprcrm demo - Atelier Lumière SARL, a lamp maker in Lyon, and its CRM.")
    say(f"Clock frozen at {clock.now():%Y-%m-%d %H:%M} UTC. All people are fictional.")

    step("1. One declaration of the controller, its fields and its purposes (Art. 30)")
    say("    (gdprcrm/examples/lumiere.toml: the register and the notice come from it too)")
    info = decl.controller
    say(
        f"    Controller: {info.name} ({info.registration}); "
        f"DPO: {info.dpo.email if info.dpo else '-'}"
    )
    say(f"    Complaints: {info.supervisory_authority.name}")
    for p in decl.purposes:
        rule = p.retention
        hold = f", legal hold: {rule.legal_reference}" if rule.is_legal_hold else ""
        say(
            f"    - {p.id:22s} basis {p.basis.article:8s} keep {format_period(rule.period):5s}"
            f" from {rule.anchor.value}{hold}"
        )
    say("    Invalid purposes cannot even be built: legitimate interests without an LIA,")
    say("    health data without an Art. 9(2) condition, unlawful automated decisions...")
    try:
        Purpose(
            "profiling",
            "Profiling",
            LegalBasis.LEGITIMATE_INTERESTS,
            decl.purposes[0].fields,
            RetentionRule(relativedelta(years=1)),
        )
    except ValueError as exc:
        say(f"    refused: {type(exc).__name__}: {str(exc).splitlines()[0]}")

    step("2. Collecting people: only for declared purposes (Art. 5(1)(b), 13, 14)")
    customer = Subject(
        SubjectId.new(),
        "FR",
        clock.now(),
        purposes={"customer-relationship", "invoicing", "after-sales", "newsletter"},
        birth_date=date(1986, 4, 12),
    )
    prospect = Subject(
        SubjectId.new(),
        "FR",
        clock.now(),
        purposes={"prospecting", "newsletter"},
        birth_date=date(1979, 11, 3),
        source=DataSource("visitor list of the Maison & Objet 2026 trade fair"),
    )
    teen = Subject(
        SubjectId.new(),
        "FR",
        clock.now(),
        purposes={"newsletter"},
        birth_date=date(2011, 6, 1),
    )
    say(f"    customer {customer.id}  (collected from them: Art. 13 notice)")
    say(f"    prospect {prospect.id}  (from a trade-fair list: Art. 14 notice due)")
    say(f"    teenager {teen.id}  (14 years old, in France)")
    cust = SubjectState(customer)
    pros = SubjectState(prospect)
    now = clock.now()
    check(
        "customer / customer-relationship", decide(cust, "customer-relationship", now, decl), True
    )
    check("customer / invoicing", decide(cust, "invoicing", now, decl), True)
    check("customer / newsletter (no consent yet)", decide(cust, "newsletter", now, decl), False)
    check("prospect / prospecting", decide(pros, "prospecting", now, decl), True)
    check(
        "customer / prospecting (not collected for it)",
        decide(cust, "prospecting", now, decl),
        False,
    )

    step("3. Consent: one purpose at a time, with its proof (Art. 7(1)-(2))")
    clock.advance(hours=2)
    consent = ConsentGiven(
        customer.id,
        "newsletter",
        clock.now(),
        channel="web-form",
        notice_version=notice,
        language="fr",
        evidence={"form": "newsletter-signup", "checkbox": "nl-optin-unchecked-by-default"},
    )
    cust = cust.with_events(consents=[consent])
    say(f"    the customer ticks the newsletter box at {consent.at:%H:%M} under notice {notice}")
    check("customer / newsletter", decide(cust, "newsletter", clock.now(), decl), True)
    try:
        ConsentGiven(customer.id, "newsletter,prospecting", clock.now(), "web-form", notice)
    except ValueError as exc:
        say(f"    a bundled consent is refused: {type(exc).__name__} (Art. 7(2))")

    step(
        "4. A child: in France, the minor AND a parent consent together "
        "(Art. 8, Loi 78-17 art. 45)"
    )
    own = ConsentGiven(teen.id, "newsletter", clock.now(), "web-form", notice)
    tstate = SubjectState(teen, (own,))
    check("teenager alone / newsletter", decide(tstate, "newsletter", clock.now(), decl), False)
    parent = ConsentGiven(
        teen.id,
        "newsletter",
        clock.now(),
        "paper-form",
        notice,
        given_by=ConsentGiver.PARENTAL_RESPONSIBILITY,
    )
    tstate = tstate.with_events(consents=[parent])
    check("teenager + parent / newsletter", decide(tstate, "newsletter", clock.now(), decl), True)

    step("5. Withdrawal: as easy as giving; past processing stays lawful (Art. 7(3))")
    given_at = clock.now()
    clock.advance(days=40)
    withdrawal = consent.withdraw(clock.now(), "unsubscribe-link")
    cust = cust.with_events(consents=[withdrawal])
    check("customer / newsletter, now", decide(cust, "newsletter", clock.now(), decl), False)
    check(
        "customer / newsletter, as of last week",
        decide(cust, "newsletter", clock.now() - timedelta(days=7), decl),
        True,
    )
    say(f"    (consent in force from {given_at:%Y-%m-%d} to {withdrawal.at:%Y-%m-%d})")

    step("6. Objection to direct marketing: absolute, and only that (Art. 21(2)-(3))")
    clock.advance(days=3)
    quiet_prospect = pros
    pros = pros.with_events(
        objections=[Objection(prospect.id, clock.now(), direct_marketing=True)]
    )
    check("prospect / prospecting", decide(pros, "prospecting", clock.now(), decl), False)
    check(
        "customer / invoicing (not marketing)", decide(cust, "invoicing", clock.now(), decl), True
    )

    step("7. Restriction while accuracy is contested: storage only (Art. 18)")
    restricted = cust.with_events(
        restrictions=[Restriction(customer.id, RestrictionGround.ACCURACY_CONTESTED, clock.now())]
    )
    check(
        "customer / after-sales (use)", decide(restricted, "after-sales", clock.now(), decl), False
    )
    check(
        "customer / after-sales (storage only)",
        decide(restricted, "after-sales", clock.now(), decl, operation=Operation.STORE),
        True,
    )

    step("8. Storage limitation: retention runs out (Art. 5(1)(e))")
    later = clock.now() + relativedelta(years=3, days=1)
    say("    a prospect who never got back in touch, 3 years and a day later (CNIL: 3 years):")
    check("prospect / prospecting", decide(quiet_prospect, "prospecting", later, decl), False)
    ended = SubjectState(
        customer, cust.consents, anchors={AnchorEvent.END_OF_RELATIONSHIP: clock.now()}
    )
    check(
        "customer / invoicing, 9 years on",
        decide(ended, "invoicing", START + relativedelta(years=9), decl),
        True,
    )
    check(
        "customer / invoicing, 10 years on",
        decide(ended, "invoicing", START + relativedelta(years=10), decl),
        False,
    )

    step("9. A new notice version: old consents do not cover what it adds (Art. 4(11), 7(1))")
    loyalty = Purpose(
        "loyalty-offers",
        "Offres de fidélité",
        LegalBasis.CONSENT,
        decl.purpose("newsletter").fields,
        RetentionRule(relativedelta(years=2)),
        direct_marketing=True,
    )
    v2 = NoticeVersion.describing("2026-03", clock.now(), (*purposes, loyalty))
    decl2 = Declarations(
        decl.controller, decl.fields, (*decl.purposes, loyalty), (*decl.notices, v2)
    )
    old = ConsentGiven(customer.id, "loyalty-offers", clock.now(), "web-form", notice)
    new = ConsentGiven(customer.id, "loyalty-offers", clock.now(), "web-form", "2026-03")
    check(
        "consent under the first notice / loyalty-offers",
        decide(SubjectState(customer, (old,)), "loyalty-offers", clock.now(), decl2),
        False,
    )
    check(
        "consent under notice 2026-03 / loyalty-offers",
        decide(SubjectState(customer, (new,)), "loyalty-offers", clock.now(), decl2),
        True,
    )

    step("10. Erasure: once erased, nothing is ever allowed again (Art. 17)")
    gone = SubjectState(attrs.evolve(customer, status=SubjectStatus.ERASED), cust.consents)
    for p in decl.purposes:
        if p.id in customer.purposes:
            check(f"erased customer / {p.id}", decide(gone, p.id, clock.now(), decl), False)

    step("11. The evidence: register, notice, receipts and audit trail (Art. 5(2), 7(1), 13, 30)")
    register = build_register(decl, updated_at=clock.now())
    notice_fr = build_notice(decl, "fr")
    validate_notice(notice_fr, decl)
    say(
        f"    Art. 30 register: {len(register.activities)} activities, "
        f"{'complete' if register.complete else 'INCOMPLETE'} ({len(register.warnings)} warnings)"
    )
    say(
        f"    Art. 13 notice ({notice_fr.language}): {len(notice_fr.sections)} sections, "
        f"version {notice_fr.version}"
    )
    signer = CertificateSigner.generate(decl.controller.id)
    receipt = verify_receipt(build_receipt(consent, decl, signer), signer.public_key)
    say(
        f"    signed consent receipt {receipt['consentReceiptID'][:8]}... "
        f"for principal {receipt['piiPrincipalId'][:8]}... (an opaque id, no e-mail)"
    )
    chain = AuditChain()
    entries: list[AuditEntry] = []
    head = None
    for action, who in (
        ("consent.given", customer.id),
        ("consent.withdrawn", customer.id),
        ("objection.recorded", prospect.id),
        ("subject.erased", customer.id),
    ):
        head = chain.next_entry(head, at=clock.now(), actor="demo", action=action, subject_id=who)
        entries.append(head)
    say(
        f"    audit chain of {len(entries)} entries: "
        f"{'verified' if verify_chain(entries).ok else 'BROKEN'}"
    )
    forged = [entries[0], entries[2], entries[3]]
    broken = verify_chain(forged)
    say(
        f"    the same chain with one entry removed: broken at {broken.broken_at} "
        f"({broken.reason.value if broken.reason else '?'})"
    )
    failures += 0 if (register.complete and not broken.ok) else 1

    say("")
    if failures:
        say(f"{failures} check(s) did not give the expected answer.")
    else:
        say("Every decision came out as the GDPR requires. Coming next in this demo: the")
        say("Controller facade over the encrypted store, with requests and erasure.")
    return failures
