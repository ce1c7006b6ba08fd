"""Crypto-shredding: one key per data subject, so destroying it erases every copy.

Use :class:`KeyVault`; :mod:`gdprcrm.vault.hazmat` holds the low-level pieces.

    vault = KeyVault(SQLiteKeyStore("crm.keys.db"), KeyFileKekSource("kek.key"),
                     signer=CertificateSigner.generate("acme-dpo"))
    token = vault.encrypt(sid, "email", "elise@example.fr")
    vault.decrypt(sid, "email", token)      # "elise@example.fr"
    certificate = vault.shred(sid)          # signed; decrypt now raises SubjectErased
"""

from gdprcrm.vault.blind_index import BlindIndex, normalise, normalise_email, normalise_phone
from gdprcrm.vault.certificate import CertificateSigner, ErasureCertificate, verify_certificate
from gdprcrm.vault.kek import (
    InMemoryKekSource,
    Kek,
    KekSource,
    KeyFileKekSource,
    PassphraseKekSource,
)
from gdprcrm.vault.keystore import KeyStore, MemoryKeyStore, Secret, Tombstone, WrappedKey
from gdprcrm.vault.sqlite_keystore import SQLiteKeyStore
from gdprcrm.vault.vault import Context, KeyVault

__all__ = [
    "BlindIndex",
    "CertificateSigner",
    "Context",
    "ErasureCertificate",
    "InMemoryKekSource",
    "Kek",
    "KekSource",
    "KeyFileKekSource",
    "KeyStore",
    "KeyVault",
    "MemoryKeyStore",
    "PassphraseKekSource",
    "SQLiteKeyStore",
    "Secret",
    "Tombstone",
    "WrappedKey",
    "normalise",
    "normalise_email",
    "normalise_phone",
    "verify_certificate",
]
