"""The ``gdprcrm`` command (also ``python -m gdprcrm``), over the SQLite default.

Files, in the working folder unless options say otherwise: ``gdprcrm.toml`` (the
declarations), ``crm.db`` (records) and ``crm.db.keys.db`` (keys), ``crm.kek`` (the
key-encryption key), ``crm.signer.pem`` (the Ed25519 key that signs certificates;
encrypted with ``$GDPRCRM_SIGNER_PASSWORD`` when set), ``crm.audit.key`` (the HMAC key of
the audit chain). ``gdprcrm init`` creates them.

Every command accepts ``--json`` for scripts. Exit codes:

* 0 - done (and, for ``decide`` and ``audit verify``, the answer is yes / intact);
* 1 - done, but the answer is no: processing refused, audit chain broken, erasure held;
* 2 - bad usage or bad input (one line on stderr, never a traceback; nothing written);
* 3 - the storage or the vault failed (a file missing, a locked database, a wrong key).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sys
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gdprcrm import __version__
from gdprcrm.errors import GdprCrmError, InvalidInput, NotFound, StorageError, VaultError

__all__ = ["EXIT_BAD_INPUT", "EXIT_CHECK_FAILED", "EXIT_FAILURE", "EXIT_OK", "main"]

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_FAILURE = 3


class _Out:
    """Prints plain lines, or one JSON document with ``--json``."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, data: Any, text: str) -> None:
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            print(text)


