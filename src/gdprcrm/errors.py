"""Every error gdprcrm raises, rooted in one base class.

Catch :class:`GdprCrmError` to catch everything the library raises on purpose. Errors
about bad input also subclass :class:`ValueError` (or :class:`LookupError` for unknown
ids), so code that already handles those builtins keeps working. An operation that
raises has changed nothing.

No message ever contains personal data: errors name fields, purposes, articles and
opaque ids, never the values a person gave.

The tree::

    GdprCrmError
    ├── InvalidInput (ValueError) ............ bad input, refused before anything changes
    │   ├── NaiveDatetime .................... a datetime without a time zone
    │   ├── UnknownJurisdiction .............. not an EU/EEA member-state code
    │   ├── BundledConsent ................... one consent for several purposes (Art. 7(2))
    │   ├── WithdrawalBeforeConsent .......... a withdrawal earlier than its consent
    │   ├── InvalidPurpose ................... a purpose the GDPR does not allow as declared
    │   │   ├── MissingLegitimateInterestAssessment ... Art. 6(1)(f) without an LIA
    │   │   ├── MissingSpecialCategoryCondition ....... Art. 9 data without an Art. 9(2) condition
    │   │   ├── MissingCriminalDataAuthority .......... Art. 10 data without its authority
    │   │   └── UnlawfulAutomatedDecision ............. Art. 22 decision on a wrong basis
    │   ├── InconsistentDeclarations ......... fields/purposes/notices that do not fit together
    │   ├── SerializationError ............... a document that does not structure to a model object
    │   │   └── ConfigError .................. a declarations file that cannot be loaded
    │   ├── IncompleteNotice ................. a notice lacking an Art. 13/14 item
    │   ├── MinimisationError ................ a value none of the purposes needs (Art. 5(1)(c))
    │   ├── PurposeLimitation ................ a record for purposes the subject was not
    │   │                                      collected for (Art. 5(1)(b))
    │   ├── InvalidToken ..................... a malformed or altered confirmation or
    │   │   │                                  unsubscribe token
    │   │   ├── TokenExpired
    │   │   └── TokenReplayed
    │   └── Suppressed ....................... a contact point that objected to direct
    │                                          marketing, offered for it again (Art. 21(3))
    ├── ProcessingRefused .................... processing decide() does not allow now
    ├── LegalHold ............................ a deletion an Art. 17(3) hold forbids until it ends
    ├── SignatureInvalid ..................... a signed document (erasure certificate, audit
    │                                          checkpoint, consent receipt) that does not verify
    ├── AuditTampered ........................ the stored trail no longer reaches its signed
    │                                          checkpoint (truncated or rewritten)
    ├── NotFound (LookupError) ............... an id that names nothing
    │   ├── UnknownPurpose
    │   ├── UnknownField
    │   ├── UnknownRecordKind
    │   └── UnknownRecord .................... no stored subject/request/... with that id
    ├── StorageError ......................... the storage layer, shaped after PEP 249
    │   ├── InterfaceError ................... misuse of the adapter (closed, nested unit)
    │   │   ├── NestedUnitOfWork
    │   │   └── ReadOnlyUnit ................. a write in a read-only unit of work
    │   └── DatabaseError
    │       ├── DataError .................... a value the database cannot hold
    │       ├── OperationalError ............. connection lost, locked, server down
    │       ├── IntegrityError ............... a constraint refused the write
    │       │   ├── DuplicateRecord .......... an id that already exists (also InvalidInput)
    │       │   └── SequenceGap .............. an audit entry out of sequence
    │       ├── InternalError
    │       ├── ProgrammingError ............. bad SQL or schema (a bug, or a newer schema)
    │       │   └── SchemaTooNew
    │       └── NotSupportedError
    └── VaultError ........................... the crypto-shredding key vault
        ├── SubjectErased .................... the subject's key was shredded (expected)
        │   └── ScopeErased .................. one key scope (a record, ...) was shredded
        ├── DecryptionError .................. any other failure to decrypt (opaque)
        ├── KeyShredded ...................... refused: putting back a shredded key
        └── KeyStoreError .................... the key store failed, or holds what it should not
            └── DuplicateKey ................. a key version that already exists (a race lost)

``CertificateInvalid`` is the former name of :class:`SignatureInvalid` (same class).
Every public exception is in this tree; a test checks that nothing raised on purpose
escapes it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuditTampered",
    "BundledConsent",
    "CertificateInvalid",
    "ConfigError",
    "DataError",
    "DatabaseError",
    "DecryptionError",
    "DuplicateKey",
    "DuplicateRecord",
    "GdprCrmError",
    "IncompleteNotice",
    "InconsistentDeclarations",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "InvalidInput",
    "InvalidPurpose",
    "InvalidToken",
    "KeyShredded",
    "KeyStoreError",
    "LegalHold",
    "MinimisationError",
    "MissingCriminalDataAuthority",
    "MissingLegitimateInterestAssessment",
    "MissingSpecialCategoryCondition",
    "NaiveDatetime",
    "NestedUnitOfWork",
    "NotFound",
    "NotSupportedError",
    "OperationalError",
    "ProcessingRefused",
    "ProgrammingError",
    "PurposeLimitation",
    "ReadOnlyUnit",
    "SchemaTooNew",
    "ScopeErased",
    "SequenceGap",
    "SerializationError",
    "SignatureInvalid",
    "StorageError",
    "SubjectErased",
    "Suppressed",
    "TokenExpired",
    "TokenReplayed",
    "UnknownField",
    "UnknownJurisdiction",
    "UnknownPurpose",
    "UnknownRecord",
    "UnknownRecordKind",
    "UnlawfulAutomatedDecision",
    "VaultError",
    "WithdrawalBeforeConsent",
]


class GdprCrmError(Exception):
    """Root of every error gdprcrm raises on purpose."""


class InvalidInput(GdprCrmError, ValueError):
    """Bad input: refused before anything was changed."""


class NaiveDatetime(InvalidInput):
    """A datetime without a time zone; gdprcrm only accepts aware instants."""


class UnknownJurisdiction(InvalidInput):
    """Not the code of an EU or EEA member state."""


class BundledConsent(InvalidInput):
    """One consent covering several purposes: Art. 7(2) requires one choice per purpose."""


class WithdrawalBeforeConsent(InvalidInput):
    """A withdrawal dated before the consent it withdraws (Art. 7(3))."""


class InvalidPurpose(InvalidInput):
    """A purpose whose declaration the GDPR does not allow."""


class MissingLegitimateInterestAssessment(InvalidPurpose):
    """Art. 6(1)(f): legitimate interests need the interest and an assessment reference."""


class MissingSpecialCategoryCondition(InvalidPurpose):
    """Art. 9(1): special-category data need an Art. 9(2) condition."""


class MissingCriminalDataAuthority(InvalidPurpose):
    """Art. 10: criminal-offence data need official authority or a legal authorisation."""


class UnlawfulAutomatedDecision(InvalidPurpose):
    """Art. 22(2): a solely automated significant decision on a basis that does not allow it."""


class InconsistentDeclarations(InvalidInput):
    """Fields, purposes and notices that do not fit together."""


class SerializationError(InvalidInput):
    """A document that cannot be turned into the model object it claims to be.

    ``errors`` holds one ``$.path: message`` line per problem.
    """

    def __init__(self, message: str, errors: tuple[str, ...] = ()) -> None:
        super().__init__(message if not errors else message + "\n" + "\n".join(errors))
        self.errors = errors


class ConfigError(SerializationError):
    """A declarations file that cannot be loaded; ``errors`` are ``$.path: message``."""


class IncompleteNotice(InvalidInput):
    """A notice that lacks an item Art. 13/14 requires for the declared processing."""


class MinimisationError(InvalidInput):
    """A value that none of the subject's purposes needs (Art. 5(1)(c))."""


