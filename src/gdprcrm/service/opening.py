"""What :meth:`Controller.open <gdprcrm.service.Controller.open>` is given, checked
before any file is created: bad input raises ``InvalidInput`` and leaves the folder as
it was (no database, key store or checkpoint file half made)."""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from gdprcrm.audit import UNKEYED_AUDIT_CHAIN
from gdprcrm.errors import InvalidInput
from gdprcrm.model import Declarations
from gdprcrm.service.notices import sync_notices
from gdprcrm.signing import CertificateSigner
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.vault import KeyVault
from gdprcrm.vault.kek import is_kek_source

if TYPE_CHECKING:
    from gdprcrm.service.controller import Controller

__all__ = ["open_embedded"]

C = TypeVar("C", bound="Controller")


def _path(value: object, what: str) -> None:
    if not isinstance(value, str | os.PathLike) or not isinstance(os.fspath(value), str):
        raise InvalidInput(f"Controller.open({what}=): expected a file path (str or Path)")
    if not os.fspath(value):
        raise InvalidInput(f"Controller.open({what}=): an empty path")


def _audit_key(audit_key: object) -> bytes | None:
    """The key of the audit chain's HMAC, or None for the explicit opt-out."""
    if audit_key is UNKEYED_AUDIT_CHAIN:
        return None
    if isinstance(audit_key, bytes) and len(audit_key) >= 32:
        return audit_key
    raise InvalidInput(
        "Controller.open(audit_key=): 32 bytes or more kept outside the database, "
        "or gdprcrm.audit.UNKEYED_AUDIT_CHAIN to opt out of a keyed trail"
    )


def _check_arguments(
    path: Any,
    declarations: Any,
    *,
    kek: Any,
    signer: Any,
    clock: Any,
    checkpoints: Any,
    checkpoint_every: Any,
    restored: Any,
    reconcile: Any,
) -> None:
    """InvalidInput naming the first argument of the wrong kind."""
    _path(path, "path")
    if checkpoints is not None:
        _path(checkpoints, "checkpoints")
    if not isinstance(declarations, Declarations):
        raise InvalidInput("Controller.open(declarations=): expected Declarations")
    if not is_kek_source(kek):
        raise InvalidInput("Controller.open(kek=): expected a Kek or a KEK source")
    if not isinstance(signer, CertificateSigner):
        raise InvalidInput("Controller.open(signer=): expected a CertificateSigner")
    if clock is not None:
        now = getattr(clock, "now", None)
        try:
            instant = now() if callable(now) else None
        except TypeError:
            instant = None
        if not isinstance(instant, datetime) or instant.utcoffset() is None:
            raise InvalidInput("Controller.open(clock=): expected a Clock (now(): aware UTC)")
    if (
        not isinstance(checkpoint_every, int)
        or isinstance(checkpoint_every, bool)
        or checkpoint_every < 1
    ):
        raise InvalidInput(
            "Controller.open(checkpoint_every=): a whole number of entries, 1 or more"
        )
    if not isinstance(restored, bool) or not isinstance(reconcile, bool):
        raise InvalidInput("Controller.open(restored=, reconcile=): True or False")


def open_embedded(
    cls: type[C],
    path: Any,
    declarations: Any,
    *,
    kek: Any,
    signer: Any,
    audit_key: Any,
    clock: Any,
    checkpoints: Any,
    checkpoint_every: Any,
    restored: Any,
    reconcile: Any,
) -> C:
    """The body of ``Controller.open`` (which see): every argument checked first, then
    the SQLite data store, the key store beside it and the checkpoint file."""
    key = _audit_key(audit_key)
    _check_arguments(
        path,
        declarations,
        kek=kek,
        signer=signer,
        clock=clock,
        checkpoints=checkpoints,
        checkpoint_every=checkpoint_every,
        restored=restored,
        reconcile=reconcile,
    )
    storage = SQLiteStorage(path)
    try:
        vault = KeyVault(storage.key_store(), kek, signer=signer, clock=clock)
        crm = cls(
            storage,
            vault,
            declarations,
            clock=clock,
            audit_key=key,
            checkpoints=os.fspath(path) + ".checkpoints" if checkpoints is None else checkpoints,
            checkpoint_every=checkpoint_every,
        )
    except BaseException:
        storage.close()  # no connection left open by a failed open
        raise
    if restored:
        crm.acknowledge_restore()
        crm._k.declarations = sync_notices(crm._k)  # what the cut trail kept unsaid
    if reconcile:
        crm.reconcile()  # a store restored from a backup brings nothing erased back
    return crm
