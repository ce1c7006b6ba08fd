"""The ``gdprcrm record`` commands: records kept per person (orders, invoices, ...)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from gdprcrm.cli.context import EXIT_CHECK_FAILED, EXIT_OK, Context, instant, pairs, subject_id
from gdprcrm.errors import InvalidInput, LegalHold
from gdprcrm.model import RecordId
from gdprcrm.service.records import RecordView

__all__ = ["RECORD_COMMANDS", "add_record_parsers"]

_RECORD_HELP = "the record's opaque id (a UUID, as `record add` printed it)"


def add_record_parsers(
    sub: Any, actions: Callable[[Any, str, str], Any], subject_help: str, at_help: str
) -> None:
    record = actions(sub, "record", "records kept per person: orders, invoices, ...")
    add = record.add_parser("add", help="keep one record of a declared kind; prints its id")
    add.add_argument("subject", help=subject_help)
    add.add_argument("kind", help="a declared record kind, e.g. invoice")
    add.add_argument("--field", action="append", required=True, help="name=value (repeat)")
    add.add_argument("--dated", help="the record's own date; " + at_help)
    listing = record.add_parser("list", help="a person's records, oldest first")
    listing.add_argument("subject", help=subject_help)
    listing.add_argument("--kind", help="only this kind")
    update = record.add_parser("update", help="change some of a record's values")
    update.add_argument("record", help=_RECORD_HELP)
    update.add_argument("--field", action="append", required=True, help="name=value (repeat)")
    update.add_argument("--dated", help="a new date for the record; " + at_help)
    delete = record.add_parser("delete", help="erase one record (refused while held by law)")
    delete.add_argument("record", help=_RECORD_HELP)


def _record_id(text: str) -> RecordId:
    try:
        return RecordId.parse(text)
    except InvalidInput:
        raise InvalidInput(f"not a record id: {text!r} (expected a UUID)") from None


def _row(view: RecordView) -> dict[str, Any]:
    return {
        "record": str(view.id),
        "kind": view.kind,
        "dated": view.dated.isoformat(),
        "kept_until": view.due_at.isoformat(),
        "held": view.held,
        "readable": view.readable,
        "values": dict(view.values),
    }


def record_add(ctx: Context, args: argparse.Namespace) -> int:
    rid = ctx.crm.add_record(
        subject_id(args.subject), args.kind, pairs(args.field), dated=instant(args.dated)
    )
    ctx.emit({"record": str(rid)}, str(rid))
    return EXIT_OK


def record_list(ctx: Context, args: argparse.Namespace) -> int:
    views = ctx.crm.records(subject_id(args.subject), args.kind)
    lines = [
        f"{v.id}  {v.kind}  {v.dated.date()}  kept until {v.due_at.date()}"
        + ("  (held by law)" if v.held else "")
        for v in views
    ]
    ctx.emit({"records": [_row(v) for v in views]}, "\n".join(lines) or "no record")
    return EXIT_OK


def record_update(ctx: Context, args: argparse.Namespace) -> int:
    rid = _record_id(args.record)
    ctx.crm.update_record(rid, pairs(args.field), dated=instant(args.dated))
    ctx.emit({"record": str(rid), "updated": True}, f"record {rid} updated")
    return EXIT_OK


def record_delete(ctx: Context, args: argparse.Namespace) -> int:
    rid = _record_id(args.record)
    try:
        certificate = ctx.crm.delete_record(rid)
    except LegalHold as exc:
        ctx.emit({"record": str(rid), "deleted": False, "held": str(exc)}, f"held: {exc}")
        return EXIT_CHECK_FAILED
    ctx.emit(
        {"record": str(rid), "deleted": True, "certificate": certificate.to_json()},
        f"record {rid} erased; certificate {certificate.certificate_id}",
    )
    return EXIT_OK


RECORD_COMMANDS: dict[tuple[str, str | None], Callable[[Context, argparse.Namespace], int]] = {
    ("record", "add"): record_add,
    ("record", "list"): record_list,
    ("record", "update"): record_update,
    ("record", "delete"): record_delete,
}
"""The record commands' entries in :data:`gdprcrm.cli.handlers.COMMANDS`."""
