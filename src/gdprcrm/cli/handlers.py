"""One small handler per command, and the dispatch table that finds it.

A handler takes the shared :class:`~gdprcrm.cli.context.Context` and the parsed
arguments, calls one Controller operation, prints its result (text or ``--json``) and
returns the exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime

import attrs

from gdprcrm.cli.audit import AUDIT_COMMANDS
from gdprcrm.cli.consent import CONSENT_COMMANDS
from gdprcrm.cli.context import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    Context,
    instant,
    missing_file_help,
    open_controller,
    pairs,
    parse_uuid,
    signer_password,
    subject_id,
)
from gdprcrm.cli.interactions import INTERACTION_COMMANDS
from gdprcrm.cli.leads import LEAD_COMMANDS
from gdprcrm.cli.marketing import LINK_COMMANDS, outreach_of, via_of
from gdprcrm.cli.records import RECORD_COMMANDS
from gdprcrm.errors import InvalidInput

__all__ = ["COMMANDS", "Handler"]

Handler = Callable[[Context, argparse.Namespace], int]


def demo(ctx: Context, args: argparse.Namespace) -> int:
    from gdprcrm.demo import run_demo

    lines: list[str] = []
    folder = args.out if args.out is not None else args.dir  # either names its folder
    failures = run_demo(lines.append if ctx.as_json else print, folder)
    if ctx.as_json:
        ctx.emit({"ok": failures == 0, "unexpected": failures, "narrative": lines}, "")
    return EXIT_CHECK_FAILED if failures else EXIT_OK


def init(ctx: Context, args: argparse.Namespace) -> int:
    import base64
    import os

    from gdprcrm.examples import lumiere
    from gdprcrm.signing import CertificateSigner
    from gdprcrm.vault import KeyFileKekSource

    files = ctx.files
    existing = [p for p in (*files.secrets, files.db) if p.exists()]
    if existing and not args.repair:
        raise InvalidInput(
            f"already initialised here: {existing[0]} exists "
            "(`gdprcrm init --repair` recreates only what is missing and safe to recreate)"
        )
    has_data = files.db.exists() or files.keys_db.exists()
    for needed in (files.kek, files.audit_key):  # data depends on them: restore, never invent
        if has_data and not needed.exists():
            raise InvalidInput(missing_file_help(files, needed))
    created = []
    if not files.declarations.exists():
        if not args.example:
            raise InvalidInput(
                f"{files.declarations} is missing: write it, or use --example to start from "
                "the French example"
            )
        with lumiere.toml_path().open("rb") as src, files.declarations.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        created.append(files.declarations.name)
    files.folder.mkdir(parents=True, exist_ok=True)
    if not files.kek.exists():
        KeyFileKekSource.create(files.kek)
        created.append(files.kek.name)
    moved = []
    if not files.signer.exists():  # certificates issued before verify with the old key
        CertificateSigner.generate("controller").save(files.signer, password=signer_password())
        created.append(files.signer.name)
        if files.checkpoints.exists():  # signed by the lost key: kept as evidence, aside
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            aside = files.checkpoints.with_name(f"{files.checkpoints.name}.{stamp}.old-signer")
            files.checkpoints.replace(aside)
            moved.append(aside.name)
    if not files.audit_key.exists():
        fd = os.open(files.audit_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(os.urandom(32)) + b"\n")
        created.append(files.audit_key.name)
    open_controller(files).close()
    ctx.emit(
        {"initialised": str(files.folder), "created": created, "moved_aside": moved},
        f"initialised {files.folder}: created {', '.join(created) or 'nothing (all there)'}"
        + (f"; moved aside {', '.join(moved)}" if moved else ""),
    )
    return EXIT_OK


def subject_add(ctx: Context, args: argparse.Namespace) -> int:
    from gdprcrm.model import ConsentGrant, DataSource, SourceKind

    sid = ctx.crm.add_subject(
        pairs(args.field),
        args.jurisdiction,
        args.purpose,
        birth_date=args.birth_date,
        source=DataSource(args.source, kind=SourceKind(args.source_kind)) if args.source else None,
        consents=[ConsentGrant(p, args.consent_channel) for p in args.consent or ()],
    )
    ctx.emit({"subject": str(sid)}, str(sid))
    return EXIT_OK


def subject_find(ctx: Context, args: argparse.Namespace) -> int:
    found = [str(s) for s in ctx.crm.find_subject(email=args.email, phone=args.phone)]
    ctx.emit({"subjects": found}, "\n".join(found) or "no subject found")
    return EXIT_OK


def decide(ctx: Context, args: argparse.Namespace) -> int:
    outreach = outreach_of(args)
    decision = ctx.crm.decide(
        subject_id(args.subject), args.purpose, instant(args.at), outreach=outreach
    )
    ctx.emit(
        {
            "allowed": decision.allowed,
            "outcome": decision.outcome.value,
            "reasons": [r.code for r in decision.reasons],
            "sources": list(decision.sources),
        },
        str(decision),
    )
    return EXIT_OK if decision.allowed else EXIT_CHECK_FAILED


def request_receive(ctx: Context, args: argparse.Namespace) -> int:
    from gdprcrm.model import RequestKind

    req = ctx.crm.receive_request(
        subject_id(args.subject), RequestKind(args.kind), instant(args.at)
    )
    ctx.emit(
        {"request": str(req.id), "due": req.due_at.isoformat(), "due_date": str(req.due_date)},
        f"request {req.id} due by the end of {req.due_date}",
    )
    return EXIT_OK


def request_list(ctx: Context, args: argparse.Namespace) -> int:
    from gdprcrm.deadlines import days_left

    crm = ctx.crm
    now = crm.clock.now()
    tz = crm.declarations.controller.legal_timezone
    dated = sorted(
        ((days_left(r.extended_due_at or r.due_at, now, tz), r) for r in crm.open_requests()),
        key=lambda pair: pair[0],
    )
    rows = [
        {
            "request": str(r.id),
            "subject": str(r.subject_id),
            "kind": r.kind.value,
            "due": (r.extended_due_at or r.due_at).isoformat(),
            "due_date": str(r.due_date),
            "days_left": left,
        }
        for left, r in dated
    ]
    text = "\n".join(
        f"{left:>5} days  {r.kind.value:13s} {r.id}" + ("  OVERDUE" if left < 0 else "")
        for left, r in dated
    )
    ctx.emit({"requests": rows}, text or "no open request")
    return EXIT_OK


def _document(ctx: Context, args: argparse.Namespace, text: str) -> int:
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        ctx.emit({"written": str(args.out)}, f"written to {args.out}")
    else:
        print(text)
    return EXIT_OK


def access(ctx: Context, args: argparse.Namespace) -> int:
    sid = subject_id(args.subject)
    if args.format == "json":
        report = ctx.crm.access_report(sid)
        return _document(ctx, args, json.dumps(report, ensure_ascii=False, indent=2))
    text = ctx.crm.access_report_text(sid, lang=args.lang, fmt=args.format)
    return _document(ctx, args, text.rstrip("\n"))


def export(ctx: Context, args: argparse.Namespace) -> int:
    return _document(ctx, args, ctx.crm.export(subject_id(args.subject), fmt=args.format))


def rectify(ctx: Context, args: argparse.Namespace) -> int:
    notify = ctx.crm.rectify(subject_id(args.subject), pairs(args.field))
    ctx.emit(
        {"notify": list(notify)},
        f"rectified; recipients to notify (Art. 19): {', '.join(notify) or 'none'}",
    )
    return EXIT_OK


def restrict(ctx: Context, args: argparse.Namespace) -> int:
    from gdprcrm.model import RestrictionGround

    ground = RestrictionGround[args.ground.upper().replace("-", "_")]
    restriction = ctx.crm.restrict(subject_id(args.subject), ground)
    ctx.emit({"restriction": str(restriction.id)}, f"restricted ({ground.value})")
    return EXIT_OK


def object_(ctx: Context, args: argparse.Namespace) -> int:
    objection = ctx.crm.object(
        subject_id(args.subject),
        args.purpose,
        direct_marketing=args.direct_marketing,
        contact_channel=via_of(args),
    )
    ctx.emit({"objection": str(objection.id)}, "objection recorded")
    return EXIT_OK


def erase(ctx: Context, args: argparse.Namespace) -> int:
    if args.resume:
        return _resume(ctx, args)
    if args.subject is None:
        raise InvalidInput("erase: give a subject id, or --resume")
    outcome = ctx.crm.erase(subject_id(args.subject), dry_run=args.dry_run)
    held = [
        {
            "field": f.field,
            "reason": f.hold.value if f.hold else None,
            "until": f.until.isoformat() if f.until else None,
        }
        for f in outcome.plan.held
    ]
    certificate = outcome.certificate
    data = {
        "completed": outcome.completed,
        "dry_run": outcome.dry_run,
        "erased": list(outcome.plan.erased),
        "held": held,
        "certificate": json.loads(certificate.to_json()) if certificate else None,
        "notify": list(outcome.recipients),
    }
    verb = "would erase" if args.dry_run else "erased"
    lines = [f"{verb}: {', '.join(outcome.plan.erased) or 'nothing'}"]
    lines += [f"held: {h['field']} ({h['reason']}) until {h['until']}" for h in held]
    if certificate:
        lines.append(f"certificate {certificate.certificate_id}")
    ctx.emit(data, "\n".join(lines))
    return EXIT_OK if outcome.completed or args.dry_run else EXIT_CHECK_FAILED


def _resume(ctx: Context, args: argparse.Namespace) -> int:
    if args.subject is not None or args.dry_run:
        raise InvalidInput("erase --resume takes no subject and no --dry-run")
    outcomes = ctx.crm.resume_erasures()
    done = [str(o.subject_id) for o in outcomes if o.completed]
    waiting = [str(o.subject_id) for o in outcomes if not o.completed]
    ctx.emit(
        {"completed": done, "still_held": waiting},
        f"{len(done)} erasure(s) completed, {len(waiting)} still held",
    )
    return EXIT_OK


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\n")


def sweep(ctx: Context, args: argparse.Namespace) -> int:
    interactive = sys.stderr.isatty() and not ctx.as_json
    result = ctx.crm.sweep(instant(args.at), progress=_progress_bar if interactive else None)
    data = attrs.asdict(result)  # every count SweepResult has, in its order
    ctx.emit(data, ", ".join(f"{k}: {v}" for k, v in data.items()))
    return EXIT_OK


def suppressions_purge(ctx: Context, args: argparse.Namespace) -> int:
    removed = ctx.crm.purge_suppressions(args.keep_years, at=instant(args.at))
    ctx.emit(
        {"removed": removed}, f"{removed} suppression entr{'y' if removed == 1 else 'ies'} purged"
    )
    return EXIT_OK


def notice(ctx: Context, args: argparse.Namespace) -> int:
    from gdprcrm.documents import build_notice

    built = build_notice(ctx.crm.declarations, args.lang, indirect=args.indirect)
    if ctx.as_json:
        print(built.to_json())
    else:
        print(
            {"md": built.to_markdown, "html": built.to_html, "json": built.to_json}[args.format]()
        )
    return EXIT_OK


def register(ctx: Context, args: argparse.Namespace) -> int:
    from gdprcrm.documents import build_register

    reg = build_register(ctx.crm.declarations, updated_at=ctx.crm.clock.now())
    if ctx.as_json:
        print(reg.to_json())
    else:
        print({"md": reg.to_markdown, "csv": reg.to_csv, "json": reg.to_json}[args.format]())
    return EXIT_OK


def breach_add(ctx: Context, args: argparse.Namespace) -> int:
    from gdprcrm.deadlines import breach_deadline
    from gdprcrm.model import Breach

    aware = instant(args.aware_at)
    assert aware is not None  # a required option
    breach = ctx.crm.record_breach(
        Breach(
            aware,
            args.nature,
            approx_subjects=args.subjects,
            approx_records=args.records,
            high_risk=args.high_risk,
        )
    )
    deadline = breach_deadline(aware)
    ctx.emit(
        {"breach": str(breach.id), "notify_by": deadline.isoformat()},
        f"breach {breach.id}: notify the authority by {deadline:%Y-%m-%d %H:%M} UTC (Art. 33)",
    )
    return EXIT_OK


def breach_list(ctx: Context, args: argparse.Namespace) -> int:
    rows = [
        {
            "breach": str(b.id),
            "aware_at": b.aware_at.isoformat(),
            "nature": b.nature,
            "notified": b.notified_authority_at is not None,
        }
        for b in ctx.crm.breaches()
    ]
    text = "\n".join(
        f"{r['aware_at']}  {'notified' if r['notified'] else 'NOT NOTIFIED':13s} {r['nature']}"
        for r in rows
    )
    ctx.emit({"breaches": rows}, text or "no breach")
    return EXIT_OK


def notify_list(ctx: Context, args: argparse.Namespace) -> int:
    rows = [
        {
            "notification": str(n.id),
            "subject": str(n.subject_id),
            "recipient": n.recipient_id,
            "event": n.event.value,
            "at": n.at.isoformat(),
        }
        for n in ctx.crm.pending_notifications()
    ]
    text = "\n".join(
        f"{r['at']}  {r['event']:12s} {r['recipient']:24s} {r['notification']}" for r in rows
    )
    ctx.emit({"notifications": rows}, text or "no notification pending")
    return EXIT_OK


def notify_sent(ctx: Context, args: argparse.Namespace) -> int:
    ids = [parse_uuid(text) for text in args.notification]
    ctx.crm.notifications_sent(ids)  # one unit of work: an unknown id records none
    ctx.emit({"sent": [str(i) for i in ids]}, f"{len(ids)} notification(s) reported sent")
    return EXIT_OK


def key_rotate(ctx: Context, args: argparse.Namespace) -> int:
    from gdprcrm.vault import KeyFileKekSource

    new = (
        KeyFileKekSource(args.new_kek)
        if args.new_kek.exists()
        else KeyFileKekSource.create(args.new_kek)
    )
    count = ctx.crm.vault.rotate_kek(new)
    ctx.close()
    # Every key is now wrapped by the new KEK: it becomes the folder's KEK (the old one
    # unwraps nothing any more), so the next command opens the folder as it is.
    os.replace(args.new_kek, ctx.files.kek)
    ctx.emit(
        {"rewrapped": count, "kek": str(ctx.files.kek)},
        f"{count} key(s) rewrapped; {ctx.files.kek} now holds the new KEK "
        "(keep a copy of it apart from the key store's backups)",
    )
    return EXIT_OK


COMMANDS: dict[tuple[str, str | None], Handler] = {
    ("demo", None): demo,
    ("init", None): init,
    ("subject", "add"): subject_add,
    ("subject", "find"): subject_find,
    ("decide", None): decide,
    ("request", "receive"): request_receive,
    ("request", "list"): request_list,
    ("access", None): access,
    ("export", None): export,
    ("rectify", None): rectify,
    ("restrict", None): restrict,
    ("object", None): object_,
    ("erase", None): erase,
    ("sweep", None): sweep,
    ("suppressions", "purge"): suppressions_purge,
    ("notice", None): notice,
    ("register", None): register,
    ("breach", "add"): breach_add,
    ("breach", "list"): breach_list,
    ("notify", "list"): notify_list,
    ("notify", "sent"): notify_sent,
    ("key", "rotate"): key_rotate,
    **RECORD_COMMANDS,
    **AUDIT_COMMANDS,
    **INTERACTION_COMMANDS,
    **CONSENT_COMMANDS,
    **LINK_COMMANDS,
    **LEAD_COMMANDS,
}
"""(command, action) -> handler: the one place a command is bound to its code."""
