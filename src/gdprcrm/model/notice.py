"""Which purposes a published privacy notice described, and how (Art. 7(1), 13, 14).

A consent only counts for a purpose the notice shown at the time described, in the form
it still has: a consent given under v1 does not cover a purpose that v2 adds, nor one
that has since changed materially.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import as_utc, aware, text, to_pairs
from gdprcrm.model.purpose import Purpose

__all__ = ["MATERIAL_ATTRIBUTES", "NoticeVersion", "material_digest"]

MATERIAL_ATTRIBUTES = (
    "basis",
    "fields",
    "retention",
    "recipients",
    "transfers",
    "automated_decision",
    "direct_marketing",
    "explicit_consent",
    "special_condition",
    "legitimate_interests",
    "compatible_with",
)
"""What a consent is given *to*: changing any of these needs the consent renewed.
Names, descriptions and wording are not material."""


def material_digest(purpose: Purpose) -> str:
    """A SHA-256 over the material parts of a purpose, hex; equal iff they are equal."""
    from gdprcrm.serialization import converter

    data = converter.unstructure(purpose)
    material = {key: data[key] for key in MATERIAL_ATTRIBUTES}
    material["id"] = purpose.id
    blob = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _digests(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], str)
        for p in value
    ):
        raise InvalidInput("NoticeVersion.purposes: expected purpose ids mapped to digests")


@attrs.frozen
class NoticeVersion:
    """A published notice version: the purposes it described, each with its digest."""

    version: str = attrs.field(validator=text)
    published_at: datetime = attrs.field(converter=as_utc, validator=aware)
    purposes: tuple[tuple[str, str], ...] = attrs.field(converter=to_pairs, validator=_digests)

    @classmethod
    def describing(
        cls, version: str, published_at: datetime, purposes: Iterable[Purpose]
    ) -> NoticeVersion:
        """The record of a notice that described ``purposes`` as they are now."""
        return cls(version, published_at, tuple((p.id, material_digest(p)) for p in purposes))

    @property
    def digests(self) -> Mapping[str, str]:
        return dict(self.purposes)
