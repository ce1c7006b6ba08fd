"""The personal-data guard: what may not be written in clear where no person's data belongs.

The audit trail (Art. 5(2)) outlives every erasure, and a few free texts are kept in
clear beside the register (a breach's nature and measures, Art. 33(5)); neither may hold
anything that identifies a person (Art. 5(1)(c), 17). :func:`find_personal_data` says
which kind of personal data a text holds, if any:

* telephone numbers in any notation (``06-12-34-56-78``, ``06.12...``, ``06:12...``,
  ``+33 6...``, ``0033...``, digits only), found with ``phonenumbers``: a national number
  is read in the controller's region, and every run of digits is also tried as an
  international number;
* e-mail addresses, and addresses disguised as host names (``lea.dupont.example.fr``) in
  codes;
* IPv4 and IPv6 addresses (``ipaddress``);
* full calendar dates earlier than a cutoff (dates of birth; the trail's own dates are
  deadlines, never in the past), in ISO, European, US and compact notations and with
  French or English month names;
* IBANs (ISO 13616 mod-97 checksum), payment card numbers (Luhn, 13-19 digits), the
  French NIR (social security number, with or without its key).

:func:`check_code` and :func:`check_free_text` raise :class:`~gdprcrm.errors.InvalidInput`
naming the kind found and the place, never the text. Like any detector it has a
residue: a name in lower case without digits is a code to it; that is why codes are
also limited in shape (:func:`gdprcrm.model.is_code`).
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import re
from datetime import date, timedelta

import phonenumbers

from gdprcrm.contact_points import DEFAULT_REGION, phone_region, strip_invisible
from gdprcrm.errors import InvalidInput
from gdprcrm.model.jurisdiction import ISO_3166_COUNTRIES

__all__ = [
    "PersonalDataKind",
    "check_code",
    "check_free_text",
    "earliest_date_in_code",
    "find_personal_data",
]

BIRTH_DATE_HORIZON = timedelta(days=366)
"""A date further in the past than this, written beside a person's id, is read as a date
of birth (the library's own dates are deadlines)."""


class PersonalDataKind(enum.Enum):
    PHONE = "telephone number"
    EMAIL = "e-mail address"
    HOST_NAME = "e-mail address written as a host name"
    IP_ADDRESS = "IP address"
    DATE = "date of birth"
    IBAN = "IBAN"
    CARD = "payment card number"
    NIR = "French social security number (NIR)"
    NUMBER = "long number (an account, card, social security or telephone number)"


_SEP = r"[ \-./:()]"
_OPAQUE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<![0-9a-z])[0-9a-f]{32,}",
    re.I,
)
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_EMAIL = re.compile(r"[^\s@<>(),;\"']+@[^\s@<>(),;\"']+\.[^\s@<>(),;\"']+|mailto:", re.I)
_DIGIT_RUN = re.compile(rf"(?:\+|(?<!\d)00)?\d(?:{_SEP}{{0,3}}\d){{6,}}")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Za-z:])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \-.]?[A-Za-z0-9]){11,30}")
_CARD = re.compile(r"(?<!\d)\d(?:[ \-.]?\d){12,18}(?!\d)")
_NIR = re.compile(
    r"(?<![A-Za-z0-9])[1-478][ \-.]?\d{2}[ \-.]?(?:0[1-9]|1[0-2]|[2-9]\d)[ \-.]?"
    r"(?:\d{2}|2[AaBb])[ \-.]?\d{3}[ \-.]?\d{3}(?:[ \-.]?\d{2})?(?![A-Za-z0-9])"
)
_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+){2,}")
_TLDS = frozenset(c.lower() for c in ISO_3166_COUNTRIES) | {
    "com", "net", "org", "info", "biz", "eu", "io", "name", "pro", "email", "mail",
    "online", "example", "test", "invalid", "local", "me", "app", "dev",
}  # fmt: skip
_YMD = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)(\d{8})(?!\d)")
_MONTHS = {
    "jan": 1, "janv": 1, "janvier": 1, "january": 1, "feb": 2, "fev": 2, "fév": 2,
    "févr": 2, "fevr": 2, "février": 2, "fevrier": 2, "february": 2, "mar": 3, "mars": 3,
    "march": 3, "apr": 4, "avr": 4, "avril": 4, "april": 4, "may": 5, "mai": 5, "jun": 6,
    "juin": 6, "june": 6, "jul": 7, "juil": 7, "juillet": 7, "july": 7, "aug": 8,
    "août": 8, "aout": 8, "august": 8, "sep": 9, "sept": 9, "septembre": 9,
    "september": 9, "oct": 10, "octobre": 10, "october": 10, "nov": 11, "novembre": 11,
    "november": 11, "dec": 12, "déc": 12, "décembre": 12, "decembre": 12, "december": 12,
}  # fmt: skip
_NAMED = re.compile(r"(?<!\d)(\d{1,2})(?:er|st|nd|rd|th)?\s+([a-zéû]+)\.?,?\s+(\d{4})(?!\d)", re.I)
_NAMED_US = re.compile(r"\b([a-zéû]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)", re.I)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21,
    "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27,
}  # fmt: skip
"""ISO 13616 registry: the IBAN length of the EEA states and their neighbours."""


