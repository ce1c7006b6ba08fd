"""Keeping the KEK and the signer across restarts (a real application's second start)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gdprcrm.errors import InvalidInput
from gdprcrm.signing import CertificateSigner
from gdprcrm.vault import KeyFileKekSource


def test_the_kek_file_is_created_once_then_opened(tmp_path: Path) -> None:
    path = tmp_path / "crm.kek"
    first = KeyFileKekSource.open_or_create(path).load()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = KeyFileKekSource.open_or_create(path).load()
    assert first.id == again.id
    with pytest.raises(InvalidInput, match="exists"):
        KeyFileKekSource.create(path)


def test_the_signer_is_saved_and_loaded_so_old_certificates_verify(tmp_path: Path) -> None:
    path = tmp_path / "signer.pem"
    signer = CertificateSigner.open_or_create(path, "dpo", password=b"secret")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"ENCRYPTED" in path.read_bytes()
    loaded = CertificateSigner.load(path, "dpo", password=b"secret")
    assert loaded.public_pem() == signer.public_pem()
    assert CertificateSigner.open_or_create(path, "dpo", password=b"secret").public_pem() == (
        signer.public_pem()
    )
    with pytest.raises(InvalidInput):
        CertificateSigner.load(path, "dpo", password=b"wrong")
    with pytest.raises(InvalidInput, match="exists"):
        signer.save(path)
    with pytest.raises(InvalidInput, match="not found"):
        CertificateSigner.load(tmp_path / "missing.pem", "dpo")