class PurposeLimitation(InvalidInput):
    """Data for purposes the subject's data was not collected for (Art. 5(1)(b))."""


class InvalidToken(InvalidInput):
    """A confirmation or unsubscribe token that is malformed or altered."""


class TokenExpired(InvalidToken):
    """A confirmation token presented after its expiry."""


class TokenReplayed(InvalidToken):
    """A confirmation token already used."""


class Suppressed(InvalidInput):
    """A contact point that objected to direct marketing, offered again for it (21(3))."""


class ProcessingRefused(GdprCrmError):
    """Processing that the policy does not allow now; ``decision`` says why.

    ``decision`` is a :class:`gdprcrm.policy.Decision`; its reasons name their articles.
    """

    def __init__(self, decision: Any) -> None:
        codes = ", ".join(str(r) for r in decision.reasons)
        super().__init__(f"processing refused: {codes}")
        self.decision = decision


class LegalHold(GdprCrmError):
    """Refused: an Art. 17(3) exception (a legal retention period, a restriction for legal
    claims) holds the data until it ends; the message names the law and the date."""


class SignatureInvalid(GdprCrmError):
    """A signed document whose signature or canonical form does not verify.

    Raised for erasure certificates, audit checkpoints and consent receipts alike: any
    altered byte, another signer's key, or an unknown document type.
    """


