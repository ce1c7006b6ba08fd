"""The SQL notices repository: published notice versions, in order (Art. 7(1), 13)."""

from __future__ import annotations

from collections.abc import Iterable

from gdprcrm.model import NoticeVersion
from gdprcrm.storage import protocols as p
from gdprcrm.storage._sql import Repo, dump, load

__all__ = ["Notices"]


class Notices(Repo, p.NoticeRepository):
    def _add(self, notice: NoticeVersion) -> None:
        row = self._run("SELECT COALESCE(MAX(seq), -1) FROM gdprcrm_notices").fetchone()
        self._w(
            "INSERT INTO gdprcrm_notices VALUES (?, ?, ?)",
            (int(row[0]) + 1, notice.version, dump(notice)),
        )

    def _all(self) -> Iterable[NoticeVersion]:
        rows = self._run("SELECT doc FROM gdprcrm_notices ORDER BY seq").fetchall()
        return [load(r[0], NoticeVersion) for r in rows]
