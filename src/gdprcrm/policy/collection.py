"""Collection rules: purpose limitation, minimisation, the suppression list.

Pure: what the declarations allow to be stored for a set of purposes.

* Art. 5(1)(b) - data is collected for specified purposes: at least one, each declared.
* Art. 5(1)(c) - only values that one of those purposes needs; the error names the field.
* Art. 21(3) - a contact point that objected to direct marketing may not be collected
  again for a direct-marketing purpose (its hash outlives the erasure); one that
  objected to some channels only is collected with those channels stopped, unless they
  are all the purposes could use. The CNIL asks
  for the list to be kept at least three years from the objection: a purge may only
  take entries older than that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from dateutil.relativedelta import relativedelta

from gdprcrm.errors import InvalidInput, MinimisationError
from gdprcrm.model import Channel, Declarations, Lookup, Purpose
from gdprcrm.model.declarations import MIN_SUPPRESSION_YEARS, check_suppression_years

__all__ = [
    "MIN_SUPPRESSION_YEARS",
    "check_purposes",
    "check_values",
    "suppressed_channels",
    "suppression_applies",
    "suppression_cutoff",
]


def check_purposes(declarations: Declarations, purposes: Iterable[str]) -> tuple[str, ...]:
    """Art. 5(1)(b): the declared purposes, sorted and unique; at least one."""
    if isinstance(purposes, str):
        raise InvalidInput("purposes: give a list of purpose ids, not one string")
    if not isinstance(purposes, Iterable) or isinstance(purposes, bytes | Mapping):
        raise InvalidInput("purposes: give a list of purpose ids")
    purposes = list(purposes)
    if not all(isinstance(p, str) for p in purposes):
        raise InvalidInput("purposes: purpose ids are text")
    chosen = tuple(sorted(set(purposes)))
    if not chosen:
        raise InvalidInput("give at least one purpose (Art. 5(1)(b))")
    for purpose_id in chosen:
        declarations.purpose(purpose_id)  # UnknownPurpose for an undeclared one
    return chosen


def check_values(
    declarations: Declarations, values: Mapping[str, str], purposes: Iterable[str]
) -> None:
    """Art. 5(1)(c): every value declared, text, and needed by one of ``purposes``."""
    if not isinstance(values, Mapping):
        raise InvalidInput("values: expected a mapping of field names to text")
    chosen = sorted(purposes)
    needed = declarations.fields_needed(chosen)
    for name, value in values.items():
        declarations.field(name)  # UnknownField for an undeclared one
        if name not in needed:
            raise MinimisationError(
                f"field {name!r} is needed by none of the purposes {chosen} (Art. 5(1)(c))"
            )
        if not isinstance(value, str):
            raise InvalidInput(f"field {name!r}: values are text")


def suppression_applies(declarations: Declarations, purposes: Iterable[str]) -> bool:
    """Art. 21(3): collecting for these purposes must consult the suppression list."""
    return any(declarations.purpose(p).direct_marketing for p in purposes)


def suppressed_channels(
    scopes: Iterable[Channel | None], kind: Lookup, purposes: Iterable[Purpose]
) -> frozenset[Channel] | None:
    """Art. 21(3), per channel: what collecting a contact point of ``kind`` for
    ``purposes`` must respect, given what it objected to (``scopes``, from the list).

    None: refused, it objected to all direct marketing, or to every channel one of the
    direct-marketing purposes among ``purposes`` could reach it by (collecting it for
    that purpose would be collecting it for nothing lawful). Otherwise the channels it
    objected to, which the new record must carry as objections (empty: nothing to
    respect)."""
    scoped = set(scopes)
    if None in scoped:
        return None
    channels = frozenset(c for c in scoped if c is not None)
    for p in purposes:
        reachable = {
            c for c in Channel if c.lookup is kind and (not p.channels or c in p.channels)
        }
        if p.direct_marketing and channels and reachable and reachable <= channels:
            return None
    return channels


def suppression_cutoff(now: datetime, keep_years: int) -> datetime:
    """Art. 21(3): the instant before which suppression entries may be purged when they
    are kept ``keep_years`` (three at least, the CNIL's minimum)."""
    return now - relativedelta(years=check_suppression_years(keep_years, "keep_years"))
