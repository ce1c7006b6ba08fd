"""Strategies for contact points in their many notations, and for the personal data the
guard (gdprcrm.personal_data) must refuse, each kind written many ways."""

from __future__ import annotations

from datetime import date

import phonenumbers
from hypothesis import strategies as st

__all__ = [
    "audit_codes",
    "birth_dates_written",
    "card_numbers_written",
    "emails_written",
    "french_mobile_notations",
    "ibans_written",
    "ip_addresses_written",
    "nirs_written",
    "personal_data_written",
    "phone_numbers_written",
]

_SEPARATORS = st.sampled_from(["", " ", ".", "-", "/", ":"])


def _grouped(digits: str, sep: str, size: int = 2) -> str:
    return sep.join(digits[i : i + size] for i in range(0, len(digits), size))


def _valid_french(national: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse("+33" + national))


@st.composite
def french_mobile_notations(draw: st.DrawFn) -> tuple[str, str]:
    """(E.164, the same number as someone might write it): national with its trunk 0 or
    without, international with ``+33``, ``0033``, ``+33 (0)`` or ``+33 0``, any
    separator, a ``tel:`` prefix, invisible characters."""
    rest = draw(st.text(alphabet="0123456789", min_size=7, max_size=7))
    national = draw(st.sampled_from(["6" + d for d in "0123456789"] + ["73", "75", "77", "78"]))
    national += rest  # mobile ranges allocated in France: 06, 073-078 (less some blocks)
    if not _valid_french(national):
        national = "612" + rest[:6]
    sep = draw(_SEPARATORS)
    prefix = draw(st.sampled_from(["0", "", "+33 ", "0033 ", "+33 (0)", "+33 0", "+33"]))
    body = _grouped(national[1:], sep) if sep else national[1:]
    written = f"{prefix}{national[0]}{sep}{body}"
    if draw(st.booleans()):
        written = "tel:" + written
    if draw(st.booleans()):
        written = "\u200b" + written + "\u2060"
    return "+33" + national, written


_REGIONS = ["FR", "BE", "DE", "IT", "ES", "NL", "GB", "US", "PT", "PL", "IE", "CH"]


@st.composite
def phone_numbers_written(draw: st.DrawFn) -> str:
    """A valid telephone number of one of a dozen countries in an international notation
    (the guard reads national ones only in the controller's region)."""
    region = draw(st.sampled_from(_REGIONS))
    kind = draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
        )
    )
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    sep = draw(_SEPARATORS)
    digits = e164[1:]
    start = draw(st.sampled_from(["+", "00", ""]))
    return start + (_grouped(digits, sep, draw(st.integers(2, 4))) if sep else digits)


@st.composite
def emails_written(draw: st.DrawFn) -> str:
    """An e-mail address, plain or wrapped (``mailto:``, angle brackets, upper case)."""
    local = draw(st.from_regex(r"[a-z][a-z0-9._-]{0,15}[a-z0-9]", fullmatch=True))
    domain = draw(st.sampled_from(["example.fr", "mail.example.com", "bücher.example"]))
    address = f"{local}@{domain}"
    return draw(st.sampled_from([address, address.upper(), f"mailto:{address}", f"<{address}>"]))


@st.composite
def ip_addresses_written(draw: st.DrawFn) -> str:
    """An IPv4 or IPv6 address (compressed or not)."""
    if draw(st.booleans()):
        return ".".join(str(draw(st.integers(0, 255))) for _ in range(4))
    groups = [format(draw(st.integers(1, 0xFFFF)), "x") for _ in range(8)]
    if draw(st.booleans()):
        return ":".join(groups[:3]) + "::" + groups[7]
    return ":".join(groups)


@st.composite
def birth_dates_written(draw: st.DrawFn) -> str:
    """A date between 1920 and 2008 in ISO, European, compact or spelled notation."""
    day = draw(st.dates(date(1920, 1, 1), date(2008, 12, 31)))
    months_fr = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                 "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
    return draw(
        st.sampled_from(
            [
                day.isoformat(),
                day.strftime("%d/%m/%Y"),
                day.strftime("%d.%m.%Y"),
                day.strftime("%d-%m-%Y"),
                day.strftime("%Y%m%d"),
                f"{day.day} {months_fr[day.month - 1]} {day.year}",
                day.strftime("%B %d, %Y"),
            ]
        )
    )


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


@st.composite
def card_numbers_written(draw: st.DrawFn) -> str:
    """A Luhn-valid 16-digit card number, grouped by four with any separator."""
    body = draw(st.sampled_from("3456")) + draw(st.text("0123456789", min_size=14, max_size=14))
    digits = body + _luhn_digit(body)
    return _grouped(digits, draw(st.sampled_from(["", " ", "-", "."])), 4)


@st.composite
def ibans_written(draw: st.DrawFn) -> str:
    """A checksum-valid IBAN (FR, DE, ES, IT, BE), grouped by four, any case."""
    country, length = draw(st.sampled_from([("FR", 27), ("DE", 22), ("ES", 24), ("BE", 16)]))
    bban = draw(st.text("0123456789", min_size=length - 4, max_size=length - 4))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = f"{98 - int(numeric) % 97:02d}"
    iban = country + check + bban
    sep = draw(st.sampled_from(["", " ", "-"]))
    written = _grouped(iban, sep, 4)
    return written.lower() if draw(st.booleans()) else written


@st.composite
def nirs_written(draw: st.DrawFn) -> str:
    """A French NIR with its key (sex, year, month, department, commune, order, key)."""
    sex = draw(st.sampled_from("12"))
    year = f"{draw(st.integers(0, 99)):02d}"
    month = f"{draw(st.integers(1, 12)):02d}"
    dept = draw(st.sampled_from(["75", "13", "69", "2A", "2B", "33", "59"]))
    commune = f"{draw(st.integers(1, 999)):03d}"
    order = f"{draw(st.integers(1, 999)):03d}"
    body = sex + year + month + dept + commune + order
    key = 97 - int(body.replace("2A", "19").replace("2B", "18")) % 97
    sep = draw(st.sampled_from(["", " ", "-", "."]))
    return sep.join([sex, year, month, dept, commune, order, f"{key:02d}"])


def personal_data_written() -> st.SearchStrategy[str]:
    """Any of the kinds above: what the audit trail and clear texts must refuse."""
    return st.one_of(
        french_mobile_notations().map(lambda pair: pair[1]),
        phone_numbers_written(),
        emails_written(),
        ip_addresses_written(),
        birth_dates_written(),
        card_numbers_written(),
        ibans_written(),
        nirs_written(),
    )


def audit_codes() -> st.SearchStrategy[str]:
    """Codes the trail holds (actions, ids, channels, counts as text, future dates): the
    guard must let every one through."""
    word = st.from_regex(r"[a-z][a-z_-]{1,12}", fullmatch=True)
    return st.one_of(
        word,
        st.tuples(word, word).map(".".join),
        st.uuids().map(str),
        st.integers(0, 999_999).map(str),
        st.dates(date(2026, 12, 1), date(2100, 12, 31)).map(date.isoformat),
        st.sampled_from(["art14", "l34-5", "p5y", "10:00-13:00", "gdprcrm-0.1.0", "v2"]),
    )
