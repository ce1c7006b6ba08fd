"""Texts in the languages people read (Art. 12(1): concise, intelligible, in clear and
plain language): the declarations are written in one language (French by default) and
give the others per object, e.g. a purpose's English name and description.

``translations`` maps a language code to the texts of that language, by attribute name;
:func:`text_in` picks the text to show in a language, and :func:`missing_texts` says
which are missing, so that a notice in English is English or is refused as incomplete.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from gdprcrm.errors import InvalidInput

__all__ = ["Translations", "check_translations", "missing_texts", "text_in", "to_translations"]

Translations = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
_LANGUAGE = re.compile(r"[a-z]{2}")


def to_translations(value: object) -> object:
    """A mapping of language -> {attribute: text}, as sorted pairs (frozen, hashable)."""
    if isinstance(value, Mapping):
        return tuple(
            sorted(
                (lang, tuple(sorted(texts.items())) if isinstance(texts, Mapping) else texts)
                for lang, texts in value.items()
            )
        )
    return value


def check_translations(owner: str, value: object, allowed: Iterable[str]) -> None:
    """InvalidInput unless ``value`` holds texts of ``allowed`` attributes only."""
    names = frozenset(allowed)
    if not isinstance(value, tuple):
        raise InvalidInput(f"{owner}.translations: expected {{language: {{attribute: text}}}}")
    for item in value:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise InvalidInput(f"{owner}.translations: expected {{language: {{...}}}}")
        lang, texts = item
        if not isinstance(lang, str) or not _LANGUAGE.fullmatch(lang):
            raise InvalidInput(f"{owner}.translations: {lang!r} is not a language code")
        if not isinstance(texts, tuple):
            raise InvalidInput(f"{owner}.translations[{lang!r}]: expected attribute: text")
        for pair in texts:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise InvalidInput(f"{owner}.translations[{lang!r}]: expected attribute: text")
            name, text = pair
            if name not in names:
                raise InvalidInput(
                    f"{owner}.translations[{lang!r}]: {name!r} is not translatable "
                    f"(translatable: {', '.join(sorted(names))})"
                )
            if not isinstance(text, str) or not text.strip():
                raise InvalidInput(f"{owner}.translations[{lang!r}].{name}: expected text")


def text_in(obj: Any, name: str, lang: str, base: str = "fr") -> str | None:
    """``obj``'s ``name`` text in ``lang``: its translation, or the declared text when
    ``lang`` is the declarations' ``base`` language (None when it has no such text)."""
    for code, texts in getattr(obj, "translations", ()):
        if code == lang:
            for attribute, text in texts:
                if attribute == name:
                    return str(text)
    declared = getattr(obj, name, None)
    if lang == base or declared is None:
        return None if declared is None else str(declared)
    return None


def missing_texts(obj: Any, names: Iterable[str], lang: str, base: str = "fr") -> list[str]:
    """The declared texts of ``obj`` that have no version in ``lang``."""
    return [
        name
        for name in names
        if getattr(obj, name, None) not in (None, "") and text_in(obj, name, lang, base) is None
    ]
