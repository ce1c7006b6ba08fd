"""One written form per e-mail address and telephone number.

Lookups (:mod:`gdprcrm.vault.blind_index`) and the Art. 21(3) suppression list hash a
contact point's normal form: two spellings of one address must give one form, or an
objection to direct marketing is bypassed by writing the address differently, and two
different addresses must never give the same form. The rules are the well-kept
libraries' (``phonenumbers``, Google's libphonenumber metadata; ``email-validator``),
with the few wrappers people paste around a contact point removed first: ``mailto:`` and
``tel:`` prefixes, angle brackets, zero-width and other invisible format characters,
the trailing dot of a fully qualified domain.

* E-mail: the domain as ``email-validator`` normalises it (IDNA: Unicode and punycode
  spellings of one domain are one domain, lower case), the local part in NFC and lower
  case (providers treat it case-insensitively; ``straße`` and ``strasse`` stay two
  addresses, unlike with Unicode case folding).
* Telephone: E.164 (``+33612345678``), a national number read in ``region`` (the
  subject's country, or the controller's); ``+33 06 ...``, ``0033 6 ...``,
  ``6 12 34 56 78`` and ``tel:+33-6-...`` are one number.
"""

from __future__ import annotations

import re
import unicodedata

import email_validator
import phonenumbers

from gdprcrm.errors import InvalidInput

__all__ = [
    "DEFAULT_REGION",
    "normalise_email",
    "normalise_phone",
    "phone_region",
    "strip_invisible",
]

DEFAULT_REGION = "FR"
"""The region a national telephone number is read in when nothing else says."""

_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
_TEL = re.compile(r"^tel:", re.IGNORECASE)
_MAX_LENGTH = 320  # RFC 3696 errata: 64 + 1 + 255; far beyond any phone number too


def strip_invisible(text: str) -> str:
    """NFKC, without format characters (zero-width spaces and joiners, soft hyphens,
    byte-order marks, bidirectional marks), trimmed."""
    if not isinstance(text, str):
        raise InvalidInput("expected text")
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf").strip()


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what}: expected text")
    if len(value) > _MAX_LENGTH:
        raise InvalidInput(f"{what}: longer than {_MAX_LENGTH} characters")
    return strip_invisible(value)


def normalise_email(value: str) -> str:
    """The normal form of an e-mail address; InvalidInput (naming no part of it) if it
    is not one.

    ``" <mailto:Léa@Bücher.Example.> "`` -> ``"léa@bücher.example"``.
    """
    text = _MAILTO.sub("", _text(value, "e-mail address")).split("?", 1)[0].strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    text = text.rstrip(".")
    try:
        parsed = email_validator.validate_email(
            text, check_deliverability=False, allow_smtputf8=True
        )
    except email_validator.EmailNotValidError:
        raise InvalidInput("not an e-mail address") from None
    local = unicodedata.normalize("NFC", parsed.local_part).lower()
    return f"{local}@{parsed.domain.lower()}"


def phone_region(country: str | None, fallback: str = DEFAULT_REGION) -> str:
    """The telephone region of an ISO 3166 country code (the EU's EL is GR), or
    ``fallback`` when the country has no numbering plan of its own in the metadata."""
    if not isinstance(country, str | None) or not isinstance(fallback, str):
        raise InvalidInput("telephone region: expected a country code such as 'FR'")
    if country is not None:
        code = "GR" if country.upper() == "EL" else country.upper()
        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
    return fallback


def normalise_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """A telephone number in E.164 (``"+33612345678"``); a national number is read in
    ``region``. InvalidInput (naming no digit of it) if no number could be this one."""
    text = _TEL.sub("", _text(value, "telephone number")).replace(":", " ")
    try:
        number = phonenumbers.parse(text, phone_region(region))
    except phonenumbers.NumberParseException:
        raise InvalidInput("not a telephone number") from None
    if not phonenumbers.is_possible_number(number):  # an extension is not part of it
        raise InvalidInput("not a telephone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
