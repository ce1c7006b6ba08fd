"""The ``gdprcrm lead`` commands: the Art. 14 information owed to people whose data
came from someone else (a purchased list, a partner), as a queue."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from gdprcrm.cli.context import EXIT_CHECK_FAILED, EXIT_OK, Context, instant, subject_id
from gdprcrm.model import Exemption, InformationDuty

__all__ = ["LEAD_COMMANDS", "add_lead_parsers"]


def add_lead_parsers(
    sub: Any, actions: Callable[[Any, str, str], Any], subject_help: str, at_help: str
) -> None:
    group = actions(sub, "lead", "the Art. 14 information owed to people from other sources")
    listing = group.add_parser("list", help="pending duties, soonest due first")
    listing.add_argument("--overdue", action="store_true", help="only those past due")
    listing.add_argument("--at", help=at_help)
    informed = group.add_parser("informed", help="record that the information was given")
    informed.add_argument("subject", help=subject_help)
    informed.add_argument("--channel", required=True, help="how: a code, e.g. e-mail, post")
    informed.add_argument("--at", help=at_help)
    exempt = group.add_parser("exempt", help="record an Art. 14(5) exemption")
    exempt.add_argument("subject", help=subject_help)
    exempt.add_argument(
        "--ground", required=True, choices=[e.value for e in Exemption], help="Art. 14(5)"
    )
    exempt.add_argument(
        "--reference", required=True, help="where the assessment is documented (a code)"
    )
    disclosed = group.add_parser("disclosed", help="record a disclosure to a recipient")
    disclosed.add_argument("subject", help=subject_help)
    disclosed.add_argument("--recipient", required=True, help="a declared recipient id")


def _row(duty: InformationDuty) -> dict[str, Any]:
    return {
        "subject": str(duty.subject_id),
        "status": duty.status.value,
        "due": duty.due_at.isoformat(),
        "trigger": duty.trigger.value,
        "done": None if duty.done_at is None else duty.done_at.isoformat(),
        "channel": duty.channel,
        "exemption": None if duty.exemption is None else duty.exemption.value,
        "reference": duty.reference,
    }


def lead_list(ctx: Context, args: argparse.Namespace) -> int:
    duties = ctx.crm.information_duties(overdue=args.overdue, at=instant(args.at))
    rows = [_row(d) for d in duties]
    lines = [f"{r['due'][:10]}  {r['subject']}  ({r['trigger']})" for r in rows]
    ctx.emit({"duties": rows}, "\n".join(lines) or "no Art. 14 information pending")
    # Overdue duties are a failed check, like a broken audit chain: scripts can alert.
    return EXIT_CHECK_FAILED if args.overdue and rows else EXIT_OK


def lead_informed(ctx: Context, args: argparse.Namespace) -> int:
    duty = ctx.crm.information_given(
        subject_id(args.subject), channel=args.channel, at=instant(args.at)
    )
    ctx.emit(_row(duty), f"informed on {duty.done_at:%Y-%m-%d} by {duty.channel}")
    return EXIT_OK


def lead_exempt(ctx: Context, args: argparse.Namespace) -> int:
    duty = ctx.crm.exempt_information(
        subject_id(args.subject), Exemption(args.ground), reference=args.reference
    )
    ctx.emit(_row(duty), f"exempt under Art. {args.ground} ({args.reference})")
    return EXIT_OK


def lead_disclosed(ctx: Context, args: argparse.Namespace) -> int:
    ctx.crm.disclosed(subject_id(args.subject), args.recipient)
    duty = ctx.crm.information_duty(subject_id(args.subject))
    ctx.emit(
        {"disclosed": args.recipient, "duty": None if duty is None else _row(duty)},
        f"disclosure to {args.recipient} recorded",
    )
    return EXIT_OK


LEAD_COMMANDS: dict[tuple[str, str | None], Callable[[Context, argparse.Namespace], int]] = {
    ("lead", "list"): lead_list,
    ("lead", "informed"): lead_informed,
    ("lead", "exempt"): lead_exempt,
    ("lead", "disclosed"): lead_disclosed,
}
