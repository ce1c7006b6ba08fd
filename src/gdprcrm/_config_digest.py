"""The short id of a set of declarations (private to the loader): it labels the notice
version when the declarations give none, so it changes if and only if the declared
content does, and declarations that use nothing added since 0.1 keep the id they had.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from gdprcrm.errors import InvalidInput
from gdprcrm.model import Declarations, FinancialYearEnd, format_period
from gdprcrm.model.declarations import DEFAULT_ASK_AGAIN_AFTER, DEFAULT_PENDING_CONSENT

__all__ = ["declarations_digest"]

_SINCE_0_1 = frozenset(
    {
        "translations",
        "valid_from",
        "valid_until",
        "financial_year_end",
        "channels",
        "sector",
        "existing_customers",
    }
)
"""Attributes added after 0.1: left out of the digest while empty."""


def _without_unset_additions(value: Any) -> Any:
    """Declarations that use nothing added since 0.1 (translations, transfer windows)
    keep the digest they had: an upgrade must not relabel the notice."""
    if isinstance(value, dict):
        return {
            k: _without_unset_additions(v)
            for k, v in value.items()
            if not (k in _SINCE_0_1 and not v) and not (k == "audience" and v == "consumer")
        }
    if isinstance(value, list):
        return [_without_unset_additions(v) for v in value]
    return value


def declarations_digest(declarations: Declarations) -> str:
    """A short id that changes if and only if the declared content changes."""
    from gdprcrm.serialization import unstructure

    if not isinstance(declarations, Declarations):
        raise InvalidInput("declarations_digest: expected Declarations")

    content = {
        "controller": _without_unset_additions(unstructure(declarations.controller)),
        "fields": unstructure(list(declarations.fields)),
        "purposes": _without_unset_additions(unstructure(list(declarations.purposes))),
    }
    # Absent, the later keys leave the digests of earlier declarations unchanged.
    if declarations.suppression_years is not None:
        content["suppression_years"] = declarations.suppression_years
    if declarations.records:
        content["records"] = _without_unset_additions(unstructure(list(declarations.records)))
    if declarations.marketing_laws:
        content["marketing_laws"] = unstructure(list(declarations.marketing_laws))
    if declarations.security_measures:
        content["security_measures"] = list(declarations.security_measures)
    if declarations.ask_again_after != DEFAULT_ASK_AGAIN_AFTER:
        content["ask_again_after"] = format_period(declarations.ask_again_after)
    if declarations.pending_consent != DEFAULT_PENDING_CONSENT:
        content["pending_consent"] = format_period(declarations.pending_consent)
    if declarations.financial_year_end != FinancialYearEnd():
        content["financial_year_end"] = str(declarations.financial_year_end)
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()[:16]
