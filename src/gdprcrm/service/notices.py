"""Notice history (Art. 7(1), 13, 14): every published version kept, so that a consent is
judged by the notice it was actually given under.

The declarations describe today's notice only. When the Controller starts, the declared
versions the store does not hold yet are appended to it (``notice.published``), and the
Controller then knows every version ever published:

* a wording fix (a new label, often the automatic ``sha256:...`` one) leaves the purposes'
  material digests unchanged: the consents given under the earlier label still count;
* a material change under a label already used (``version = "2025-09"`` kept while a
  purpose gained a recipient) is published under a derived label
  (``2025-09+<digest>``), so that the consents given under the first one are seen as
  given to what it described, and need renewal (``consent-renewal-required``).
"""

from __future__ import annotations

import hashlib

import attrs

from gdprcrm.errors import AuditTampered, DuplicateRecord
from gdprcrm.model import Declarations, NoticeVersion
from gdprcrm.service.kernel import Kernel

__all__ = ["sync_notices"]


def _relabelled(notice: NoticeVersion) -> NoticeVersion:
    """The same notice under a label derived from its material content: the same
    content always gets the same label, in every process."""
    canonical = "\n".join(f"{pid}={digest}" for pid, digest in sorted(notice.purposes))
    short = hashlib.sha256(canonical.encode()).hexdigest()[:12]
    return attrs.evolve(notice, version=f"{notice.version}+{short}")


def _plan(
    declared: tuple[NoticeVersion, ...], stored: list[NoticeVersion]
) -> tuple[list[NoticeVersion], list[NoticeVersion], int]:
    """(versions to append, the declared versions as they are to be known, how many
    were relabelled because their label was taken by other material content)."""
    by_label = {n.version: n for n in stored}
    to_add: list[NoticeVersion] = []
    known: list[NoticeVersion] = []
    relabelled = 0
    for notice in declared:
        same = by_label.get(notice.version)
        if same is not None and same.digests != notice.digests:
            notice = _relabelled(notice)  # the label now names other material content
            relabelled += 1
            same = by_label.get(notice.version)
        if same is None:
            to_add.append(notice)
            by_label[notice.version] = notice
        known.append(by_label[notice.version])
    return to_add, known, relabelled


def sync_notices(k: Kernel) -> Declarations:
    """Append the declared notice versions the store lacks (audited) and return the
    declarations knowing every stored version, today's last (see the module docstring).
    Safe when several processes start at once: a lost race is read again. On a trail
    cut before its latest checkpoint (a restore not yet acknowledged, or tampering),
    nothing is written: the versions are known in memory, and stored by the next call
    once the trail can be extended."""
    declared = k.declarations.notices
    for attempt in (1, 2):
        try:
            with k.storage.unit_of_work() as uow:
                stored = uow.notices.all()
                to_add, known, relabelled = _plan(declared, stored)
                for notice in to_add:
                    uow.notices.add(notice)
                if to_add:
                    k.audit(
                        uow,
                        "notice.published",
                        at=k.clock.now(),
                        details={"versions": len(to_add), "relabelled": relabelled},
                    )
                    uow.commit()
            break
        except AuditTampered:  # the unit rolled back; decide with them all the same
            break
        except DuplicateRecord:
            if attempt == 2:
                raise
    labels = {n.version for n in known}
    history = [n for n in (*stored, *to_add) if n.version not in labels]
    return attrs.evolve(k.declarations, notices=(*history, *known))
