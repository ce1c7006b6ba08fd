"""The argument parser of the ``gdprcrm`` command: every option with its help text,
choices taken from the model's enums, errors in one line."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from gdprcrm import __version__
from gdprcrm.cli.interactions import add_interaction_parsers
from gdprcrm.cli.leads import add_lead_parsers
from gdprcrm.cli.marketing import add_link_parsers, add_via
from gdprcrm.cli.records import add_record_parsers
from gdprcrm.model import RequestKind, RestrictionGround, SourceKind

__all__ = ["AT_HELP", "build_parser"]

AT_HELP = "an ISO 8601 instant with its offset, e.g. 2026-03-01T09:00:00+01:00 (default: now)"
SUBJECT_HELP = "the subject's opaque id (a UUID, as `subject add` printed it)"


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line on stderr, exit code 2 (as docs/cli.md says)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def _ground_name(ground: RestrictionGround) -> str:
    return ground.name.lower().replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gdprcrm", description="GDPR-grade handling of customer data for any CRM."
    )
    parser.add_argument("--version", action="version", version=f"gdprcrm {__version__}")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="the working folder (default: here; for demo, the same as --out)",
    )
    parser.add_argument(
        "--declarations",
        type=Path,
        default=None,
        help="the TOML declarations (default: <dir>/gdprcrm.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _setup(sub)
    _people(sub)
    add_record_parsers(sub, _actions, SUBJECT_HELP, AT_HELP)
    add_interaction_parsers(sub, _actions, SUBJECT_HELP, AT_HELP)
    add_link_parsers(sub, _actions, SUBJECT_HELP, AT_HELP)
    add_lead_parsers(sub, _actions, SUBJECT_HELP, AT_HELP)
    _rights(sub)
    _registers(sub)
    return parser


def _actions(sub: argparse._SubParsersAction[_Parser], name: str, helptext: str) -> Any:
    group = sub.add_parser(name, help=helptext).add_subparsers(
        dest="action", metavar="ACTION", parser_class=_Parser
    )
    group.required = True
    return group


def _setup(sub: argparse._SubParsersAction[_Parser]) -> None:
    demo = sub.add_parser("demo", help="walk through a French CRM scenario, step by step")
    demo.add_argument(
        "--out",
        type=Path,
        default=None,
        help="an empty folder for the demo's documents (default: a new temporary one)",
    )
    init = sub.add_parser("init", help="create the keys, the database and the declarations")
    init.add_argument(
        "--example", action="store_true", help="start from the shipped French example declarations"
    )
    init.add_argument(
        "--repair",
        action="store_true",
        help="create only what is missing and can safely be recreated (never a KEK or an "
        "audit key that existing data depends on: those are restored from backups)",
    )
    key = _actions(sub, "key", "key management")
    rotate = key.add_parser("rotate", help="rewrap every key under a new KEK file")
    rotate.add_argument(
        "--new-kek", type=Path, required=True, help="the new KEK file (created if missing)"
    )


def _people(sub: argparse._SubParsersAction[_Parser]) -> None:
    subject = _actions(sub, "subject", "add or find a data subject")
    add = subject.add_parser("add", help="collect a person's data for purposes")
    add.add_argument(
        "--purpose", action="append", required=True, help="a declared purpose id (repeat)"
    )
    add.add_argument("--field", action="append", help="name=value of a declared field (repeat)")
    add.add_argument("--jurisdiction", default="FR", help="ISO 3166 country code (default FR)")
    add.add_argument("--birth-date", type=date.fromisoformat, help="YYYY-MM-DD (Art. 8)")
    add.add_argument("--source", help="where the data came from, if not the person (Art. 14)")
    add.add_argument(
        "--source-kind",
        choices=[k.value for k in SourceKind],
        default=SourceKind.OTHER.value,
        help="with --source: a purchased list, an enrichment, a public source, a partner",
    )
    add.add_argument(
        "--consent",
        action="append",
        help="a purpose consented to with this collection (Art. 6(1)(a), 7(1); repeat); "
        "without it, values of a consent purpose are kept only the pending period",
    )
    add.add_argument(
        "--consent-channel", default="web-form", help="where the consent was given (a code)"
    )
    find = subject.add_parser("find", help="find by e-mail or phone (blind index)")
    find.add_argument("--email", help="an e-mail address")
    find.add_argument("--phone", help="a phone number")

    consent = _actions(sub, "consent", "give or withdraw a consent")
    for name, helptext in (
        ("give", "record a consent (Art. 7)"),
        ("withdraw", "Art. 7(3)"),
        ("refuse", "record a refusal (Art. 7(1))"),
    ):
        c = consent.add_parser(name, help=helptext)
        c.add_argument("subject", help=SUBJECT_HELP)
        c.add_argument("purpose", help="a declared purpose id")
        c.add_argument("--channel", required=True, help="where it happened, e.g. web-form, e-mail")
        if name != "refuse":  # a consent (or its withdrawal) for one marketing channel
            add_via(c, point=name == "give")
    receipt = consent.add_parser("receipt", help="the signed Kantara v1.1 receipt (Art. 7(1))")
    receipt.add_argument("subject", help=SUBJECT_HELP)
    receipt.add_argument("purpose", nargs="?", help="the latest event of this purpose")
    receipt.add_argument("--event", help="the consent event's id (from consent history)")

    decide = sub.add_parser("decide", help="may this purpose process this subject now?")
    decide.add_argument("subject", help=SUBJECT_HELP)
    decide.add_argument("purpose", help="a declared purpose id")
    decide.add_argument("--at", help=AT_HELP)
    add_via(decide, point=True, opposition=True)

    request = _actions(sub, "request", "data-subject requests (Art. 12)")
    receive = request.add_parser("receive", help="register a request; prints its due date")
    receive.add_argument("subject", help=SUBJECT_HELP)
    receive.add_argument("kind", choices=[k.value for k in RequestKind], help="the right asked")
    receive.add_argument("--at", help=AT_HELP)
    request.add_parser("list", help="open requests, overdue first")


def _rights(sub: argparse._SubParsersAction[_Parser]) -> None:
    for name, helptext in (("access", "the Art. 15 report"), ("export", "the Art. 20 export")):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("subject", help=SUBJECT_HELP)
        c.add_argument("--out", type=Path, help="write to this file (default: stdout)")
        if name == "export":
            c.add_argument("--format", choices=["json", "csv"], default="json", help="json or csv")
        else:
            c.add_argument(
                "--format",
                choices=["json", "md", "html"],
                default="json",
                help="json (machine), md or html (for the person to read)",
            )
            c.add_argument("--lang", choices=["fr", "en"], default="fr", help="md/html language")

    rectify = sub.add_parser("rectify", help="correct values (Art. 16)")
    rectify.add_argument("subject", help=SUBJECT_HELP)
    rectify.add_argument("--field", action="append", required=True, help="name=value (repeat)")

    restrict = sub.add_parser("restrict", help="restrict processing (Art. 18)")
    restrict.add_argument("subject", help=SUBJECT_HELP)
    restrict.add_argument(
        "--ground",
        required=True,
        choices=[_ground_name(g) for g in RestrictionGround],
        help="the Art. 18(1) ground",
    )

    obj = sub.add_parser("object", help="object (Art. 21)")
    obj.add_argument("subject", help=SUBJECT_HELP)
    obj.add_argument("--purpose", help="a purpose on Art. 6(1)(e) or (f), or direct marketing")
    obj.add_argument(
        "--direct-marketing", action="store_true", help="object to all direct marketing (21(2))"
    )
    add_via(obj, point=False)

    erase = sub.add_parser("erase", help="erase a subject (Art. 17)")
    erase.add_argument("subject", nargs="?", help=SUBJECT_HELP + " (not with --resume)")
    erase.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    erase.add_argument(
        "--resume",
        action="store_true",
        help="complete every erasure an interruption left, and those whose hold ended",
    )

    sweep = sub.add_parser("sweep", help="apply the retention rules that are due")
    sweep.add_argument("--at", help=AT_HELP)

    suppressions = _actions(sub, "suppressions", "the direct-marketing suppression list (21(3))")
    purge = suppressions.add_parser("purge", help="forget objections older than --keep-years")
    purge.add_argument(
        "--keep-years", type=int, default=3, help="years kept (3 at least, the CNIL's minimum)"
    )
    purge.add_argument("--at", help=AT_HELP)
    lookups = _actions(sub, "lookups", "the blind indexes of e-mail addresses and phone numbers")
    reindex = lookups.add_parser(
        "reindex", help="recompute every lookup and suppression digest under today's rules"
    )
    reindex.add_argument("--at", help=AT_HELP)


def _registers(sub: argparse._SubParsersAction[_Parser]) -> None:
    notice = sub.add_parser("notice", help="the privacy notice (Art. 13/14)")
    notice.add_argument("--lang", choices=["fr", "en"], default="fr", help="fr or en")
    notice.add_argument(
        "--format", choices=["md", "html", "json"], default="md", help="md, html or json"
    )
    notice.add_argument("--indirect", action="store_true", help="the Art. 14 notice")

    register = sub.add_parser("register", help="the record of processing (Art. 30)")
    register.add_argument(
        "--format", choices=["md", "csv", "json"], default="md", help="md, csv or json"
    )

    audit = _actions(sub, "audit", "the audit trail")
    verify = audit.add_parser(
        "verify", help="check every link, the stored head and the latest signed checkpoint"
    )
    verify.add_argument(
        "--checkpoint", type=Path, help="also check against this checkpoint file (a copy)"
    )
    checkpoint = audit.add_parser("checkpoint", help="sign a checkpoint of the trail's head")
    checkpoint.add_argument("--out", type=Path, help="also write it to this file")
    audit.add_parser(
        "restored", help="after restoring crm.db from a backup: record it in the trail"
    )
    certify = audit.add_parser(
        "certificate", help="a signed erasure certificate: kept (--id) or restated (Art. 5(2))"
    )
    certify.add_argument("subject", nargs="?", help=SUBJECT_HELP + " (not with --id)")
    certify.add_argument("--id", help="the certificate id a trail entry names")
    certificates = audit.add_parser(
        "certificates",
        help="check every certificate the trail names: kept, its subject's, signed",
    )
    certificates.add_argument(
        "--public-key",
        action="append",
        default=[],
        metavar="SIGNER_ID=PEM_FILE",
        help="a former signer's public key, for the certificates it signed (repeatable)",
    )

    breach = _actions(sub, "breach", "the breach register (Art. 33)")
    badd = breach.add_parser("add", help="document a breach; prints the 72-hour deadline")
    badd.add_argument("--nature", required=True, help="what happened, without personal data")
    badd.add_argument(
        "--aware-at", required=True, help="when the controller became aware; " + AT_HELP
    )
    badd.add_argument("--subjects", type=int, default=0, help="approximate number of people")
    badd.add_argument("--records", type=int, default=0, help="approximate number of records")
    badd.add_argument("--high-risk", action="store_true", help="high risk to people (Art. 34)")
    breach.add_parser("list", help="every documented breach")

    notify = _actions(sub, "notify", "the recipients still to tell of a change (Art. 19)")
    notify.add_parser("list", help="notifications not yet sent, oldest first")
    nsent = notify.add_parser("sent", help="report notifications sent")
    nsent.add_argument("notification", nargs="+", help="notification ids, from `notify list`")
