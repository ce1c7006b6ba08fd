"""Validators and converters shared by the model classes (private)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import attrs

from gdprcrm.errors import InvalidInput, NaiveDatetime

T = TypeVar("T")

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CATEGORY_KEY = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,4}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
_SHOWN_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_DIGITS_SHOWN = 7
"""Fewer digits than any phone number, date of birth, IBAN or card number holds."""


def shown(value: object) -> str:
    """How an error message names what a caller gave where an id was expected (a
    purpose, a record kind, a field, a recipient, a channel): the id quoted when it has
    the shape of one (a lower-case letter first, then letters, digits, '-' or '_', no
    run of seven digits), else only what kind of value it was. A message never repeats
    an e-mail address, a phone number or a date passed by mistake (Art. 5(1)(f), 32:
    exceptions reach logs that no erasure reaches)."""
    if isinstance(value, str):
        if (
            _SHOWN_ID.fullmatch(value)
            and sum(c.isdigit() for c in value) < _DIGITS_SHOWN
            and _not_personal(value)
        ):
            return repr(value)
        return "(a text that is not an id, not repeated here)"
    return f"(a {type(value).__name__}, not an id)"


def _not_personal(text: str) -> bool:
    """The personal-data guard's verdict on an id-shaped text, any full date counting as
    a date of birth (imported here: the guard depends on the model)."""
    from gdprcrm.personal_data import find_personal_data

    return find_personal_data(text, dates_before=date.max, code=True) is None


def _where(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def as_utc(value: datetime) -> datetime:
    """Converter: an aware datetime in UTC; a naive one is left for `aware` to refuse."""
    if value.__class__ is datetime and value.tzinfo is UTC:  # the common case, first
        return value
    if isinstance(value, datetime) and value.tzinfo is not None:
        if value.utcoffset() is None:
            return value
        if value.tzinfo is not UTC:
            return value.astimezone(UTC)
    return value


def optional_as_utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: a timezone-aware :class:`datetime` (all instants are UTC)."""
    if value.__class__ is datetime and value.tzinfo is UTC:  # the common case, first
        return
    if not isinstance(value, datetime):
        raise InvalidInput(f"{_where(instance, attribute)}: expected a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(
            f"{_where(instance, attribute)}: naive datetime; pass a timezone-aware UTC instant"
        )


def optional_aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        aware(instance, attribute, value)


def check_aware(value: datetime, what: str) -> datetime:
    """For plain functions: refuse a naive instant, return it in UTC."""
    if value.__class__ is datetime and value.tzinfo is UTC:  # the common case, first
        return value
    if not isinstance(value, datetime):
        raise InvalidInput(f"{what}: expected a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(f"{what}: naive datetime; pass a timezone-aware UTC instant")
    return value.astimezone(UTC)


def check_date(value: object, what: str) -> date:
    """For plain functions: a calendar date, not a datetime (an instant: take its date
    in a time zone first)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput(f"{what}: expected a date (a datetime is an instant)")
    return value


def slug(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: a short machine id such as ``newsletter`` or ``after-sales``."""
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise InvalidInput(
            f"{_where(instance, attribute)}: expected an id of lower-case letters, digits, "
            "'-' or '_' (at most 64 characters)"
        )


_FIELD_NAMES_SEEN: set[str] = set()
"""Field names found well-formed (a CRM has a few dozen): checked once each."""


def field_name(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value.__class__ is str and value in _FIELD_NAMES_SEEN:
        return
    if not isinstance(value, str) or not _FIELD_NAME.fullmatch(value):
        raise InvalidInput(
            f"{_where(instance, attribute)}: expected a field name of lower-case letters, "
            "digits and '_' starting with a letter"
        )
    if value.__class__ is str and len(_FIELD_NAMES_SEEN) < 4096:
        _FIELD_NAMES_SEEN.add(value)


def category_key(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _CATEGORY_KEY.fullmatch(value):
        raise InvalidInput(
            f"{_where(instance, attribute)}: expected a dotted category key such as "
            "'contact.email'"
        )


def language(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
        raise InvalidInput(
            f"{_where(instance, attribute)}: expected a language tag such as 'fr' or 'fr-FR'"
        )


def text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: a non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{_where(instance, attribute)}: expected a non-empty text")


def optional_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        text(instance, attribute, value)


def non_negative_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{_where(instance, attribute)}: expected an integer >= 0")


def instance_of(*types: type) -> Any:
    """Like attrs' instance_of, but raising InvalidInput with the field's name."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        ok = False if isinstance(value, bool) and bool not in types else isinstance(value, types)
        if not ok:
            names = " or ".join(t.__name__ for t in types)
            raise InvalidInput(
                f"{_where(instance, attribute)}: expected {names}, got {type(value).__name__}"
            )

    return check


def tuple_of(*types: type) -> Any:
    """Validator: a tuple whose items are all instances of ``types``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            raise InvalidInput(f"{_where(instance, attribute)}: expected a tuple")
        for i, item in enumerate(value):
            if not isinstance(item, types):
                names = " or ".join(t.__name__ for t in types)
                raise InvalidInput(
                    f"{_where(instance, attribute)}[{i}]: expected {names}, "
                    f"got {type(item).__name__}"
                )

    return check


def frozenset_of_slugs(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, frozenset):
        raise InvalidInput(f"{_where(instance, attribute)}: expected a frozenset")
    for item in value:
        if not isinstance(item, str) or not _SLUG.fullmatch(item):
            raise InvalidInput(f"{_where(instance, attribute)}: invalid id in the set")


def to_tuple(value: Any) -> Any:
    """Converter: any iterable (but a string) to a tuple; anything else unchanged."""
    if isinstance(value, tuple | str | bytes) or not hasattr(value, "__iter__"):
        return value
    return tuple(value)


def to_frozenset(value: Any) -> Any:
    if isinstance(value, (frozenset, str | bytes)):
        return value
    if hasattr(value, "__iter__"):
        return frozenset(value)
    return value


def to_pairs(value: Any) -> Any:
    """Converter: a mapping or iterable of pairs to a sorted tuple of (str, str) pairs."""
    if isinstance(value, dict):
        value = value.items()
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        return value
    try:
        pairs = tuple((k, v) for k, v in value)
    except (TypeError, ValueError):
        return value
    return tuple(sorted(pairs, key=lambda p: str(p[0])))


def str_pairs(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], str)
        for p in value
    ):
        raise InvalidInput(
            f"{_where(instance, attribute)}: expected a mapping of text keys to text values"
        )
    keys = [p[0] for p in value]
    if len(set(keys)) != len(keys):
        raise InvalidInput(f"{_where(instance, attribute)}: duplicate keys")


def collection_of(values: object, cls: type, what: str) -> list[Any]:
    """``values`` as a list, each an instance of ``cls`` (``object``: any); InvalidInput
    for text, bytes, anything not iterable or an item of another type (a bare
    TypeError would leave the caller to guess which argument was wrong)."""
    if isinstance(values, str | bytes | bytearray | memoryview) or not isinstance(
        values, Iterable
    ):
        raise InvalidInput(f"{what}: expected a collection of {cls.__name__}")
    items = list(values)
    if cls is not object and not all(isinstance(item, cls) for item in items):
        raise InvalidInput(f"{what}: expected {cls.__name__} items")
    return items


def as_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """Converter: any iterable to a tuple (for sequence fields)."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        return value  # type: ignore[return-value]  # the validator names the field
    return tuple(value)