def _pairs(items: Sequence[str] | None) -> dict[str, str]:
    out = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InvalidInput(f"--field {item!r}: expected name=value")
        out[name] = value
    return out


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"not an ISO 8601 instant: {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gdprcrm", description="GDPR-grade handling of customer data for any CRM."
    )
    parser.add_argument("--version", action="version", version=f"gdprcrm {__version__}")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--dir", type=Path, default=Path("."), help="the working folder")
    parser.add_argument(
        "--declarations",
        type=Path,
        default=None,
        help="the TOML declarations (default: <dir>/gdprcrm.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    demo = sub.add_parser("demo", help="walk through a French CRM scenario, step by step")
    demo.add_argument(
        "--out",
        type=Path,
        default=None,
        help="an empty folder for the demo (default: a new temporary one)",
    )

    init = sub.add_parser("init", help="create the keys, the database and the declarations")
    init.add_argument(
        "--example", action="store_true", help="start from the shipped French example declarations"
    )

    subject = sub.add_parser("subject", help="add or find a data subject").add_subparsers(
        dest="action", metavar="ACTION"
    )
    subject.required = True
    add = subject.add_parser("add", help="collect a person's data for purposes")
    add.add_argument("--purpose", action="append", required=True)
    add.add_argument("--field", action="append", help="name=value (repeat)")
    add.add_argument("--jurisdiction", default="FR")
    add.add_argument("--birth-date", type=date.fromisoformat)
    add.add_argument("--source", help="where the data came from (Art. 14)")
    find = subject.add_parser("find", help="find by e-mail or phone (blind index)")
    find.add_argument("--email")
    find.add_argument("--phone")

    consent = sub.add_parser("consent", help="give or withdraw a consent").add_subparsers(
        dest="action", metavar="ACTION"
    )
    consent.required = True
    for name in ("give", "withdraw"):
        c = consent.add_parser(name)
        c.add_argument("subject")
        c.add_argument("purpose")
        c.add_argument("--channel", required=True)

    decide = sub.add_parser("decide", help="may this purpose process this subject now?")
    decide.add_argument("subject")
    decide.add_argument("purpose")
    decide.add_argument("--at")

    request = sub.add_parser("request", help="data-subject requests (Art. 12)").add_subparsers(
        dest="action", metavar="ACTION"
    )
    request.required = True
    receive = request.add_parser("receive")
    receive.add_argument("subject")
    receive.add_argument(
        "kind",
        choices=["access", "rectification", "erasure", "restriction", "portability", "objection"],
    )
    receive.add_argument("--at")
    request.add_parser("list", help="open requests, overdue first")

    for name, helptext in (("access", "the Art. 15 report"), ("export", "the Art. 20 export")):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("subject")
        c.add_argument("--out", type=Path)
        if name == "export":
            c.add_argument("--format", choices=["json", "csv"], default="json")

    rectify = sub.add_parser("rectify", help="correct values (Art. 16)")
    rectify.add_argument("subject")
    rectify.add_argument("--field", action="append", required=True)

    restrict = sub.add_parser("restrict", help="restrict processing (Art. 18)")
    restrict.add_argument("subject")
    restrict.add_argument(
        "--ground",
        required=True,
        choices=[
            "accuracy-contested",
            "unlawful-erasure-opposed",
            "needed-for-legal-claims",
            "objection-pending",
        ],
    )

    obj = sub.add_parser("object", help="object (Art. 21)")
    obj.add_argument("subject")
    obj.add_argument("--purpose")
    obj.add_argument("--direct-marketing", action="store_true")

    erase = sub.add_parser("erase", help="erase a subject (Art. 17)")
    erase.add_argument("subject")
    erase.add_argument("--dry-run", action="store_true")

    sweep = sub.add_parser("sweep", help="apply the retention rules that are due")
    sweep.add_argument("--at")

    notice = sub.add_parser("notice", help="the privacy notice (Art. 13/14)")
    notice.add_argument("--lang", choices=["fr", "en"], default="fr")
    notice.add_argument("--format", choices=["md", "html", "json"], default="md")
    notice.add_argument("--indirect", action="store_true", help="the Art. 14 notice")

    register = sub.add_parser("register", help="the record of processing (Art. 30)")
    register.add_argument("--format", choices=["md", "csv", "json"], default="md")

    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(
        dest="action", metavar="ACTION"
    )
    audit.required = True
    audit.add_parser("verify")

    breach = sub.add_parser("breach", help="the breach register (Art. 33)").add_subparsers(
        dest="action", metavar="ACTION"
    )
    breach.required = True
    badd = breach.add_parser("add")
    badd.add_argument("--nature", required=True)
    badd.add_argument("--aware-at", required=True)
    badd.add_argument("--subjects", type=int, default=0)
    badd.add_argument("--records", type=int, default=0)
    badd.add_argument("--high-risk", action="store_true")
    breach.add_parser("list")

    notify = sub.add_parser(
        "notify", help="the recipients still to tell of a change (Art. 19)"
    ).add_subparsers(dest="action", metavar="ACTION")
    notify.required = True
    notify.add_parser("list", help="notifications not yet sent, oldest first")
    nsent = notify.add_parser("sent", help="report notifications sent")
    nsent.add_argument("notification", nargs="+")

    key = sub.add_parser("key", help="key management").add_subparsers(
        dest="action", metavar="ACTION"
    )
    key.required = True
    rotate = key.add_parser("rotate", help="rewrap every key under a new KEK file")
    rotate.add_argument("--new-kek", type=Path, required=True)
    return parser


class _Files:
    def __init__(self, folder: Path, declarations: Path | None) -> None:
        self.folder = folder
        self.declarations = declarations or folder / "gdprcrm.toml"
        self.db = folder / "crm.db"
        self.kek = folder / "crm.kek"
        self.signer = folder / "crm.signer.pem"
        self.audit_key = folder / "crm.audit.key"


def _password() -> bytes | None:
    value = os.environ.get("GDPRCRM_SIGNER_PASSWORD")
    return value.encode() if value else None


def _init(files: _Files, example: bool, out: _Out) -> int:
    from gdprcrm.examples import lumiere
    from gdprcrm.vault import CertificateSigner, KeyFileKekSource

    existing = [p for p in (files.kek, files.signer, files.audit_key, files.db) if p.exists()]
    if existing:
        raise InvalidInput(f"already initialised here: {existing[0]} exists")
    if not files.declarations.exists():
        if not example:
            raise InvalidInput(
                f"{files.declarations} is missing: write it, or use --example to start from "
                "the French example"
            )
        with lumiere.toml_path().open("rb") as src, files.declarations.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    files.folder.mkdir(parents=True, exist_ok=True)
    KeyFileKekSource.create(files.kek)
    signer = CertificateSigner.generate("controller")
    fd = os.open(files.signer, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(signer.private_pem(_password()))
    fd = os.open(files.audit_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.b64encode(os.urandom(32)) + b"\n")
    crm = _controller(files)
    crm.close()
    out.emit(
        {"initialised": str(files.folder)},
        f"initialised {files.folder}: {files.declarations.name}, crm.db, keys",
    )
    return EXIT_OK


def _controller(files: _Files) -> Any:
    from gdprcrm.config import load_declarations
    from gdprcrm.service import Controller
    from gdprcrm.vault import CertificateSigner, KeyFileKekSource

    for needed in (files.declarations, files.kek, files.signer, files.audit_key):
        if not needed.exists():
            raise InvalidInput(f"{needed} is missing: run `gdprcrm init` first")
    declarations = load_declarations(files.declarations)
    signer = CertificateSigner.from_pem(
        files.signer.read_bytes(), declarations.controller.id, password=_password()
    )
    audit_key = base64.b64decode(files.audit_key.read_bytes().strip())
    return Controller.open(
        files.db, declarations, kek=KeyFileKekSource(files.kek), signer=signer, audit_key=audit_key
    )


def _sid(text: str) -> Any:
    from gdprcrm.model import SubjectId

    return SubjectId.parse(text)


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(f"not an id: {text!r}") from None


def _run(args: argparse.Namespace, out: _Out) -> int:
    files = _Files(args.dir, args.declarations)
    if args.command == "demo":
        from gdprcrm.demo import run_demo

        return EXIT_CHECK_FAILED if run_demo(print, args.out) else EXIT_OK
    if args.command == "init":
        return _init(files, args.example, out)
    from gdprcrm.documents import build_notice, build_register
    from gdprcrm.model import Breach, DataSource, RequestKind, RestrictionGround

    crm = _controller(files)
    try:
        cmd, action = args.command, getattr(args, "action", None)
        if (cmd, action) == ("subject", "add"):
            sid = crm.add_subject(
                _pairs(args.field),
                args.jurisdiction,
                args.purpose,
                birth_date=args.birth_date,
                source=DataSource(args.source) if args.source else None,
            )
            out.emit({"subject": str(sid)}, str(sid))
        elif (cmd, action) == ("subject", "find"):
            found = [str(s) for s in crm.find_subject(email=args.email, phone=args.phone)]
            out.emit({"subjects": found}, "\n".join(found) or "no subject found")
        elif cmd == "consent":
            if action == "give":
                event = crm.give_consent(_sid(args.subject), args.purpose, channel=args.channel)
                out.emit(
                    {"consent": str(event.id), "notice": event.notice_version},
                    f"consent {event.id} given under notice {event.notice_version}",
                )
            else:
                events = crm.withdraw_consent(
                    _sid(args.subject), args.purpose, channel=args.channel
                )
                out.emit(
                    {"withdrawn": [str(e.consent_id) for e in events]},
                    f"{len(events)} consent(s) withdrawn",
                )
        elif cmd == "decide":
            decision = crm.decide(_sid(args.subject), args.purpose, _instant(args.at))
            codes = [f"{r.code} (Art. {r.article})" for r in decision.reasons]
            out.emit(
                {
                    "allowed": decision.allowed,
                    "outcome": decision.outcome.value,
                    "reasons": [r.code for r in decision.reasons],
                },
                f"{decision.outcome.value.upper()}: {', '.join(codes)}",
            )
            return EXIT_OK if decision.allowed else EXIT_CHECK_FAILED
        elif (cmd, action) == ("request", "receive"):
            req = crm.receive_request(
                _sid(args.subject), RequestKind(args.kind), _instant(args.at)
            )
            out.emit(
                {"request": str(req.id), "due": req.due_at.isoformat()},
                f"request {req.id} due {req.due_at:%Y-%m-%d}",
            )
        elif (cmd, action) == ("request", "list"):
            from gdprcrm.deadlines import days_left

            now = crm.clock.now()
            tz = crm.declarations.controller.legal_timezone
            rows = [
                {
                    "request": str(r.id),
                    "subject": str(r.subject_id),
                    "kind": r.kind.value,
                    "due": (r.extended_due_at or r.due_at).isoformat(),
                    "days_left": days_left(r.extended_due_at or r.due_at, now, tz),
                }
                for r in crm.open_requests()
            ]
            rows.sort(key=lambda r: r["days_left"])
            out.emit(
                {"requests": rows},
                "\n".join(
                    f"{r['days_left']:>5} days  {r['kind']:13s} {r['request']}"
                    + ("  OVERDUE" if r["days_left"] < 0 else "")
                    for r in rows
                )
                or "no open request",
            )
        elif cmd in ("access", "export"):
            text = (
                json.dumps(crm.access_report(_sid(args.subject)), ensure_ascii=False, indent=2)
                if cmd == "access"
                else crm.export(_sid(args.subject), fmt=args.format)
            )
            if args.out:
                args.out.write_text(text, encoding="utf-8")
                out.emit({"written": str(args.out)}, f"written to {args.out}")
            else:
                print(text)
        elif cmd == "rectify":
            notify = crm.rectify(_sid(args.subject), _pairs(args.field))
            out.emit(
                {"notify": list(notify)},
                f"rectified; recipients to notify (Art. 19): {', '.join(notify) or 'none'}",
            )
        elif cmd == "restrict":
            ground = RestrictionGround[args.ground.upper().replace("-", "_")]
            restriction = crm.restrict(_sid(args.subject), ground)
            out.emit({"restriction": str(restriction.id)}, f"restricted ({ground.value})")
        elif cmd == "object":
            objection = crm.object(
                _sid(args.subject), args.purpose, direct_marketing=args.direct_marketing
            )
            out.emit({"objection": str(objection.id)}, "objection recorded")
        elif cmd == "erase":
            outcome = crm.erase(_sid(args.subject), dry_run=args.dry_run)
            held = [
                {
                    "field": f.field,
                    "reason": f.hold.value if f.hold else None,
                    "until": f.until.isoformat() if f.until else None,
                }
                for f in outcome.plan.held
            ]
            data = {
                "completed": outcome.completed,
                "dry_run": outcome.dry_run,
                "erased": list(outcome.plan.erased),
                "held": held,
                "certificate": json.loads(outcome.certificate.to_json())
                if outcome.certificate
                else None,
                "notify": list(outcome.recipients),
            }
            lines = [
                f"{'would erase' if args.dry_run else 'erased'}: "
                f"{', '.join(outcome.plan.erased) or 'nothing'}"
            ]
            lines += [f"held: {h['field']} ({h['reason']}) until {h['until']}" for h in held]
            if outcome.certificate:
                lines.append(f"certificate {outcome.certificate.certificate_id}")
            out.emit(data, "\n".join(lines))
            return EXIT_OK if outcome.completed or args.dry_run else EXIT_CHECK_FAILED
        elif cmd == "sweep":
            progress = None
            if sys.stderr.isatty() and not out.as_json:

                def progress(done: int, total: int) -> None:
                    width = 30
                    filled = width * done // max(total, 1)
                    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
                    if done == total:
                        sys.stderr.write("\n")

            result = crm.sweep(_instant(args.at), progress=progress)
            data = {
                k: getattr(result, k)
                for k in (
                    "examined",
                    "erased",
                    "anonymised",
                    "flagged",
                    "rescheduled",
                    "erasures_completed",
                )
            }
            out.emit(data, ", ".join(f"{k}: {v}" for k, v in data.items()))
        elif cmd == "notice":
            text = build_notice(crm.declarations, args.lang, indirect=args.indirect)
            print(
                {"md": text.to_markdown, "html": text.to_html, "json": text.to_json}[args.format]()
            )
        elif cmd == "register":
            reg = build_register(crm.declarations, updated_at=crm.clock.now())
            print({"md": reg.to_markdown, "csv": reg.to_csv, "json": reg.to_json}[args.format]())
        elif (cmd, action) == ("audit", "verify"):
            result = crm.verify_audit()
            why = result.reason.value if result.reason else "?"
            out.emit(
                {
                    "ok": result.ok,
                    "checked": result.checked,
                    "broken_at": result.broken_at,
                    "reason": result.reason.value if result.reason else None,
                },
                f"{result.checked} entries: "
                + ("intact" if result.ok else f"BROKEN at {result.broken_at} ({why})"),
            )
            return EXIT_OK if result.ok else EXIT_CHECK_FAILED
        elif (cmd, action) == ("breach", "add"):
            aware = _instant(args.aware_at)
            assert aware is not None
            breach = crm.record_breach(
                Breach(
                    aware,
                    args.nature,
                    approx_subjects=args.subjects,
                    approx_records=args.records,
                    high_risk=args.high_risk,
                )
            )
            from gdprcrm.deadlines import breach_deadline

            out.emit(
                {"breach": str(breach.id), "notify_by": breach_deadline(aware).isoformat()},
                f"breach {breach.id}: notify the authority by "
                f"{breach_deadline(aware):%Y-%m-%d %H:%M} UTC (Art. 33)",
            )
        elif (cmd, action) == ("breach", "list"):
            rows = [
                {
                    "breach": str(b.id),
                    "aware_at": b.aware_at.isoformat(),
                    "nature": b.nature,
                    "notified": b.notified_authority_at is not None,
                }
                for b in crm.breaches()
            ]
            out.emit(
                {"breaches": rows},
                "\n".join(
                    f"{r['aware_at']}  {'notified' if r['notified'] else 'NOT NOTIFIED':13s} "
                    f"{r['nature']}"
                    for r in rows
                )
                or "no breach",
            )
        elif (cmd, action) == ("notify", "list"):
            rows = [
                {
                    "notification": str(n.id),
                    "subject": str(n.subject_id),
                    "recipient": n.recipient_id,
                    "event": n.event.value,
                    "at": n.at.isoformat(),
                }
                for n in crm.pending_notifications()
            ]
            out.emit(
                {"notifications": rows},
                "\n".join(
                    f"{r['at']}  {r['event']:12s} {r['recipient']:24s} {r['notification']}"
                    for r in rows
                )
                or "no notification pending",
            )
        elif (cmd, action) == ("notify", "sent"):
            ids = [_uuid(text) for text in args.notification]
            crm.notifications_sent(ids)  # one unit of work: an unknown id records none
            out.emit({"sent": [str(i) for i in ids]}, f"{len(ids)} notification(s) reported sent")
        elif (cmd, action) == ("key", "rotate"):
            from gdprcrm.vault import KeyFileKekSource

            new = (
                KeyFileKekSource(args.new_kek)
                if args.new_kek.exists()
                else KeyFileKekSource.create(args.new_kek)
            )
            count = crm.vault.rotate_kek(new)
            out.emit(
                {"rewrapped": count},
                f"{count} key(s) rewrapped under {args.new_kek}; keep it, then "
                f"replace {files.kek} with it",
            )
        return EXIT_OK
    finally:
        crm.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = _Out(args.json)
    try:
        return _run(args, out)
    except (InvalidInput, NotFound) as exc:
        print(f"gdprcrm: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (StorageError, VaultError, GdprCrmError, OSError) as exc:
        print(f"gdprcrm: {type(exc).__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_FAILURE
