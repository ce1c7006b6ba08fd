"""The ``gdprcrm interaction`` commands: the transparency log (Art. 5(1)(a), 12)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from gdprcrm.cli.context import EXIT_OK, Context, instant, subject_id
from gdprcrm.model import Direction, InteractionKind

__all__ = ["INTERACTION_COMMANDS", "add_interaction_parsers"]


def add_interaction_parsers(
    sub: Any, actions: Callable[[Any, str, str], Any], subject_help: str, at_help: str
) -> None:
    group = actions(sub, "interaction", "the log of contacts and communications (Art. 12)")
    add = group.add_parser("add", help="log a contact or communication with a person")
    add.add_argument("subject", help=subject_help)
    add.add_argument("purpose", help="one of the person's purposes")
    add.add_argument(
        "--kind", choices=[k.value for k in InteractionKind], default="contact", help="what"
    )
    add.add_argument(
        "--direction",
        choices=[d.value for d in Direction],
        required=True,
        help="inbound (from the person: moves the last-contact anchor) or outbound",
    )
    add.add_argument("--channel", required=True, help="a code: phone, e-mail, web-form ...")
    add.add_argument("--content", help="what was said (sealed; goes with the erasure)")
    add.add_argument("--at", help=at_help)
    listing = group.add_parser("list", help="a person's interactions, oldest first")
    listing.add_argument("subject", help=subject_help)


def interaction_add(ctx: Context, args: argparse.Namespace) -> int:
    item = ctx.crm.record_interaction(
        subject_id(args.subject),
        kind=InteractionKind(args.kind),
        direction=Direction(args.direction),
        purpose_id=args.purpose,
        channel=args.channel,
        content=args.content,
        at=instant(args.at),
    )
    ctx.emit({"interaction": str(item.id)}, str(item.id))
    return EXIT_OK


def interaction_list(ctx: Context, args: argparse.Namespace) -> int:
    logged = ctx.crm.interactions(subject_id(args.subject))
    rows = [
        {
            "interaction": str(i.interaction.id),
            "at": i.interaction.at.isoformat(),
            "kind": i.interaction.kind.value,
            "direction": i.interaction.direction.value,
            "purpose": i.interaction.purpose_id,
            "channel": i.interaction.channel,
            "content": i.content,
        }
        for i in logged
    ]
    lines = [
        f"{r['at']}  {r['direction']:8s} {r['kind']:13s} {r['channel']}  {r['content'] or ''}"
        for r in rows
    ]
    ctx.emit({"interactions": rows}, "\n".join(lines) or "no interaction")
    return EXIT_OK


INTERACTION_COMMANDS: dict[
    tuple[str, str | None], Callable[[Context, argparse.Namespace], int]
] = {
    ("interaction", "add"): interaction_add,
    ("interaction", "list"): interaction_list,
}
