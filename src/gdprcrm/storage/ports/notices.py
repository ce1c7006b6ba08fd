"""The notices port: every privacy-notice version ever published (Art. 7(1), 13, 14).

A consent names the notice version it was given under; whether it still counts depends
on how that version described the purpose (its material digest, gdprcrm.model.notice).
The declarations only hold today's notice, so the versions published before are kept
here, in the order they were published: a wording fix leaves every consent valid, a
material change needs them renewed, whatever the version labels say.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable

from gdprcrm.model import NoticeVersion
from gdprcrm.storage.ports._base import Repository, _check

__all__ = ["NoticeRepository"]


class NoticeRepository(Repository):
    """Published notice versions, append-only, in publication order."""

    def add(self, notice: NoticeVersion) -> None:
        """Append a version; DuplicateRecord if its label is stored already."""
        self._writable()
        _check(notice, NoticeVersion, "notices.add")
        self._add(notice)

    def all(self) -> list[NoticeVersion]:
        """Every stored version, oldest first (the order they were added)."""
        return list(self._all())

    @abc.abstractmethod
    def _add(self, notice: NoticeVersion) -> None:
        """Append after the others; DuplicateRecord for a label already stored."""

    @abc.abstractmethod
    def _all(self) -> Iterable[NoticeVersion]:
        """In the order added."""
