"""The ``gdprcrm`` command (also ``python -m gdprcrm``).

Exit codes: 0 success; 1 a check failed (e.g. the demo found an unexpected answer);
2 bad usage or bad input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from gdprcrm import __version__
from gdprcrm.errors import GdprCrmError

__all__ = ["EXIT_BAD_INPUT", "EXIT_CHECK_FAILED", "EXIT_OK", "main"]

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gdprcrm",
        description="GDPR-grade handling of customer data for any CRM.",
    )
    parser.add_argument("--version", action="version", version=f"gdprcrm {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    demo = commands.add_parser(
        "demo",
        help="walk through a French CRM scenario, step by step",
        description=(
            "Walk through a French CRM scenario on the embedded SQLite default, writing "
            "every document it produces (register, notices, exports, certificates)."
        ),
    )
    demo.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="an empty folder to work in (default: a new temporary folder)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from gdprcrm.demo import run_demo  # imported late: keeps start-up light

            return EXIT_CHECK_FAILED if run_demo(print, args.dir) else EXIT_OK
    except GdprCrmError as exc:
        print(f"gdprcrm: {type(exc).__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_BAD_INPUT  # pragma: no cover - argparse refuses unknown commands first
