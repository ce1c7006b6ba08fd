"""The one configured cattrs converter, used by adapters, exports and configuration.

Every model object goes to plain JSON-ready data (dicts, lists, strings, numbers) and
back unchanged::

    data = unstructure(purpose)        # JSON-ready
    assert structure(data, Purpose) == purpose

Conventions: instants are ISO 8601 strings in UTC; retention periods ISO 8601
durations (``P3Y``); UUIDs and subject ids strings; enums their values; sets sorted
lists; bytes lower-case hex; key/value pairs (consent evidence, audit details) objects.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, TypeVar

import cattrs
from cattrs.strategies import configure_tagged_union
from cattrs.v import format_exception
from dateutil.relativedelta import relativedelta

from gdprcrm.errors import InvalidInput, NaiveDatetime, SerializationError
from gdprcrm.model import (
    ConsentEvent,
    DetailValue,
    RecordId,
    SubjectId,
    format_period,
    parse_period,
)

__all__ = ["converter", "format_error", "make_converter", "structure", "unstructure"]

T = TypeVar("T")

_Pairs = tuple[tuple[str, str], ...]
_Details = tuple[tuple[str, DetailValue], ...]


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
    else:
        raise InvalidInput("expected an ISO 8601 instant")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise NaiveDatetime("instant without a time zone; use e.g. '2026-01-31T09:00:00+00:00'")
    return parsed.astimezone(dt.UTC)


def _structure_date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise InvalidInput("expected an ISO 8601 date")


def _structure_time(value: Any, _: type) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        return dt.time.fromisoformat(value)
    raise InvalidInput("expected a local time such as '10:00'")


def _structure_uuid(value: Any, _: type) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def _structure_subject_id(value: Any, _: type) -> SubjectId:
    if isinstance(value, SubjectId):
        return value
    return SubjectId.parse(str(value))


def _structure_record_id(value: Any, _: type) -> RecordId:
    if isinstance(value, RecordId):
        return value
    return RecordId.parse(str(value))


def _structure_period(value: Any, _: type) -> relativedelta:
    if isinstance(value, relativedelta):
        return value
    if not isinstance(value, str):
        raise InvalidInput("expected an ISO 8601 duration such as 'P3Y'")
    return parse_period(value)


def _structure_bytes(value: Any, _: type) -> bytes:
    if isinstance(value, bytes):
        return value
    return bytes.fromhex(str(value))


def _structure_pairs(value: Any, _: type) -> Any:
    if not isinstance(value, dict):
        raise InvalidInput("expected an object of key/value pairs")
    return tuple(sorted(value.items()))


def _is_pairs(t: Any) -> bool:
    return t in (_Pairs, _Details)


def make_converter() -> cattrs.Converter:
    """A fresh converter configured for the gdprcrm model (the pattern of cattrs preconf)."""
    c = cattrs.Converter(forbid_extra_keys=True)
    c.register_unstructure_hook(dt.datetime, lambda v: v.astimezone(dt.UTC).isoformat())
    c.register_structure_hook(dt.datetime, _structure_datetime)
    c.register_unstructure_hook(dt.time, lambda v: v.isoformat())
    c.register_structure_hook(dt.time, _structure_time)
    c.register_unstructure_hook(dt.date, lambda v: v.isoformat())
    c.register_structure_hook(dt.date, _structure_date)
    c.register_unstructure_hook(uuid.UUID, str)
    c.register_structure_hook(uuid.UUID, _structure_uuid)
    c.register_unstructure_hook(SubjectId, str)
    c.register_structure_hook(SubjectId, _structure_subject_id)
    c.register_unstructure_hook(RecordId, str)
    c.register_structure_hook(RecordId, _structure_record_id)
    c.register_unstructure_hook(relativedelta, format_period)
    c.register_structure_hook(relativedelta, _structure_period)
    c.register_unstructure_hook(bytes, lambda v: v.hex())
    c.register_structure_hook(bytes, _structure_bytes)
    c.register_unstructure_hook_func(
        lambda t: t in (frozenset, set) or getattr(t, "__origin__", None) in (frozenset, set),
        lambda v: sorted((c.unstructure(x) for x in v), key=str),
    )
    c.register_unstructure_hook_func(_is_pairs, dict)
    c.register_structure_hook_func(_is_pairs, _structure_pairs)
    configure_tagged_union(
        ConsentEvent,
        c,
        tag_name="event",
        tag_generator=lambda cl: {
            "ConsentGiven": "given",
            "ConsentWithdrawn": "withdrawn",
            "ConsentRefused": "refused",
        }[cl.__name__],
    )
    return c


converter = make_converter()
"""The shared converter. Treat it as read-only: register hooks on your own
:func:`make_converter` copy."""


def unstructure(obj: Any, unstructure_as: Any = None) -> Any:
    """A model object as JSON-ready data.

    Pass ``unstructure_as=ConsentEvent`` to tag a consent event with its kind
    (``"event": "given"`` or ``"withdrawn"``) so it can be read back as the union.
    """
    return converter.unstructure(obj, unstructure_as=unstructure_as)


def format_error(exc: BaseException, type_: Any) -> str:
    """cattrs' ``format_exception`` hook, keeping gdprcrm's own messages."""
    return _format(exc, type_)


def _format(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, InvalidInput):
        return str(exc)
    return format_exception(exc, type_)


def _path_first(line: str) -> str:
    message, sep, path = line.rpartition(" @ ")
    return f"{path}: {message}" if sep else line


def structure(data: Any, cls: type[T]) -> T:
    """Rebuild a ``cls`` from :func:`unstructure`'s output.

    Raises :class:`~gdprcrm.errors.SerializationError` (a ``ValueError``) whose
    ``errors`` are ``$.path: message`` lines.
    """
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        lines = tuple(
            _path_first(line)
            for line in cattrs.transform_error(exc, path="$", format_exception=_format)
        )
        raise SerializationError(f"cannot read {_name(cls)}", lines) from None
    except (InvalidInput, ValueError, TypeError, KeyError) as exc:
        raise SerializationError(f"cannot read {_name(cls)}", (f"$: {exc}",)) from None


def _name(cls: Any) -> str:
    return getattr(cls, "__name__", None) or str(cls)
