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

from gdprcrm.contact_points import DEFAULT_REGION, normalise_email, normalise_phone
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


def normalise_exact(value: str) -> str:
    """Trimmed and NFKC-normalised, nothing more."""
    if not isinstance(value, str):
        raise InvalidInput("lookup values are text")
    return unicodedata.normalize("NFKC", value).strip()


def _hashed_phone(value: str, region: str) -> str:
    # E.164 without its plus sign: the form 0.1 hashed, so its digests stay valid.
    return normalise_phone(value, region)[1:]


def normalise(kind: Lookup, value: str, region: str = DEFAULT_REGION) -> str:
    """The normal form of a lookup value of ``kind`` (see :mod:`gdprcrm.contact_points`)."""
    if kind is Lookup.EMAIL:
        return normalise_email(value)
    if kind is Lookup.PHONE:
        return normalise_phone(value, region)
    return normalise_exact(value)


# -- 0.1's hand-written rules, kept only to recognise digests written under them --------

_NON_DIGITS = re.compile(r"[\s.\-()/]")


def _legacy_email(value: str) -> str | None:
    text = unicodedata.normalize("NFKC", value).strip().casefold()
    if text.count("@") != 1 or text.startswith("@") or text.endswith("@") or " " in text:
        return None
    return text


def _legacy_phone(value: str, country_code: str = "33") -> str | None:
    text = unicodedata.normalize("NFKC", value).strip().replace("(0)", "")
    text = _NON_DIGITS.sub("", text)
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("00"):
        digits = text[2:]
    elif text.startswith("0"):
        digits = country_code + text[1:]
    else:
        digits = text
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        return None
    return digits


class BlindIndex:
    """Keyed digests of lookup values; the HMAC key is prepared once and copied per call.

    ``default_region`` reads national telephone numbers when a call names no region
    (give the subject's country, :func:`gdprcrm.contact_points.phone_region`)."""

    __slots__ = ("_email", "_exact", "_phone", "_region")

    def __init__(self, index_key: bytes, *, default_region: str = DEFAULT_REGION) -> None:
        if not isinstance(index_key, bytes) or len(index_key) != KEY_SIZE:
            raise InvalidInput("the blind-index key is exactly 32 bytes")

        def prepared(kind: Lookup) -> hmac.HMAC:
            label = b"gdprcrm-bi-v1:" + kind.value.encode() + b":"
            return hmac.new(index_key, label, hashlib.sha256)

        self._email = prepared(Lookup.EMAIL)
        self._phone = prepared(Lookup.PHONE)
        self._exact = prepared(Lookup.EXACT)
        self._region = default_region

    def _mac(self, kind: Lookup, normal: str) -> bytes:
        if kind is Lookup.EMAIL:
            mac = self._email.copy()
        elif kind is Lookup.PHONE:
            mac = self._phone.copy()
        elif kind is Lookup.EXACT:
            mac = self._exact.copy()
        else:
            raise InvalidInput("unknown lookup kind")
        mac.update(normal.encode())
        return mac.digest()

    def digest(self, kind: Lookup, value: str, region: str | None = None) -> bytes:
        """The 32-byte index of ``value`` as a lookup of ``kind``; InvalidInput if it is
        not one (a malformed e-mail address, something no telephone number could be)."""
        if kind is Lookup.EMAIL:
            return self._mac(kind, normalise_email(value))
        if kind is Lookup.PHONE:
            return self._mac(kind, _hashed_phone(value, region or self._region))
        if kind is Lookup.EXACT:
            return self._mac(kind, normalise_exact(value))
        raise InvalidInput("unknown lookup kind")

    def legacy_digest(self, kind: Lookup, value: str) -> bytes | None:
        """The digest 0.1's hand-written rules gave ``value``, when it differs from
        :meth:`digest`'s: a suppression entry written then (Art. 21(3)) outlives the
        person's erasure and cannot be recomputed, so a new collection is checked
        against both."""
        if not isinstance(value, str):
            return None
        if kind is Lookup.EMAIL:
            old = _legacy_email(value)
        elif kind is Lookup.PHONE:
            old = _legacy_phone(value)
        else:
            return None
        return None if old is None else self._mac(kind, old)

    def __repr__(self) -> str:
        return "BlindIndex(<key hidden>)"
