"""Switching an SQLite file to write-ahead logging, when several openers race for it.

``PRAGMA journal_mode=WAL`` on a new file needs a lock that SQLite does not wait for
through the busy handler: two processes opening the same new database at once saw
"database is locked" from the second. The switch is retried until ``timeout``.
Used by the data store and the key store; it imports nothing of gdprcrm's.
"""

from __future__ import annotations

import sqlite3
import time

__all__ = ["enable_wal"]


def enable_wal(db: sqlite3.Connection, timeout: float) -> None:
    """Put ``db`` in WAL mode, retrying a locked file for up to ``timeout`` seconds
    (then raising the driver's OperationalError)."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
