"""Which of a subject's values share one fate, and so one key scope (Art. 17, 5(1)(e)).

A profile value is erased when none of the subject's purposes that use it may keep it
any longer (its purposes expired, or an erasure whose holds do not cover it). Two fields
used by exactly the same declared purposes are therefore always erased together: they
share a *value group*, and a group shares one key scope, whose destruction erases every
copy of the group's values. Grouping by fate keeps the number of keys per subject at
the number of distinct purpose sets (a handful), not the number of fields.

Interactions' contents (what was said) go only with the subject's erasure: one scope;
so do the free texts kept about the person (consent evidence, request notes, the
source of indirect data): another.
"""

from __future__ import annotations

import hashlib
import uuid

from gdprcrm.model import Declarations, SubjectId

__all__ = [
    "erasure_marker",
    "interactions_scope",
    "marked_subject",
    "notes_scope",
    "value_group",
]

_MARKER_MASK = hashlib.sha256(b"gdprcrm erasure marker").digest()[:16]


def value_group(declarations: Declarations, field: str) -> str:
    """The fate group of a profile field: ``purposes:`` and the declared purposes that
    use it, sorted and joined by ``+``; ``field:`` and its name for a field no purpose
    declares (such as the reserved birth date, erased first in any erasure)."""
    users = sorted(p.id for p in declarations.purposes if field in p.field_names)
    return "purposes:" + "+".join(users) if users else "field:" + field


def interactions_scope(subject_id: SubjectId) -> uuid.UUID:
    """The key scope of a subject's interaction contents: fixed per subject (it is only
    destroyed by the subject's erasure, after which nothing new is recorded)."""
    digest = hashlib.sha256(b"gdprcrm scope: interactions\x00" + subject_id.bytes).digest()
    return uuid.UUID(bytes=digest[:16])


def notes_scope(subject_id: SubjectId) -> uuid.UUID:
    """The key scope of the free texts kept about a subject (consent evidence, request
    notes, the source of indirect data): fixed per subject, destroyed by the first step
    of its erasure, after which nothing new is written for it."""
    digest = hashlib.sha256(b"gdprcrm scope: notes\x00" + subject_id.bytes).digest()
    return uuid.UUID(bytes=digest[:16])


def erasure_marker(subject_id: SubjectId) -> uuid.UUID:
    """A key scope that holds no key: destroying it leaves a tombstone in the key store
    saying "this subject's erasure started", which survives a restore of the data store
    from before that erasure (:func:`gdprcrm.service.restores.reconcile` resumes it).
    Derived reversibly from the subject id, so a tombstone names its subject."""
    return uuid.UUID(
        bytes=bytes(a ^ b for a, b in zip(subject_id.bytes, _MARKER_MASK, strict=True))
    )


def marked_subject(scope: uuid.UUID) -> SubjectId:
    """The subject whose :func:`erasure_marker` ``scope`` would be (any scope maps to
    some id; the caller checks that the subject exists)."""
    return SubjectId(
        uuid.UUID(bytes=bytes(a ^ b for a, b in zip(scope.bytes, _MARKER_MASK, strict=True)))
    )
