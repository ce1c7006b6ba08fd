"""Consent receipts (Art. 7(1)) valid against the Kantara Consent Receipt v1.1 shape in
every case: ``consentType`` and language from the consent, a real ``policyUrl`` (the
declarations must give one), issued by the Controller and the CLI (issue 13, item 9)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.cli import main
from gdprcrm.documents import build_receipt, verify_receipt
from gdprcrm.errors import InvalidInput
from gdprcrm.examples import lumiere
from gdprcrm.model import ConsentGiven, ControllerInfo, SubjectId
from gdprcrm.service import Controller
from gdprcrm.signing import CertificateSigner

SIGNER = CertificateSigner.generate("dpo")
AT = datetime(2026, 3, 2, 10, tzinfo=UTC)
_TEXT = {"type": "string", "minLength": 1}
KANTARA_V1_1 = {
    # The receipt fields the specification's table marks MUST, with their JSON types.
    "type": "object",
    "required": [
        "version", "jurisdiction", "consentTimestamp", "collectionMethod",
        "consentReceiptID", "language", "piiPrincipalId", "piiControllers", "policyUrl",
        "services", "sensitive", "spiCat",
    ],
    "properties": {
        "version": {"const": "KI-CR-v1.1.0"},
        "jurisdiction": _TEXT,
        "consentTimestamp": {"type": "integer"},
        "collectionMethod": _TEXT,
        "consentReceiptID": _TEXT,
        "language": {"enum": ["fr", "en"]},
        "piiPrincipalId": _TEXT,
        "piiControllers": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["piiController", "contact", "address", "email", "phone"],
                "properties": {
                    "piiController": _TEXT,
                    "contact": _TEXT,
                    "piiControllerUrl": {"type": "string", "pattern": r"^https?://\S+$"},
                },
            },
        },
        "policyUrl": {"type": "string", "pattern": r"^https?://\S+$"},
        "services": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["service", "purposes"],
                "properties": {
                    "purposes": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": [
                                "purpose", "purposeCategory", "consentType", "piiCategory",
                                "termination", "thirdPartyDisclosure",
                            ],
                            "properties": {
                                "purposeCategory": {"type": "array", "minItems": 1},
                                "consentType": {"enum": ["EXPLICIT", "EXPRESSED"]},
                                "piiCategory": {"type": "array", "minItems": 1},
                                "termination": _TEXT,
                                "thirdPartyDisclosure": {"type": "boolean"},
                            },
                        },
                    }
                },
            },
        },
        "sensitive": {"type": "boolean"},
        "spiCat": {"type": "array"},
    },
}  # fmt: skip


def _receipt(text: str) -> dict[str, Any]:
    receipt = verify_receipt(text, SIGNER.public_key)
    jsonschema.validate(receipt, KANTARA_V1_1)
    return receipt


@given(
    explicit=st.booleans(),
    language=st.sampled_from(["fr", "en"]),
    channel=st.sampled_from(["web-form", "paper", "phone-call"]),
    later=st.integers(0, 400),
)
def test_every_receipt_is_in_the_kantara_shape(
    explicit: bool, language: str, channel: str, later: int
) -> None:
    decl = lumiere.declarations()
    consent = ConsentGiven(
        SubjectId.new(),
        "newsletter",
        AT,
        channel,
        decl.notices[-1].version,
        explicit=explicit,
        language=language,
    )
    given_receipt = _receipt(build_receipt(consent, decl, SIGNER))
    purpose = given_receipt["services"][0]["purposes"][0]
    assert purpose["consentType"] == ("EXPLICIT" if explicit else "EXPRESSED")
    assert given_receipt["gdprcrm"]["explicit"] is explicit  # never EXPLICIT beside false
    assert given_receipt["language"] == language
    assert ("years" in purpose["termination"]) is (language == "en")
    withdrawal = consent.withdraw(AT + timedelta(days=later), "unsubscribe-link")
    ended = _receipt(build_receipt(withdrawal, decl, SIGNER, language=language, explicit=explicit))
    assert ended["services"][0]["purposes"][0]["consentType"] == purpose["consentType"]
    assert ended["language"] == language


def test_no_receipt_without_a_privacy_policy_url() -> None:
    decl = lumiere.declarations()
    bare = attrs.evolve(decl, controller=attrs.evolve(decl.controller, privacy_policy_url=None))
    consent = ConsentGiven(SubjectId.new(), "newsletter", AT, "web-form", "v1")
    with pytest.raises(InvalidInput, match="privacy_policy_url"):
        build_receipt(consent, bare, SIGNER)


@pytest.mark.parametrize("bad", ["", "confidentialite", "ftp://x.fr/p", "https://", "http://a b"])
def test_the_privacy_policy_url_is_an_absolute_web_address(bad: str) -> None:
    with pytest.raises(InvalidInput):
        attrs.evolve(lumiere.declarations().controller, privacy_policy_url=bad)
    assert isinstance(lumiere.declarations().controller, ControllerInfo)


def test_the_controller_issues_receipts_in_the_consents_language(
    gdprcrm_controller: Controller,
) -> None:
    crm = gdprcrm_controller
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    crm.give_consent(sid, "newsletter", channel="web-form", language="en", explicit=True)
    crm.withdraw_consent(sid, "newsletter", channel="unsubscribe-link")
    public = crm.vault.signer.public_key
    latest = verify_receipt(crm.consent_receipt(sid, "newsletter"), public)
    assert latest["gdprcrm"]["event"] == "withdrawn"
    assert latest["language"] == "en"  # the withdrawn consent's, not always French
    assert latest["services"][0]["purposes"][0]["consentType"] == "EXPLICIT"
    (first,) = [e for e in crm.consent_history(sid) if isinstance(e, ConsentGiven)]
    again = verify_receipt(crm.consent_receipt(sid, event_id=first.id), public)
    assert again["gdprcrm"]["event"] == "given"
    jsonschema.validate(again, KANTARA_V1_1)


def test_the_cli_prints_a_receipt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def run(*args: str) -> str:
        assert main(["--dir", str(tmp_path), *args]) == 0
        return capsys.readouterr().out

    run("init", "--example")
    sid = json.loads(
        run("--json", "subject", "add", "--purpose", "newsletter", "--field", "email=a@b.fr")
    )["subject"]
    run("consent", "give", sid, "newsletter", "--channel", "web-form")
    body = json.loads(run("consent", "receipt", sid, "newsletter"))
    assert body["receipt"]["policyUrl"].startswith("https://")
    jsonschema.validate(body["receipt"], KANTARA_V1_1)
