"""Which purposes a published privacy notice described, and how (Art. 7(1), 13, 14).

A consent only counts for a purpose the notice shown at the time described, in the form
it still has: a consent given under v1 does not cover a purpose that v2 adds, nor one
that has since changed materially.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import as_utc, aware, text, to_pairs
from gdprcrm.model.automated import AutomatedDecision
from gdprcrm.model.category import DataCategory
from gdprcrm.model.channel import Audience
from gdprcrm.model.field import FieldSpec
from gdprcrm.model.purpose import Purpose
from gdprcrm.model.recipient import Recipient, Transfer
from gdprcrm.model.retention import RetentionRule, format_period

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
    "channels",
    "audience",
    "sector",
    "existing_customers",
)
"""What a consent is given *to*: changing any of these needs the consent renewed.
Names, descriptions and wording are not material."""


def material_digest(purpose: Purpose) -> str:
    """A SHA-256 over the material parts of a purpose, hex; equal iff they are equal.

    The canonical form is written out here by hand, independent of any converter, so
    that the digests stored with consents never change behind their back: the golden
    digests in tests/model/test_notice_digest.py pin it.
    """
    material = _material(purpose)
    blob = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _opt(value: enum.Enum | None) -> str | None:
    return None if value is None else value.value


def _category(c: DataCategory) -> dict[str, Any]:
    return {
        "key": c.key,
        "label": c.label,
        "group": c.group.value,
        "special": c.special,
        "criminal": c.criminal,
    }


def _field(f: FieldSpec) -> dict[str, Any]:
    return {
        "name": f.name,
        "category": _category(f.category),
        "provenance": f.provenance.value,
        "lookup": _opt(f.lookup),
        "description": f.description,
    }


def _retention(r: RetentionRule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "period": format_period(r.period),
        "anchor": r.anchor.value,
        "action": r.action.value,
        "legal_reference": r.legal_reference,
    }
    if r.financial_year_end is not None:  # absent otherwise: earlier digests unchanged
        out["financial_year_end"] = str(r.financial_year_end)
    return out


def _recipient(r: Recipient) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "kind": r.kind.value,
        "country": r.country,
        "contract_reference": r.contract_reference,
        "category": r.category,
    }


def _transfer(t: Transfer) -> dict[str, Any]:
    return {
        "country": t.country,
        "mechanism": t.mechanism.value,
        "reference": t.reference,
        "recipient_id": t.recipient_id,
    }


def _automated(a: AutomatedDecision | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "logic": a.logic,
        "significance": a.significance,
        "solely_automated": a.solely_automated,
        "significant": a.significant,
        "human_review": a.human_review,
    }


def _material(p: Purpose) -> dict[str, Any]:
    """The canonical form of what a consent is given to (see MATERIAL_ATTRIBUTES)."""
    return {
        "id": p.id,
        "basis": p.basis.value,
        "fields": [_field(f) for f in p.fields],
        "retention": _retention(p.retention),
        "recipients": [_recipient(r) for r in p.recipients],
        "transfers": [_transfer(t) for t in p.transfers],
        "automated_decision": _automated(p.automated_decision),
        "direct_marketing": p.direct_marketing,
        "explicit_consent": p.explicit_consent,
        "special_condition": _opt(p.special_condition),
        "legitimate_interests": p.legitimate_interests,
        "compatible_with": sorted(p.compatible_with),
        **_marketing(p),
    }


def _marketing(p: Purpose) -> dict[str, Any]:
    """How and to whom it markets, where declared (absent otherwise: earlier digests
    unchanged)."""
    out: dict[str, Any] = {}
    if p.channels:
        out["channels"] = sorted(c.value for c in p.channels)
    if p.audience is not Audience.CONSUMER:
        out["audience"] = p.audience.value
    if p.sector is not None:
        out["sector"] = p.sector
    if p.existing_customers:
        out["existing_customers"] = True
    return out


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