def _iban(candidate: str) -> bool:
    compact = re.sub(r"[ \-.]", "", candidate).upper()
    # The pattern may run on into a following word: cut at the country's length.
    compact = compact[: _IBAN_LENGTHS.get(compact[:2], len(compact))]
    if not 15 <= len(compact) <= 34 or compact[:2] not in ISO_3166_COUNTRIES:
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def _nir(candidate: str) -> bool:
    compact = re.sub(r"[ \-.]", "", candidate).upper()
    body = compact[:13].replace("2A", "19").replace("2B", "18")
    if not body.isdigit():
        return False
    if len(compact) == 13:
        return True
    return 97 - int(body) % 97 == int(compact[13:])


def _phone(candidate: str, region: str) -> bool:
    text = candidate.replace(":", " ")
    digits = re.sub(r"\D", "", text)
    if not 8 <= len(digits) <= 15:
        return False
    tries = [text] if text.startswith(("+", "00")) else [text, "+" + digits]
    for attempt in tries:
        try:
            number = phonenumbers.parse(attempt, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


_OLDEST = date(1870, 1, 1)


def _earliest_date(text: str) -> date | None:
    """The earliest full calendar date written in ``text`` (any reading of an ambiguous
    one), or None."""
    found: list[date] = []

    def add(year: int, month: int, day: int) -> None:
        try:
            when = date(year, month, day)
        except ValueError:
            return
        if when >= _OLDEST:
            found.append(when)

    for m in _YMD.finditer(text):
        add(int(m[1]), int(m[2]), int(m[3]))
    for m in _DMY.finditer(text):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        add(y, b, a)  # European order
        add(y, a, b)  # US order
    for m in _COMPACT.finditer(text):
        d = m[1]
        add(int(d[:4]), int(d[4:6]), int(d[6:]))
        add(int(d[4:]), int(d[2:4]), int(d[:2]))
    for m in _NAMED.finditer(text):
        if (month := _MONTHS.get(m[2].lower())) is not None:
            add(int(m[3]), month, int(m[1]))
    for m in _NAMED_US.finditer(text):
        if (month := _MONTHS.get(m[1].lower())) is not None:
            add(int(m[3]), month, int(m[2]))
    return min(found, default=None)


def _has_ip(text: str) -> bool:
    for m in (*_IPV4.finditer(text), *_IPV6.finditer(text)):
        if not any(c.isalnum() for c in m[0]):
            continue
        try:
            ipaddress.ip_address(m[0])
        except ValueError:
            continue
        return True
    return False


def find_personal_data(
    text: str,
    *,
    dates_before: date | None = None,
    region: str = DEFAULT_REGION,
    code: bool = False,
) -> PersonalDataKind | None:
    """The first kind of personal data found in ``text``, or None.

    ``dates_before``: full dates earlier than this are dates of birth (None: no date is
    looked for). ``region``: where national telephone numbers are read. ``code``: the
    text is a code (an audit detail, an actor), where a dotted host name ending in a
    top-level domain is an e-mail address in disguise."""
    if dates_before is not None and not isinstance(dates_before, date):
        raise InvalidInput("find_personal_data(dates_before=): expected a date")
    text = _OPAQUE.sub(" ", strip_invisible(text))  # ids and digests are not about anyone
    if _EMAIL.search(text):
        return PersonalDataKind.EMAIL
    if code and any(m[0].rsplit(".", 1)[1] in _TLDS for m in _HOST.finditer(text.lower())):
        return PersonalDataKind.HOST_NAME
    if _has_ip(text):
        return PersonalDataKind.IP_ADDRESS
    if any(_iban(m[0]) for m in _IBAN.finditer(text)):
        return PersonalDataKind.IBAN
    if any(_nir(m[0]) for m in _NIR.finditer(text)):
        return PersonalDataKind.NIR
    if any(_luhn(re.sub(r"\D", "", m[0])) for m in _CARD.finditer(text)):
        return PersonalDataKind.CARD
    first = None if dates_before is None else _earliest_date(text)
    if first is not None and dates_before is not None and first < dates_before:
        return PersonalDataKind.DATE
    region = phone_region(region)
    runs = [m[0] for m in _DIGIT_RUN.finditer(text)]
    if any(_phone(run, region) for run in runs):
        return PersonalDataKind.PHONE
    if code and any(sum(c.isdigit() for c in run) >= 10 for run in runs):
        return PersonalDataKind.NUMBER  # a code has no use for one, whatever it is
    return None


def _region(region: object) -> None:
    if not isinstance(region, str):  # the cache below needs a hashable, valid code
        raise InvalidInput("telephone region: expected a country code such as 'FR'")


def _before(at: date, span: timedelta) -> date:
    """``at - span``, or the first day there is when that is earlier."""
    try:
        return at - span
    except OverflowError:
        return date.min


def _day(at: object) -> date:
    if not isinstance(at, date):
        raise InvalidInput("the day the text is written (at=): expected a date")
    return at


_CLEAN: tuple[None, None] = (None, None)


def _analyse_code(text: str, region: str) -> tuple[PersonalDataKind | None, date | None]:
    """What a code holds, dates apart, and the earliest date it writes. A code that is
    one opaque id (a certificate's, a request's: new on every entry, so never in the
    cache) holds neither, as the full analysis finds: it is answered at once."""
    if _ID.fullmatch(text):
        return _CLEAN
    return _analysed_code(text, region)


@functools.lru_cache(maxsize=8192)
def _analysed_code(text: str, region: str) -> tuple[PersonalDataKind | None, date | None]:
    """What a code holds, dates apart, and the earliest date it writes (cached: the
    trail repeats a few hundred codes)."""
    opaque_free = _OPAQUE.sub(" ", strip_invisible(text))  # ids hold digits, never dates
    return find_personal_data(text, region=region, code=True), _earliest_date(opaque_free)


def earliest_date_in_code(value: object, region: str = DEFAULT_REGION) -> date | None:
    """The earliest full date a code (or number) writes, if any (cached)."""
    _region(region)
    if isinstance(value, str):
        return _analyse_code(value, region)[1]
    return None


def check_code(value: object, where: str, *, at: date, region: str = DEFAULT_REGION) -> None:
    """Refuse an audit code (detail key or value, actor, action) or number that holds
    personal data (Art. 5(1)(c)); ``at`` is the day it is written."""
    _day(at)
    _region(region)
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) < 10_000_000:  # counts and sizes; no number or card is this short
            return
        value = str(abs(value))
    if not isinstance(value, str):
        return
    found, first = _analyse_code(value, region)
    if found is None and first is not None and first < _before(at, BIRTH_DATE_HORIZON):
        found = PersonalDataKind.DATE
    if found is not None:
        raise InvalidInput(
            f"{where}: looks like a {found.value}; personal data never goes into the audit "
            "trail, which outlives erasure (Art. 5(1)(c), 17): use the subject's opaque id"
        )


def check_free_text(
    text: str | None, where: str, *, at: date, region: str = DEFAULT_REGION
) -> None:
    """Refuse a free text kept in clear (a breach's description) that holds personal
    data (Art. 5(1)(c), 32): describe people by category and count, never by contact
    point, number or date of birth. Dates within ten years are allowed (a breach has
    dates of its own)."""
    _day(at)
    if text is None:
        return
    found = find_personal_data(
        text, dates_before=_before(at, 10 * BIRTH_DATE_HORIZON), region=region
    )
    if found is not None:
        raise InvalidInput(
            f"{where}: looks like it holds a {found.value}; this text is kept in clear: "
            "describe people by category and number, never by their data (Art. 5(1)(c))"
        )
