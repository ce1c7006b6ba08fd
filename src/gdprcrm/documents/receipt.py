"""Consent receipts in the shape of the Kantara Initiative Consent Receipt v1.1.

One receipt per consent event (given, withdrawn or refused), generated from the event and the
declarations, signed with the controller's Ed25519 key, verifiable by anyone holding the
public key. The principal is the opaque subject id, never an e-mail address: a receipt
carries nothing personal. gdprcrm's own facts (event kind, notice version, who gave the
consent, the consent a withdrawal ends) sit under the ``gdprcrm`` extension key.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gdprcrm.documents.notice_texts import period_en
from gdprcrm.documents.register import category_fr, period_fr
from gdprcrm.errors import InvalidInput, SignatureInvalid
from gdprcrm.model import (
    ConsentEvent,
    ConsentGiven,
    ConsentRefused,
    ConsentWithdrawn,
    ControllerInfo,
    Declarations,
    Purpose,
)
from gdprcrm.model.translation import text_in
from gdprcrm.signing import (
    CertificateSigner,
    canonical_json,
    check_signature,
    open_signed,
    require_canonical,
    seal_signed,
)

__all__ = ["KANTARA_VERSION", "build_receipt", "consent_type", "verify_receipt"]

KANTARA_VERSION = "KI-CR-v1.1.0"
_DOMAIN = b"gdprcrm consent receipt v1\n"


_KIND = {ConsentGiven: "given", ConsentWithdrawn: "withdrawn", ConsentRefused: "refused"}


def _signed(receipt: dict[str, Any], signer_id: str) -> bytes:
    """What the signature covers: the receipt and who signed it."""
    return _DOMAIN + canonical_json({"receipt": receipt, "signer_id": signer_id})


def consent_type(event: ConsentEvent, explicit: bool | None = None) -> str:
    """Kantara ``consentType``: ``EXPLICIT`` for an explicit consent (Art. 9(2)(a),
    22(2)(c), 49(1)(a)), else ``EXPRESSED``: a GDPR consent is a clear affirmative act
    (Art. 4(11)), never implied. A withdrawal takes the type of the consent it ends
    (``explicit``)."""
    if isinstance(event, ConsentGiven):
        explicit = event.explicit
    return "EXPLICIT" if explicit else "EXPRESSED"


def build_receipt(
    event: ConsentEvent,
    decl: Declarations,
    signer: CertificateSigner,
    *,
    language: str | None = None,
    explicit: bool | None = None,
) -> str:
    """The signed receipt of ``event`` (canonical JSON text), valid against the Kantara
    v1.1 schema: it needs the controller's privacy-policy URL (``policyUrl``), so the
    declarations must give one (:class:`~gdprcrm.errors.InvalidInput` otherwise).

    ``language``: of a withdrawal, whose event records none (a given or refused
    consent's own language wins), by default the language of the consent it ends when
    the Controller builds it (:meth:`gdprcrm.service.Controller.consent_receipt`), else
    French. ``explicit``: of the consent a withdrawal ends."""
    purpose = decl.purpose(event.purpose_id)
    info = decl.controller
    if not info.privacy_policy_url:
        raise InvalidInput(
            "a consent receipt needs the controller's privacy-policy URL (Kantara "
            "policyUrl): declare [controller] privacy_policy_url"
        )
    own = getattr(event, "language", None)
    lang = own if isinstance(own, str) else (language or "fr")
    if lang not in ("fr", "en"):
        raise InvalidInput("build_receipt(language=): 'fr' or 'en'")
    special = [f for f in purpose.fields if f.category.special]
    receipt: dict[str, Any] = {
        "version": KANTARA_VERSION,
        "jurisdiction": info.establishment,
        "consentTimestamp": int(event.at.timestamp()),
        "collectionMethod": event.channel,
        "consentReceiptID": str(event.id),
        "language": lang,
        "piiPrincipalId": str(event.subject_id),
        "piiControllers": [_controller(info)],
        "policyUrl": info.privacy_policy_url,
        "services": [
            {"service": info.name, "purposes": [_purpose(event, purpose, decl, lang, explicit)]}
        ],
        "sensitive": bool(special),
        "spiCat": sorted({category_fr(f.category.key, f.category.label) for f in special}),
        "gdprcrm": _extension(event),
    }
    signature = signer.sign_bytes(_signed(receipt, signer.signer_id))
    return seal_signed("receipt", receipt, signature, signer_id=signer.signer_id)


def _controller(info: ControllerInfo) -> dict[str, Any]:
    """Kantara ``piiControllers`` entry: who to contact (the DPO when there is one)."""
    contact = info.dpo or info.contact
    return {
        "piiController": info.name,
        "onBehalf": False,
        "contact": contact.name,
        "address": info.contact.address or "",
        "email": contact.email or "",
        "phone": contact.phone or "",
        "piiControllerUrl": info.privacy_policy_url,
    }


def _purpose(
    event: ConsentEvent, purpose: Purpose, decl: Declarations, lang: str, explicit: bool | None
) -> dict[str, Any]:
    """Kantara ``purposes`` entry (Art. 13(1)(c), (e), 13(2)(a)): the purpose in the
    receipt's language, its data categories, how long, and to whom."""
    return {
        "purpose": text_in(purpose, "name", lang, decl.language) or purpose.name,
        "purposeCategory": [purpose.id],
        "consentType": consent_type(event, explicit),
        "piiCategory": sorted(
            {category_fr(f.category.key, f.category.label) for f in purpose.fields}
        ),
        "primaryPurpose": True,
        "termination": period_fr(purpose) if lang == "fr" else period_en(purpose),
        "thirdPartyDisclosure": bool(purpose.recipients),
        "thirdPartyName": ", ".join(r.category or r.name for r in purpose.recipients),
    }


def _extension(event: ConsentEvent) -> dict[str, Any]:
    """The receipt's ``gdprcrm`` extension: what the event was (Art. 7(1) proof of a
    consent, 7(3) of its withdrawal), under which notice, by whom."""
    if isinstance(event, ConsentWithdrawn):
        notice, giver, withdraws = None, None, str(event.consent_id)
    else:  # given or refused: under a notice, by someone
        notice, giver, withdraws = event.notice_version, event.given_by.value, None
    return {
        "event": _KIND[type(event)],
        "noticeVersion": notice,
        "explicit": event.explicit if isinstance(event, ConsentGiven) else None,
        "givenBy": giver,
        "withdraws": withdraws,
        "article": "7(3)" if withdraws is not None else "7(1)",
    }


def verify_receipt(text: str | bytes, public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The receipt inside ``text`` if its signature verifies; SignatureInvalid otherwise.

    Any altered byte fails: the text must be exactly the canonical form that was signed.
    """
    what = "consent receipt"
    receipt, signature, doc = open_signed(text, "receipt", what)
    signer_id = doc.get("signer_id")
    if not isinstance(signer_id, str) or receipt.get("version") != KANTARA_VERSION:
        raise SignatureInvalid(f"not a gdprcrm {what}")
    require_canonical(text, seal_signed("receipt", receipt, signature, signer_id=signer_id), what)
    check_signature(public_key, signature, _signed(receipt, signer_id), what)
    return receipt
