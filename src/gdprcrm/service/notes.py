"""Free texts kept about a person, sealed (Art. 5(1)(f), 17, 32).

Consent evidence (an IP address, the e-mail a confirmation went to), request notes (a
doubt about identity, the reasons for an extension, the outcome), the description of
where indirect data came from: free text that may hold personal data, and must go with
the person. Each is stored as ``sealed:`` and the base64 of a vault envelope in the
subject's notes scope (:func:`gdprcrm.policy.scopes.notes_scope`), which the first step
of an erasure destroys: no copy of them can be read afterwards. Texts stored in clear
by gdprcrm 0.1 read back as they are.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

import attrs

from gdprcrm.errors import DecryptionError, InvalidInput, SubjectErased
from gdprcrm.model import (
    ConsentEvent,
    ConsentGiven,
    DataSource,
    DataSubjectRequest,
    Subject,
    SubjectId,
)
from gdprcrm.model.audit_entry import is_code
from gdprcrm.policy.scopes import notes_scope
from gdprcrm.vault import KeyVault

__all__ = [
    "ERASED_TEXT",
    "SEALED",
    "UNREADABLE_TEXT",
    "check_channel",
    "open_event",
    "open_request",
    "open_source",
    "open_text",
    "seal_evidence",
    "seal_request",
    "seal_source",
    "seal_text",
]

SEALED = "sealed:"
ERASED_TEXT = "[effacé]"
UNREADABLE_TEXT = "[illisible]"


def seal_text(vault: KeyVault, subject_id: SubjectId, field: str, text: str) -> str:
    """``text`` sealed in the subject's notes scope (a sealed text is left as it is)."""
    if text.startswith(SEALED):
        return text
    envelope = vault.encrypt_scoped(subject_id, notes_scope(subject_id), field, text)
    return SEALED + base64.b64encode(envelope).decode("ascii")


def open_text(vault: KeyVault, subject_id: SubjectId, field: str, text: str) -> str:
    """A sealed text opened; ``[effacé]`` once erased, ``[illisible]`` if damaged; a text
    stored in clear (before 0.2) as it is."""
    if not text.startswith(SEALED):
        return text
    try:
        envelope = base64.b64decode(text[len(SEALED) :], validate=True)
        return str(vault.decrypt(subject_id, field, envelope))
    except SubjectErased:
        return ERASED_TEXT
    except (DecryptionError, binascii.Error, ValueError):
        return UNREADABLE_TEXT


def seal_request(vault: KeyVault, request: DataSubjectRequest) -> DataSubjectRequest:
    return _map_request(
        request, lambda field, text: seal_text(vault, request.subject_id, field, text)
    )


def open_request(vault: KeyVault, request: DataSubjectRequest) -> DataSubjectRequest:
    return _map_request(
        request, lambda field, text: open_text(vault, request.subject_id, field, text)
    )


def _map_request(
    request: DataSubjectRequest, change: Callable[[str, str], str]
) -> DataSubjectRequest:
    def mapped(value: str | None, name: str) -> str | None:
        return None if value is None else change(f"request.{name}", value)

    return attrs.evolve(
        request,
        extension_reason=mapped(request.extension_reason, "extension_reason"),
        outcome=mapped(request.outcome, "outcome"),
        identity_doubt=mapped(request.identity_doubt, "identity_doubt"),
    )


def seal_evidence(
    vault: KeyVault, subject_id: SubjectId, evidence: dict[str, str]
) -> dict[str, str]:
    return {
        key: seal_text(vault, subject_id, f"consent.evidence.{key}", value)
        for key, value in evidence.items()
    }


def open_event(vault: KeyVault, event: ConsentEvent) -> ConsentEvent:
    if not isinstance(event, ConsentGiven) or not event.evidence:
        return event
    opened = {
        key: open_text(vault, event.subject_id, f"consent.evidence.{key}", value)
        for key, value in event.evidence
    }
    return attrs.evolve(event, evidence=opened)


def seal_source(vault: KeyVault, subject_id: SubjectId, source: DataSource) -> DataSource:
    sealed = seal_text(vault, subject_id, "subject.source", source.description)
    return attrs.evolve(source, description=sealed)


def open_source(vault: KeyVault, subject: Subject) -> DataSource | None:
    if subject.source is None:
        return None
    opened = open_text(vault, subject.id, "subject.source", subject.source.description)
    return attrs.evolve(subject.source, description=opened)


def check_channel(channel: object, what: str = "channel") -> str:
    """Art. 5(1)(c): a channel is a short code (``web-form``, ``phone``, ``e-mail``),
    stored in clear for the audit and the proof of consent: never free text."""
    if not isinstance(channel, str) or not is_code(channel):
        raise InvalidInput(
            f"{what}: a short lower-case code such as 'web-form', 'phone' or 'e-mail' "
            "(no spaces, no address or number): it is stored in clear"
        )
    return channel