CertificateInvalid = SignatureInvalid
"""The former name of :class:`SignatureInvalid`, kept so that existing handlers work."""


class AuditTampered(GdprCrmError):
    """The stored audit trail no longer reaches its latest signed checkpoint: entries
    were removed from its end, or the checkpointed entry was rewritten (Art. 5(2)).
    Operations refuse to extend such a trail; the message names the break."""


class NotFound(GdprCrmError, LookupError):
    """An id that names nothing known."""


class UnknownPurpose(NotFound):
    """A purpose id that the declarations do not contain."""


class UnknownField(NotFound):
    """A field name that the declarations do not contain."""


class UnknownRecordKind(NotFound):
    """A record kind that the declarations do not contain."""


class VaultError(GdprCrmError):
    """A failure of the crypto-shredding key vault."""


class SubjectErased(VaultError):
    """The subject's data key was shredded: their data is gone for good.

    Expected after an erasure (Art. 17); show a replacement value such as "[erased]".
    The message names the subject only by its opaque id.
    """


class ScopeErased(SubjectErased):
    """One key scope of the subject (a record, a group of values sharing one fate) was
    shredded: what it held is gone for good, the subject's other data is not."""


class DecryptionError(VaultError):
    """A ciphertext could not be decrypted.

    Deliberately opaque: altered bytes, another subject's or field's ciphertext, a
    truncated envelope, an unknown version and a wrong key-encryption key all look the
    same, so that the error tells an attacker nothing.
    """


class KeyShredded(VaultError):
    """Refused: a key for a subject whose keys were shredded (a tombstone exists).

    This is what neutralises a key restored from an old key-store backup.
    """


class KeyStoreError(VaultError):
    """The key store failed, or holds something it should not."""


class DuplicateKey(KeyStoreError):
    """A key version that already exists: another thread or process created it first."""


class UnknownRecord(NotFound):
    """No stored record (subject, request, breach, ...) has that id."""


class StorageError(GdprCrmError):
    """A failure of the storage layer; the tree follows PEP 249's exceptions."""


class InterfaceError(StorageError):
    """The adapter was misused: used after close, a unit of work outside its block."""


class NestedUnitOfWork(InterfaceError):
    """A unit of work opened inside another one on the same storage and thread."""


class ReadOnlyUnit(InterfaceError):
    """A write attempted in a unit of work opened with ``read_only=True``."""


class DatabaseError(StorageError):
    """An error reported by the database."""


class DataError(DatabaseError, InvalidInput):
    """A value the database cannot hold (too large, wrong type)."""


class OperationalError(DatabaseError):
    """The database is not available as needed: connection lost, locked, server down."""


class IntegrityError(DatabaseError):
    """A constraint refused the write; nothing was changed."""


class DuplicateRecord(IntegrityError, InvalidInput):
    """A record with that id already exists."""


class SequenceGap(IntegrityError):
    """An audit entry whose sequence number does not follow the chain head."""


class InternalError(DatabaseError):
    """The database reported an internal error."""


class ProgrammingError(DatabaseError):
    """Bad SQL or an unexpected schema: a bug, or a database newer than the code."""


class SchemaTooNew(ProgrammingError):
    """The database's schema version is newer than this gdprcrm understands."""


class NotSupportedError(DatabaseError):
    """The database does not support what was asked."""
