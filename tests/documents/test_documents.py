"""The register (Art. 30), the notice (Art. 13/14) and consent receipts, from one source."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.config import declarations_digest
from gdprcrm.documents import (
    IncompleteNotice,
    IssueLevel,
    NoticeItem,
    build_notice,
    build_receipt,
    build_register,
    compare_notices,
    required_items,
    validate_notice,
    verify_receipt,
)
from gdprcrm.errors import CertificateInvalid
from gdprcrm.examples import lumiere
from gdprcrm.model import (
    DataSource,
    Declarations,
    LegalBasis,
    Recipient,
    RecipientKind,
    RetentionRule,
    SubjectId,
)
from gdprcrm.testing import strategies as gst
from gdprcrm.testing.builders import build_consent, build_declarations, build_purpose
from gdprcrm.vault import CertificateSigner

GOLDEN = Path(__file__).parent / "golden"
UPDATED = datetime(2026, 1, 5, tzinfo=UTC)
SIGNER = CertificateSigner.generate("atelier-lumiere-dpo")
REGISTER_ITEMS = (
    "purpose",
    "legal_basis",
    "subject_categories",
    "data_categories",
    "recipients",
    "transfers",
    "retention",
    "security_measures",
)


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GDPRCRM_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, (
        f"{name} changed: review the wording, then GDPRCRM_UPDATE_GOLDEN=1 to accept"
    )


def test_golden_french_notice_and_register_of_the_example() -> None:
    decl = lumiere.declarations()
    _golden("lumiere-notice.fr.md", build_notice(decl, "fr").to_markdown())
    fair = DataSource("liste des visiteurs du salon Maison & Objet 2026")
    art14 = build_notice(decl, "fr", indirect=True, sources=[fair])
    assert "source non accessible au public" in art14.to_markdown()
    _golden("lumiere-notice-art14.fr.md", art14.to_markdown())
    _golden("lumiere-register.fr.md", build_register(decl, updated_at=UPDATED).to_markdown())


# -- register ----------------------------------------------------------------------------


def test_the_example_register_is_complete_in_every_format() -> None:
    register = build_register(lumiere.declarations(), updated_at=UPDATED)
    assert register.complete
    assert register.issues == ()
    data = json.loads(register.to_json())
    assert [a["purpose_id"] for a in data["activities"]] == [
        p.id for p in lumiere.declarations().purposes
    ]
    rows = list(csv.reader(io.StringIO(register.to_csv())))
    # The controller block (30(1)(a)) and the date, a blank line, the header, the rows.
    assert rows[0] == ["Registre des activités de traitement (art. 30 du RGPD)"]
    assert rows[1] == ["mis à jour le", "2026-01-05"]
    blank = rows.index([])
    assert [r[0] for r in rows[2:blank]][2:3] == ["Délégué à la protection des données"]
    assert len(rows) == blank + 2 + len(lumiere.declarations().purposes)
    # JSON keys are stable ids; the French labels stand apart.
    assert set(data["controller"]) >= {"controller", "contact", "dpo"}
    assert data["labels"]["controller"]["dpo"] == "Délégué à la protection des données"
    first = data["activities"][0]
    assert set(first["data_categories"]) <= set(data["labels"]["data_categories"])
    assert first["basis"] in {b.value for b in LegalBasis}
    after_sales = next(a for a in data["activities"] if a["purpose_id"] == "after-sales")
    assert after_sales["third_countries"] == ["US"]
    assert "46(2)(c)" in after_sales["transfers"][0]
    assert "clauses contractuelles types" in after_sales["transfers"][0]  # not "scc"
    # (g): exactly what the declarations say the deployment does, nothing claimed for it.
    assert first["security_measures"] == list(lumiere.declarations().security_measures)


@given(gst.declarations())
def test_every_activity_has_every_article_30_item(decl: Declarations) -> None:
    register = build_register(decl, updated_at=UPDATED)
    assert len(register.activities) == len(decl.purposes)
    for activity, purpose in zip(register.activities, decl.purposes, strict=True):
        for item in REGISTER_ITEMS:
            assert hasattr(activity, item)
        assert activity.retention  # (f): always derivable from the retention rule
        assert activity.security_measures == decl.security_measures  # (g): as declared
        assert activity.data_categories  # (c)
        assert len(activity.recipients) == len(purpose.recipients)  # (d)
        assert len(activity.transfers) == len(purpose.transfers)  # (e)
    unmeasured = {i.purpose_id for i in register.warnings if i.item == "30(1)(g)"}
    assert unmeasured == (set() if decl.security_measures else {p.id for p in decl.purposes})
    missing_desc = [p for p in decl.purposes if not p.description.strip()]
    flagged = {i.purpose_id for i in register.errors if i.item == "30(1)(b)"}
    assert flagged == {p.id for p in missing_desc}


def test_missing_mandatory_items_are_errors_and_optional_ones_warnings() -> None:
    abroad = Recipient(
        "crm-saas",
        "CRM in the cloud",
        RecipientKind.PROCESSOR,
        country="IN",
        contract_reference="DPA-1",
    )
    vague = build_purpose("vague", description="", recipients=(abroad,))
    decl = build_declarations(vague)
    decl = attrs.evolve(decl, controller=attrs.evolve(decl.controller, dpo=None))
    register = build_register(decl, updated_at=UPDATED, security_measures=())
    errors = {(i.item, i.purpose_id) for i in register.errors}
    assert ("30(1)(b)", "vague") in errors  # no description of the purpose
    assert ("30(1)(c)", "vague") in errors  # no category of data subjects
    assert ("30(1)(e)", "vague") in errors  # a recipient in India with no transfer ground
    warnings = {i.item for i in register.warnings}
    assert {"30(1)(a)", "30(1)(g)"} <= warnings
    assert not register.complete
    assert all(i.level in IssueLevel for i in register.issues)
    assert "Points à compléter" in register.to_markdown()


# -- notice ------------------------------------------------------------------------------


@given(gst.declarations(), st.sampled_from(["fr", "en"]), st.booleans())
def test_generated_notices_contain_every_required_item(
    decl: Declarations, lang: str, indirect: bool
) -> None:
    notice = build_notice(decl, lang, indirect=indirect)
    validate_notice(notice, decl)
    present = {s.item for s in notice.sections}
    assert required_items(decl, indirect=indirect) <= present
    assert notice.version == declarations_digest(decl)
    html = notice.to_html()
    for item in required_items(decl, indirect=indirect):
        assert f'data-item="{item.value}"' in html
    assert json.loads(notice.to_json())["version"] == notice.version


@given(gst.declarations(), st.data())
def test_a_notice_missing_any_required_item_is_refused(
    decl: Declarations, data: st.DataObject
) -> None:
    notice = build_notice(decl, "fr")
    item = data.draw(st.sampled_from(sorted(required_items(decl), key=lambda i: i.value)))
    stripped = attrs.evolve(notice, sections=tuple(s for s in notice.sections if s.item != item))
    with pytest.raises(IncompleteNotice, match=item.value.replace("(", r"\(").replace(")", r"\)")):
        validate_notice(stripped, decl)


def test_items_follow_the_bases_in_use() -> None:
    contract_only = build_declarations(build_purpose("orders", LegalBasis.CONTRACT))
    items = required_items(contract_only)
    assert NoticeItem.WITHDRAWAL not in items
    assert NoticeItem.LEGITIMATE_INTERESTS not in items
    assert NoticeItem.PROVISION in items
    indirect = required_items(contract_only, indirect=True)
    assert {NoticeItem.CATEGORIES, NoticeItem.SOURCE} <= indirect
    assert NoticeItem.PROVISION not in indirect
    full = required_items(lumiere.declarations())
    assert {
        NoticeItem.WITHDRAWAL,
        NoticeItem.LEGITIMATE_INTERESTS,
        NoticeItem.TRANSFERS,
        NoticeItem.DPO,
        NoticeItem.RECIPIENTS,
    } <= full


@given(gst.declarations())
def test_the_version_changes_iff_the_content_changes(decl: Declarations) -> None:
    same = build_notice(attrs.evolve(decl), "fr").version
    assert same == build_notice(decl, "en").version == build_notice(decl, "fr").version
    first = decl.purposes[0]
    longer = attrs.evolve(
        first,
        retention=RetentionRule(
            first.retention.period + relativedelta(years=1),
            first.retention.anchor,
            first.retention.action,
            first.retention.legal_reference,
        ),
    )
    changed = attrs.evolve(decl, purposes=(longer, *decl.purposes[1:]))
    assert build_notice(changed, "fr").version != same


def test_comparison_tells_material_changes_from_wording() -> None:
    old = lumiere.declarations()
    newsletter = old.purpose("newsletter")
    reworded = attrs.evolve(old.purpose("invoicing"), description="Tenir nos comptes.")
    longer = attrs.evolve(newsletter, retention=RetentionRule(relativedelta(years=5)))
    loyalty = build_purpose("loyalty", LegalBasis.CONSENT, fields=newsletter.fields)
    replaced = {"newsletter": longer, "invoicing": reworded}
    kept = [replaced.get(p.id, p) for p in old.purposes if p.id != "prospecting"]
    purposes = (*kept, loyalty)
    new = Declarations(old.controller, old.fields, purposes)
    changes = compare_notices(old, new)
    assert changes.material == {"newsletter"}
    assert changes.wording == {"invoicing"}
    assert changes.added == {"loyalty"}
    assert changes.removed == {"prospecting"}
    assert changes.renewal_needed == {"newsletter", "loyalty"}


# -- consent receipts ----------------------------------------------------------------------


def test_a_receipt_in_the_kantara_shape_verifies_and_names_no_one() -> None:
    decl = lumiere.declarations()
    sid = SubjectId.new()
    consent = build_consent(sid, "newsletter", UPDATED, notice_version=decl.notices[0].version)
    text = build_receipt(consent, decl, SIGNER)
    receipt = verify_receipt(text, SIGNER.public_key)
    for key in (
        "version",
        "jurisdiction",
        "consentTimestamp",
        "collectionMethod",
        "consentReceiptID",
        "language",
        "piiPrincipalId",
        "piiControllers",
        "policyUrl",
        "services",
        "sensitive",
        "spiCat",
    ):
        assert key in receipt
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert receipt["piiPrincipalId"] == str(sid)
    assert receipt["consentTimestamp"] == int(UPDATED.timestamp())
    purpose = receipt["services"][0]["purposes"][0]
    assert purpose["purposeCategory"] == ["newsletter"]
    assert purpose["thirdPartyDisclosure"] is True
    assert receipt["gdprcrm"]["event"] == "given"
    withdrawal = consent.withdraw(UPDATED + relativedelta(days=3), "unsubscribe-link")
    ended = verify_receipt(build_receipt(withdrawal, decl, SIGNER), SIGNER.public_key)
    assert ended["gdprcrm"]["withdraws"] == str(consent.id)


def test_a_receipt_fails_when_any_byte_is_altered() -> None:
    decl = lumiere.declarations()
    text = build_receipt(build_consent(SubjectId.new(), "newsletter", UPDATED), decl, SIGNER)
    raw = text.encode()
    for position in range(0, len(raw), 7):
        altered = bytearray(raw)
        altered[position] ^= 0x01
        with pytest.raises(CertificateInvalid):
            verify_receipt(bytes(altered), SIGNER.public_key)
    with pytest.raises(CertificateInvalid):
        verify_receipt(text, CertificateSigner.generate("mallory").public_key)
