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

The parser is in :mod:`gdprcrm.cli.parser`; each command is one small handler in
:mod:`gdprcrm.cli.handlers`, found through one dispatch table.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from gdprcrm.cli.context import (
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    EXIT_FAILURE,
    EXIT_OK,
    Context,
)
from gdprcrm.cli.handlers import COMMANDS
from gdprcrm.cli.parser import build_parser
from gdprcrm.errors import GdprCrmError, InvalidInput, NotFound

__all__ = ["EXIT_BAD_INPUT", "EXIT_CHECK_FAILED", "EXIT_FAILURE", "EXIT_OK", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    key = (args.command, getattr(args, "action", None))
    ctx = Context(args)
    try:
        try:
            return COMMANDS[key](ctx, args)
        finally:
            ctx.close()  # a checkpoint of the trail: it may find tampering too
    except (InvalidInput, NotFound) as exc:
        print(f"gdprcrm: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (GdprCrmError, OSError) as exc:
        print(f"gdprcrm: {type(exc).__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_FAILURE
