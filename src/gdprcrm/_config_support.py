"""Helpers of the declarations loader (private): strict TOML types, error collection."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from gdprcrm.errors import InvalidInput
from gdprcrm.serialization import make_converter

T = TypeVar("T")
_E = TypeVar("_E", bound=enum.Enum)


def strict(kind: type[Any]) -> Callable[[Any, type], Any]:
    def structure(value: Any, _: type) -> Any:
        # TOML has real booleans, integers and strings: no silent coercion ("yes" is
        # not True, 3 is not "3").
        if type(value) is not kind:
            raise InvalidInput(f"expected a TOML {kind.__name__}, got {type(value).__name__}")
        return value

    return structure


CONVERTER = make_converter()
for _kind in (bool, int, str):
    CONVERTER.register_structure_hook(_kind, strict(_kind))


class Errors:
    """Collects ``$.path: message`` lines while building the model."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def run(self, path: str, build: Callable[[], T]) -> T | None:
        try:
            return build()
        except (InvalidInput, ValueError, KeyError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.lines.append(f"{path}: {message}")
            return None


def enum_value(cls: type[Any], value: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise InvalidInput(f"{value!r} is not one of {allowed}") from None


def named(
    names: Sequence[str], known: Mapping[str, T], path: str, what: str, errors: Errors
) -> list[T]:
    """The declared items ``names`` refers to; an error line for each unknown one."""
    found = []
    for j, name in enumerate(names):
        if name in known:
            found.append(known[name])
        else:
            errors.lines.append(f"{path}[{j}]: undeclared {what} {name!r}")
    return found


def translations_of(doc: Any) -> dict[str, dict[str, str]]:
    """The ``[<table>.en]`` / ``[<table>.fr]`` sub-tables of a declared object."""
    return {lang: dict(texts) for lang in ("en", "fr") if (texts := getattr(doc, lang))}
