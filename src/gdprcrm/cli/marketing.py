"""Direct marketing on the command line: the ``--via`` options (a channel, a contact
point) of ``decide``, ``consent`` and ``object``, and the ``link`` commands (double
opt-in confirmation, one-click unsubscribe)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from gdprcrm.cli.context import EXIT_OK, Context, instant, subject_id
from gdprcrm.errors import InvalidInput
from gdprcrm.model import Channel
from gdprcrm.policy import Outreach

__all__ = [
    "LINK_COMMANDS",
    "add_link_parsers",
    "add_via",
    "outreach_of",
    "via_of",
]

_CHANNELS = [c.value for c in Channel]


def add_via(parser: argparse.ArgumentParser, *, point: bool, opposition: bool = False) -> None:
    """``--via CHANNEL`` (and ``--point FIELD``, ``--opposition-listed yes|no``)."""
    parser.add_argument(
        "--via", choices=_CHANNELS, help="the marketing channel it is about (e-mail, SMS, ...)"
    )
    if point:
        parser.add_argument("--point", help="the field holding the contact point (with --via)")
    if opposition:
        parser.add_argument(
            "--opposition-listed",
            choices=["yes", "no"],
            help="what the national opposition list (Bloctel) answered for this number",
        )


def via_of(args: argparse.Namespace) -> Channel | None:
    return None if args.via is None else Channel(args.via)


def outreach_of(args: argparse.Namespace) -> Outreach | None:
    """The outreach ``decide --via`` describes, or None."""
    point = getattr(args, "point", None)
    listed = getattr(args, "opposition_listed", None)
    if args.via is None:
        if point is not None or listed is not None:
            raise InvalidInput("--point and --opposition-listed need --via CHANNEL")
        return None
    return Outreach(Channel(args.via), point, None if listed is None else listed == "yes")


def add_link_parsers(
    sub: Any, actions: Callable[[Any, str, str], Any], subject_help: str, at_help: str
) -> None:
    group = actions(sub, "link", "double opt-in and one-click unsubscribe links (Art. 7, 21)")
    for name, helptext in (
        ("confirmation", "the token of a double opt-in confirmation link"),
        ("unsubscribe-token", "the token of a one-click unsubscribe link (never expires)"),
    ):
        c = group.add_parser(name, help=helptext)
        c.add_argument("subject", help=subject_help)
        c.add_argument("purpose", help="a declared purpose id")
        c.add_argument("--channel", required=True, help="the channel code, e.g. e-mail")
        add_via(c, point=name == "confirmation")
    for name, helptext in (
        ("confirm", "redeem a confirmation token: the consent from now"),
        ("unsubscribe", "redeem an unsubscribe token: withdrawn, objected or unchanged"),
    ):
        c = group.add_parser(name, help=helptext)
        c.add_argument("token", help="the token from the link")
        c.add_argument("--at", help=at_help)


def link_confirmation(ctx: Context, args: argparse.Namespace) -> int:
    token = ctx.crm.confirmation_token(
        subject_id(args.subject),
        args.purpose,
        channel=args.channel,
        contact_channel=via_of(args),
        contact_point=args.point,
    )
    ctx.emit({"token": token}, token)
    return EXIT_OK


def link_unsubscribe_token(ctx: Context, args: argparse.Namespace) -> int:
    token = ctx.crm.unsubscribe_token(
        subject_id(args.subject), args.purpose, channel=args.channel, contact_channel=via_of(args)
    )
    ctx.emit({"token": token}, token)
    return EXIT_OK


def link_confirm(ctx: Context, args: argparse.Namespace) -> int:
    event = ctx.crm.confirm_consent(args.token, at=instant(args.at))
    ctx.emit(
        {"consent": str(event.id), "purpose": event.purpose_id},
        f"consent {event.id} to {event.purpose_id} confirmed",
    )
    return EXIT_OK


def link_unsubscribe(ctx: Context, args: argparse.Namespace) -> int:
    outcome = ctx.crm.unsubscribe(args.token, at=instant(args.at))
    ctx.emit({"outcome": outcome}, outcome)
    return EXIT_OK


LINK_COMMANDS: dict[tuple[str, str | None], Callable[[Context, argparse.Namespace], int]] = {
    ("link", "confirmation"): link_confirmation,
    ("link", "unsubscribe-token"): link_unsubscribe_token,
    ("link", "confirm"): link_confirm,
    ("link", "unsubscribe"): link_unsubscribe,
}
