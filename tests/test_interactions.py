"""The transparency log: content encrypted under the person's key, tied to a purpose."""

from __future__ import annotations

from datetime import timedelta

from gdprcrm.interactions import ERASED_PLACEHOLDER, InteractionLog
from gdprcrm.model import Direction, InteractionKind
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.testing import T0
from gdprcrm.testing.builders import build_subject
from gdprcrm.vault import CertificateSigner, InMemoryKekSource, KeyVault


def test_interactions_are_logged_encrypted_and_survive_erasure_as_facts() -> None:
    storage = MemoryStorage()
    vault = KeyVault(
        storage.key_store(), InMemoryKekSource(), signer=CertificateSigner.generate("dpo")
    )
    log = InteractionLog(vault)
    subject = build_subject(purposes=["newsletter"])
    with storage.unit_of_work() as uow:
        uow.subjects.add(subject)
        log.record(
            uow,
            subject.id,
            at=T0,
            kind=InteractionKind.DATA_USE,
            direction=Direction.OUTBOUND,
            purpose_id="newsletter",
            channel="email",
            content="Nous utilisons votre adresse pour la lettre mensuelle.",
        )
        log.record(
            uow,
            subject.id,
            at=T0 + timedelta(days=1),
            kind=InteractionKind.CONTACT,
            direction=Direction.INBOUND,
            purpose_id="newsletter",
            channel="phone",
        )
        uow.commit()
    with storage.unit_of_work(read_only=True) as uow:
        stored = uow.interactions.for_subject(subject.id)
        assert stored[0].content is not None
        assert b"lettre" not in stored[0].content  # ciphertext at rest (Art. 5(1)(f))
        logged = log.read(uow, subject.id)
    assert logged[0].content == "Nous utilisons votre adresse pour la lettre mensuelle."
    assert logged[0].interaction.about_data_use
    assert logged[1].content is None
    vault.shred(subject.id)
    with storage.unit_of_work(read_only=True) as uow:
        after = log.read(uow, subject.id)
    assert [i.content for i in after] == [ERASED_PLACEHOLDER, None]
    assert after[0].erased
    assert after[0].interaction.purpose_id == "newsletter"  # the fact remains provable
