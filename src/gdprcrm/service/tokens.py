"""Links a person clicks (Art. 7(1), 7(3), 21(2)-(3)): a double opt-in confirmation and
a one-click unsubscribe (RFC 8058 ``List-Unsubscribe-Post``).

A token is ``base64url(payload).base64url(tag)``: the payload is canonical JSON naming
the opaque subject id, the purpose, the channel (and for a confirmation an expiry and a
nonce), the tag an HMAC-SHA256 under a controller-wide key (:meth:`KeyVault.token_tag`).
It carries nothing personal, and any altered byte is refused (``InvalidToken``).

* A confirmation token expires with the declared ``pending_consent`` period; redeeming
  it records the consent, with the confirmation as evidence, from that instant; a second
  use is refused (``TokenReplayed``), an expired one too (``TokenExpired``).
* An unsubscribe token does not expire (a link in a message sent years ago must still
  work); redeeming it withdraws the consent (Art. 7(3)) or, for a direct-marketing
  purpose on another basis, records an objection (Art. 21(2)); again, it changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from gdprcrm.errors import InvalidInput, InvalidToken, TokenExpired, TokenReplayed
from gdprcrm.model import Channel, ConsentGiven, ConsentGiver, LegalBasis, SubjectId
from gdprcrm.policy.marketing import check_contact_scope
from gdprcrm.policy.rights import check_consent
from gdprcrm.service import consent as consent_flow
from gdprcrm.service import processing, rights
from gdprcrm.service.kernel import Kernel
from gdprcrm.service.notes import check_channel

__all__ = [
    "LinkOperations",
    "confirm_consent",
    "confirmation_token",
    "unsubscribe",
    "unsubscribe_token",
]

_CONFIRM = "confirm"
_UNSUBSCRIBE = "unsubscribe"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encode(k: Kernel, payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return f"{_b64(raw)}.{_b64(k.vault.token_tag(raw))}"


def _decode(k: Kernel, token: object, kind: str) -> dict[str, Any]:
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 2048:
        raise InvalidToken("not a gdprcrm token")
    body, tag = token.split(".")
    try:
        raw, mac = _unb64(body), _unb64(tag)
    except (binascii.Error, ValueError):
        raise InvalidToken("not a gdprcrm token") from None
    if _b64(raw) != body or _b64(mac) != tag:  # one spelling only: no malleable bits
        raise InvalidToken("not a gdprcrm token")
    if not hmac.compare_digest(mac, k.vault.token_tag(raw)):
        raise InvalidToken("the token was altered or was not issued here")
    payload: dict[str, Any] = json.loads(raw)
    if payload.get("t") != kind:
        raise InvalidToken(f"not a {kind} token")
    return payload


def _scope(contact_channel: Channel | None, contact_point: str | None) -> dict[str, str]:
    """The marketing channel and contact point a link is limited to, in the payload."""
    out = {}
    if contact_channel is not None:
        out["m"] = contact_channel.value
    if contact_point is not None:
        out["k"] = contact_point
    return out


def _scope_of(payload: dict[str, Any]) -> tuple[Channel | None, str | None]:
    medium = payload.get("m")
    return (None if medium is None else Channel(medium)), payload.get("k")


def confirmation_token(
    k: Kernel,
    subject_id: SubjectId,
    purpose_id: str,
    channel: str,
    at: datetime | None,
    contact_channel: Channel | None = None,
    contact_point: str | None = None,
) -> str:
    """A double opt-in link's token for a consent awaited (expires with the declared
    ``pending_consent`` period), limited to a marketing channel and a contact point
    when they are given (the consent it records is)."""
    now = k.now(at)
    purpose = k.declarations.purpose(purpose_id)
    check_consent(purpose)
    check_channel(channel)
    check_contact_scope(purpose, contact_channel, contact_point, k.declarations, "token")
    with k.storage.unit_of_work(read_only=True) as uow:
        subject = uow.subjects.get(subject_id)
    if purpose_id not in subject.purposes:
        raise InvalidInput(f"confirmation_token: {purpose_id!r} is not a purpose of this person")
    expires = now + k.declarations.pending_consent
    payload = {
        "t": _CONFIRM,
        "s": str(subject_id),
        "p": purpose_id,
        "c": channel,
        "x": int(expires.timestamp()),
        "n": uuid.uuid4().hex,
        **_scope(contact_channel, contact_point),
    }
    return _encode(k, payload)


def confirm_consent(k: Kernel, token: str, at: datetime | None) -> ConsentGiven:
    """Redeem a confirmation token: the consent, with the confirmation as its evidence."""
    now = k.now(at)
    payload = _decode(k, token, _CONFIRM)
    if now > datetime.fromtimestamp(payload["x"], UTC):
        raise TokenExpired("the confirmation link has expired: ask again")
    subject_id = SubjectId.parse(payload["s"])
    nonce = str(payload["n"])
    for event in consent_flow.consent_history(k, subject_id, payload["p"]):
        if isinstance(event, ConsentGiven) and dict(event.evidence).get("confirmation") == nonce:
            raise TokenReplayed("this confirmation link was already used")
    medium, point = _scope_of(payload)
    return consent_flow.give_consent(
        k,
        subject_id,
        payload["p"],
        channel=payload["c"],
        evidence={"confirmation": nonce},
        notice_version=None,
        language="fr",
        explicit=False,
        given_by=ConsentGiver.SUBJECT,
        at=now,
        contact_channel=medium,
        contact_point=point,
    )


def unsubscribe_token(
    k: Kernel,
    subject_id: SubjectId,
    purpose_id: str,
    channel: str,
    contact_channel: Channel | None = None,
) -> str:
    """A one-click unsubscribe token for messages of ``purpose_id`` on ``channel``;
    with ``contact_channel``, it stops that marketing channel only ("no more SMS")."""
    purpose = k.declarations.purpose(purpose_id)
    if purpose.basis is not LegalBasis.CONSENT and not purpose.direct_marketing:
        raise InvalidInput(
            f"unsubscribe_token: {purpose_id!r} rests neither on consent nor is direct "
            "marketing: there is nothing to unsubscribe from"
        )
    check_channel(channel)
    check_contact_scope(purpose, contact_channel, None, k.declarations, "token")
    with k.storage.unit_of_work(read_only=True) as uow:
        uow.subjects.get(subject_id)
    payload = {"t": _UNSUBSCRIBE, "s": str(subject_id), "p": purpose_id, "c": channel}
    return _encode(k, {**payload, **_scope(contact_channel, None)})


def unsubscribe(k: Kernel, token: str, at: datetime | None) -> str:
    """Redeem an unsubscribe token: ``withdrawn`` (Art. 7(3)), ``objected`` (Art.
    21(2)-(3)), or ``unchanged`` when it had already been done."""
    payload = _decode(k, token, _UNSUBSCRIBE)
    subject_id = SubjectId.parse(payload["s"])
    purpose = k.declarations.purpose(payload["p"])
    medium, _ = _scope_of(payload)
    if purpose.basis is LegalBasis.CONSENT:
        events = consent_flow.withdraw_consent(
            k, subject_id, purpose.id, channel=payload["c"], at=at, contact_channel=medium
        )
        return "withdrawn" if events else "unchanged"
    state = processing.load_state(k, subject_id)
    if state.dm_objection_at is not None or (
        medium is not None and (None, medium) in state.channel_objection_at
    ):
        return "unchanged"
    rights.object_to(k, subject_id, None, direct_marketing=True, at=at, contact_channel=medium)
    return "objected"


class LinkOperations:
    """The links half of :class:`~gdprcrm.service.Controller` (which see)."""

    _k: Kernel

    def confirmation_token(
        self,
        subject_id: SubjectId,
        purpose_id: str,
        *,
        channel: str,
        at: datetime | None = None,
        contact_channel: Channel | None = None,
        contact_point: str | None = None,
    ) -> str:
        """A double opt-in link's token for an awaited consent: opaque, signed, expiring
        with the declared ``pending_consent`` period. Put it in the confirmation link.
        ``contact_channel`` / ``contact_point``: the consent it records covers that
        channel and contact point only (the SMS to this number)."""
        return confirmation_token(
            self._k, subject_id, purpose_id, channel, at, contact_channel, contact_point
        )

    def confirm_consent(self, token: str, *, at: datetime | None = None) -> ConsentGiven:
        """Redeem a confirmation link: the consent, from now, with the confirmation as its
        evidence; ``TokenExpired``, ``TokenReplayed``, ``InvalidToken`` otherwise."""
        return confirm_consent(self._k, token, at)

    def unsubscribe_token(
        self,
        subject_id: SubjectId,
        purpose_id: str,
        *,
        channel: str,
        contact_channel: Channel | None = None,
    ) -> str:
        """A one-click unsubscribe token for the messages of a purpose (RFC 8058
        ``List-Unsubscribe``): opaque, signed, never expiring; with ``contact_channel``
        it stops that marketing channel only (the consents covering it are withdrawn,
        or an objection to direct marketing on that channel is recorded)."""
        return unsubscribe_token(self._k, subject_id, purpose_id, channel, contact_channel)

    def unsubscribe(self, token: str, *, at: datetime | None = None) -> str:
        """Redeem an unsubscribe link, needing nothing else from the request: the consent
        withdrawn (Art. 7(3)) or an objection to direct marketing recorded (Art. 21(2));
        returns ``withdrawn``, ``objected`` or ``unchanged`` (it had been done)."""
        return unsubscribe(self._k, token, at)
