"""One written form per contact point (gdprcrm.contact_points): every notation of one
address or number is one form, different ones never share it (Art. 21(3) lookups)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.contact_points import normalise_email, normalise_phone, phone_region
from gdprcrm.errors import InvalidInput, Suppressed
from gdprcrm.model import Lookup
from gdprcrm.service import Controller
from gdprcrm.testing.strategies import french_mobile_notations
from gdprcrm.vault import BlindIndex

KEY = bytes(range(32))
INDEX = BlindIndex(KEY)


@pytest.fixture
def crm(gdprcrm_controller: Controller) -> Controller:
    return gdprcrm_controller


@pytest.mark.parametrize(
    "variant",
    [
        "06 12 34 56 78",
        "06-12-34-56-78",
        "06.12.34.56.78",
        "06/12/34/56/78",
        "06:12:34:56:78",
        "+33 06 12 34 56 78",  # the trunk 0 written after the country code
        "6 12 34 56 78",  # the trunk 0 left out
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        "tel:+33-6-12-34-56-78",
        "\u200b06 12 34 56 78\u2060",
        "\uff10\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # full-width digits
    ],
)
def test_every_notation_of_a_french_number_is_one_e164_number(variant: str) -> None:
    assert normalise_phone(variant) == "+33612345678"
    assert INDEX.digest(Lookup.PHONE, variant) == INDEX.digest(Lookup.PHONE, "0612345678")


@given(french_mobile_notations())
def test_generated_notations_of_a_number_share_its_digest(pair: tuple[str, str]) -> None:
    e164, written = pair
    assert normalise_phone(written) == e164
    assert INDEX.digest(Lookup.PHONE, written) == INDEX.digest(Lookup.PHONE, e164)


def test_national_numbers_are_read_in_the_subjects_region() -> None:
    assert normalise_phone("0470 12 34 56", "BE") == "+32470123456"
    assert normalise_phone("+32 470 12 34 56", "FR") == "+32470123456"
    assert INDEX.digest(Lookup.PHONE, "0470 12 34 56", "BE") != INDEX.digest(
        Lookup.PHONE, "0470 12 34 56", "FR"
    )
    assert phone_region("EL") == "GR"  # the EU's code for Greece
    assert phone_region("AQ", "FR") == "FR"  # Antarctica has no numbering plan


@pytest.mark.parametrize(
    "variant",
    [
        "lea@example.fr",
        " Lea@Example.FR ",
        "lea\u200b@example.fr",
        "mailto:lea@example.fr",
        "MAILTO:lea@example.fr?subject=hello",
        "<lea@example.fr>",
        "lea@example.fr.",
        "\uff4c\uff45\uff41@example.fr",
    ],
)
def test_every_spelling_of_an_address_is_one_form(variant: str) -> None:
    assert normalise_email(variant) == "lea@example.fr"


def test_unicode_and_punycode_domains_are_one_domain() -> None:
    assert normalise_email("lea@xn--bcher-kva.example") == normalise_email("Lea@Bücher.example")


def test_distinct_addresses_never_collide() -> None:
    # Unicode case folding would make both "strasse": two mailboxes, one digest.
    assert normalise_email("strasse@example.fr") != normalise_email("straße@example.fr")
    assert INDEX.digest(Lookup.EMAIL, "strasse@example.fr") != INDEX.digest(
        Lookup.EMAIL, "straße@example.fr"
    )


_LOCAL = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789._-éßø"), min_size=1, max_size=20
).filter(lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s)


@given(_LOCAL, _LOCAL)
def test_different_local_parts_give_different_forms(a: str, b: str) -> None:
    if a.lower() != b.lower():
        assert normalise_email(f"{a}@example.fr") != normalise_email(f"{b}@example.fr")
    shouted = "".join(c.upper() if c.isascii() else c for c in a)  # "ß".upper() is "SS"
    assert normalise_email(f"{shouted}@EXAMPLE.fr") == normalise_email(f"{a}@example.fr")


@given(_LOCAL)
def test_the_normal_form_is_a_fixed_point(local: str) -> None:
    once = normalise_email(f" mailto:{local}@Example.FR. ")
    assert normalise_email(once) == once


@pytest.mark.parametrize(
    "bad", ["", "no-at-sign", "two@@example.fr", "@example.fr", "a b@c.fr", "x@localhost"]
)
def test_what_is_not_an_address_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_email(bad)
    assert bad.strip() == "" or bad not in str(caught.value)


@pytest.mark.parametrize("bad", ["", "abc", "12", "12345678901234567890", 612345678])
def test_what_no_number_could_be_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        normalise_phone(bad)  # type: ignore[arg-type]


def test_ordinary_notations_keep_the_digests_0_1_wrote() -> None:
    # Stored blind indexes stay valid: E.164 digits without the plus, as 0.1 hashed them.
    def old(kind: str, normal: str) -> bytes:
        label = b"gdprcrm-bi-v1:" + kind.encode() + b":"
        return hmac.new(KEY, label + normal.encode(), hashlib.sha256).digest()

    assert INDEX.digest(Lookup.PHONE, "06 12 34 56 78") == old("phone", "33612345678")
    assert INDEX.digest(Lookup.EMAIL, "Lea@Example.fr") == old("email", "lea@example.fr")


@pytest.mark.parametrize(
    "respelling",
    [
        "+33 06 12 34 56 78",
        "6 12 34 56 78",
        "06-12-34-56-78",
        "tel:+33612345678",
    ],
)
def test_a_respelt_number_cannot_bypass_an_objection(crm: Controller, respelling: str) -> None:
    # Art. 21(3): after an objection to direct marketing and an erasure.
    sid = crm.add_subject(
        {"email": "lea@example.fr", "phone": "06 12 34 56 78"}, "FR", purposes=["prospecting"]
    )
    crm.object(sid, direct_marketing=True)
    crm.erase(sid)
    with pytest.raises(Suppressed):
        crm.add_subject(
            {"email": "other@example.fr", "phone": respelling}, "FR", purposes=["prospecting"]
        )


@pytest.mark.parametrize(
    "respelling",
    [
        "lea\u200b@example.fr",
        "mailto:lea@example.fr",
        "lea@example.fr.",
        "LEA@EXAMPLE.FR",
        "<lea@example.fr>",
    ],
)
def test_a_respelt_address_cannot_bypass_an_objection(crm: Controller, respelling: str) -> None:
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    crm.object(sid, direct_marketing=True)
    crm.erase(sid)
    with pytest.raises(Suppressed):
        crm.add_subject({"email": respelling}, "FR", purposes=["newsletter"])
    crm.add_subject({"email": "lea2@example.fr"}, "FR", purposes=["newsletter"])  # others pass


def test_a_belgian_subjects_national_number_is_found_in_international_form(
    crm: Controller,
) -> None:
    sid = crm.add_subject(
        {"email": "jan@example.be", "phone": "0470 12 34 56"}, "BE", purposes=["prospecting"]
    )
    assert crm.find_subject(phone="+32 470 12 34 56") == [sid]
    assert crm.find_subject(phone="0470 12 34 56", country="BE") == [sid]
    assert crm.find_subject(phone="0470 12 34 56") == []  # read as a French number
