"""Which of a subject's values share one fate, and so one key scope (Art. 17, 5(1)(e)).

A profile value is erased when none of the subject's purposes that use it may keep it
any longer (its purposes expired, or an erasure whose holds do not cover it). Two fields
used by exactly the same declared purposes are therefore always erased together: they
share a *value group*, and a group shares one key scope, whose destruction erases every
copy of the group's values. Grouping by fate keeps the number of keys per subject at
the number of distinct purpose sets (a handful), not the number of fields.

Interactions' contents (what was said) go only with the subject's erasure: one scope.
"""

from __future__ import annotations

import hashlib
import uuid

from gdprcrm.model import Declarations, SubjectId

__all__ = ["interactions_scope", "value_group"]


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
