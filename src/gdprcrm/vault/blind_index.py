"""Blind indexes: find a subject by email or phone without decrypting anything.

A blind index is HMAC-SHA256, under a controller-wide *index key* (separate from every
data key), of a normalised lookup value. Equal values give equal digests; the digest
reveals nothing without the index key. The index entry is deleted with the subject.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from gdprcrm.errors import InvalidInput
from gdprcrm.model import Lookup
from gdprcrm.vault.hazmat import KEY_SIZE

__all__ = [
    "BlindIndex",
    "normalise",
    "normalise_email",
    "normalise_exact",
    "normalise_phone",
]

_NON_DIGITS = re.compile(r"[\s.\-()/]")


def normalise_exact(value: str) -> str:
    """Trimmed and NFKC-normalised, nothing more."""
    if not isinstance(value, str):
        raise InvalidInput("lookup values are text")
    return unicodedata.normalize("NFKC", value).strip()


def normalise_email(value: str) -> str:
    """Trimmed, NFKC-normalised, case-folded.

    ``" Élise@Example.FR "`` -> ``"élise@example.fr"``.
    """
    if not isinstance(value, str):
        raise InvalidInput("lookup values are text")
    text = unicodedata.normalize("NFKC", value).strip().casefold()
    if text.count("@") != 1 or text.startswith("@") or text.endswith("@") or " " in text:
        raise InvalidInput("not an email address")
    return text


def normalise_phone(value: str, default_country_code: str = "33") -> str:
    """Digits with the country code: ``"06 12 34 56 78"`` -> ``"33612345678"``.

    ``+CC...`` and ``00CC...`` are international; a single leading 0 is the national
    trunk prefix of ``default_country_code`` (France, 33, by default).
    """
    if not isinstance(value, str):
        raise InvalidInput("lookup values are text")
    text = unicodedata.normalize("NFKC", value).strip().replace("(0)", "")  # +33 (0)6 ...
    text = _NON_DIGITS.sub("", text)
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("00"):
        digits = text[2:]
    elif text.startswith("0"):
        digits = default_country_code + text[1:]
    else:
        digits = text
    if not digits.isdigit() or not 8 <= len(digits) <= 15:  # E.164: at most 15 digits
        raise InvalidInput("not a telephone number")
    return digits


def normalise(kind: Lookup, value: str, default_country_code: str = "33") -> str:
    """The normal form of a lookup value of ``kind``."""
    if kind is Lookup.EMAIL:
        return normalise_email(value)
    if kind is Lookup.PHONE:
        return normalise_phone(value, default_country_code)
    return normalise_exact(value)


class BlindIndex:
    """Keyed digests of lookup values; the HMAC key is prepared once and copied per call."""

    __slots__ = ("_email", "_exact", "_phone", "_phone_prefix")

    def __init__(self, index_key: bytes, *, default_country_code: str = "33") -> None:
        if not isinstance(index_key, bytes) or len(index_key) != KEY_SIZE:
            raise InvalidInput("the blind-index key is exactly 32 bytes")

        def prepared(kind: Lookup) -> hmac.HMAC:
            label = b"gdprcrm-bi-v1:" + kind.value.encode() + b":"
            return hmac.new(index_key, label, hashlib.sha256)

        self._email = prepared(Lookup.EMAIL)
        self._phone = prepared(Lookup.PHONE)
        self._exact = prepared(Lookup.EXACT)
        self._phone_prefix = default_country_code

    def digest(self, kind: Lookup, value: str) -> bytes:
        """The 32-byte index of ``value`` as a lookup of ``kind``."""
        if kind is Lookup.EMAIL:
            mac = self._email.copy()
            mac.update(normalise_email(value).encode())
        elif kind is Lookup.PHONE:
            mac = self._phone.copy()
            mac.update(normalise_phone(value, self._phone_prefix).encode())
        elif kind is Lookup.EXACT:
            mac = self._exact.copy()
            mac.update(normalise_exact(value).encode())
        else:
            raise InvalidInput("unknown lookup kind")
        return mac.digest()

    def __repr__(self) -> str:
        return "BlindIndex(<key hidden>)"
