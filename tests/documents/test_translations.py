"""Texts in the person's language (Art. 12(1)): the English notice is English, or it is
refused as incomplete, naming each untranslated text; translations are wording, never
material (issue 13, item 9)."""

from __future__ import annotations

import tomllib

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.config import ConfigError, parse_declarations
from gdprcrm.documents import build_notice, build_receipt, validate_notice, verify_receipt
from gdprcrm.errors import IncompleteNotice, InvalidInput
from gdprcrm.examples import lumiere
from gdprcrm.model import ConsentGiven, SubjectId, material_digest
from gdprcrm.signing import CertificateSigner
from tests.documents.test_receipts import AT


def test_the_english_notice_of_the_example_is_english() -> None:
    decl = lumiere.declarations()
    notice = build_notice(decl, "en")
    assert notice.missing_translations == ()
    validate_notice(notice, decl)
    text = notice.to_markdown()
    for english in ("Newsletter", "After-sales service", "e-mailing provider", "Invoices"):
        assert english in text
    for french in ("Lettre d'information", "Service après-vente", "prestataire d'e-mailing"):
        assert french not in text
    assert build_notice(decl, "fr").version == notice.version  # one version, two languages


def test_an_untranslated_text_makes_the_english_notice_incomplete() -> None:
    decl = lumiere.declarations()
    newsletter = decl.purpose("newsletter")
    bare = attrs.evolve(newsletter, translations={})
    decl = attrs.evolve(
        decl, purposes=tuple(bare if p.id == "newsletter" else p for p in decl.purposes)
    )
    notice = build_notice(decl, "en")
    assert notice.missing_translations == (
        "purposes.newsletter.name",
        "purposes.newsletter.description",
    )
    with pytest.raises(IncompleteNotice, match=r"purposes\.newsletter\.name"):
        validate_notice(notice, decl)
    validate_notice(build_notice(decl, "fr"), decl)  # French is the declared language


@given(st.text(min_size=1, max_size=40).filter(str.strip))
def test_translations_are_wording_not_material(name: str) -> None:
    purpose = lumiere.declarations().purpose("newsletter")
    renamed = attrs.evolve(purpose, translations={"en": {"name": name}})
    assert material_digest(renamed) == material_digest(purpose)


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ('[purposes.en]\nbasis = "consent"\n', "'basis' is not translatable"),
        ('[purposes.en]\nname = ""\n', "expected text"),
    ],
)
def test_bad_translations_are_refused_with_their_place(table: str, error: str) -> None:
    text = lumiere.toml_path().read_text("utf-8")
    anchor = 'id = "newsletter"\n'
    start = text.index(anchor)
    cut = text.index("[purposes.en]", start)
    end = text.index("\n\n", cut)
    text = text[:cut] + table + text[end + 2 :]
    with pytest.raises(ConfigError) as caught:
        parse_declarations(tomllib.loads(text))
    assert any(error in line for line in caught.value.errors)


def test_a_language_code_must_look_like_one() -> None:
    purpose = lumiere.declarations().purpose("newsletter")
    with pytest.raises(InvalidInput, match="language code"):
        attrs.evolve(purpose, translations={"english": {"name": "x"}})


def test_a_receipt_names_the_purpose_in_its_language() -> None:
    decl = lumiere.declarations()
    signer = CertificateSigner.generate("dpo")
    consent = ConsentGiven(SubjectId.new(), "newsletter", AT, "web-form", "v1", language="en")
    receipt = verify_receipt(build_receipt(consent, decl, signer), signer.public_key)
    assert receipt["services"][0]["purposes"][0]["purpose"] == "Newsletter"


def test_the_controller_s_contacts_and_authority_are_shown_in_the_reader_s_language() -> None:
    # The English notice named "Service clients" and a French DPO descriptor (issue 13,
    # item 9): contacts and the authority take [controller.contact.en] etc.
    decl = lumiere.declarations()
    english = build_notice(decl, "en").to_markdown()
    assert "Customer service" in english
    assert "Service clients" not in english
    assert "(external data protection officer)" in english
    french = build_notice(decl, "fr").to_markdown()
    assert "Service clients" in french
    assert "Customer service" not in french
    from gdprcrm.model import RequestKind
    from gdprcrm.testing import make_controller

    crm = make_controller(decl)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    assert "the French data protection authority" in crm.access_report_text(sid, lang="en")
    assert "the French data protection authority" not in crm.access_report_text(sid, lang="fr")
    request = crm.receive_request(sid, RequestKind.ERASURE)
    refused = crm.refuse_request(request.id, reasons="We must keep it.", language="en")
    assert "the French data protection authority" in (refused.outcome or "")


def test_a_contact_translation_names_only_translatable_texts() -> None:
    data = tomllib.loads(lumiere.toml_path().read_text("utf-8"))
    data["controller"]["contact"]["en"] = {"email": "support@example.com"}
    with pytest.raises(ConfigError) as caught:
        parse_declarations(data)
    assert any("not translatable" in line for line in caught.value.errors)
