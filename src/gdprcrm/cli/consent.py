"""The ``gdprcrm consent`` commands: give, withdraw, refuse (Art. 7), and the signed
receipt of a consent event (Art. 7(1))."""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable

from gdprcrm.cli.context import EXIT_OK, Context, subject_id
from gdprcrm.cli.marketing import via_of
from gdprcrm.errors import InvalidInput

__all__ = ["CONSENT_COMMANDS"]


def consent_receipt(ctx: Context, args: argparse.Namespace) -> int:
    event = None
    if args.event is not None:
        try:
            event = uuid.UUID(args.event)
        except ValueError:
            raise InvalidInput(f"--event {args.event!r}: not a UUID") from None
    text = ctx.crm.consent_receipt(subject_id(args.subject), args.purpose, event_id=event)
    print(text)  # the signed document itself, already JSON
    return EXIT_OK


def consent_give(ctx: Context, args: argparse.Namespace) -> int:
    event = ctx.crm.give_consent(
        subject_id(args.subject),
        args.purpose,
        channel=args.channel,
        contact_channel=via_of(args),
        contact_point=args.point,
    )
    ctx.emit(
        {"consent": str(event.id), "notice": event.notice_version},
        f"consent {event.id} given under notice {event.notice_version}",
    )
    return EXIT_OK


def consent_withdraw(ctx: Context, args: argparse.Namespace) -> int:
    events = ctx.crm.withdraw_consent(
        subject_id(args.subject), args.purpose, channel=args.channel, contact_channel=via_of(args)
    )
    ctx.emit(
        {"withdrawn": [str(e.consent_id) for e in events]}, f"{len(events)} consent(s) withdrawn"
    )
    return EXIT_OK


def consent_refuse(ctx: Context, args: argparse.Namespace) -> int:
    event = ctx.crm.refuse_consent(subject_id(args.subject), args.purpose, channel=args.channel)
    ctx.emit(
        {"refusal": str(event.id), "notice": event.notice_version},
        f"refusal {event.id} recorded under notice {event.notice_version}",
    )
    return EXIT_OK


CONSENT_COMMANDS: dict[tuple[str, str | None], Callable[[Context, argparse.Namespace], int]] = {
    ("consent", "give"): consent_give,
    ("consent", "withdraw"): consent_withdraw,
    ("consent", "refuse"): consent_refuse,
    ("consent", "receipt"): consent_receipt,
}
