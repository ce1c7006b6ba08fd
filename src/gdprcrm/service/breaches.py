"""The breach register (Art. 33, 34): every breach documented, notified or not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from gdprcrm.deadlines import breach_deadline
from gdprcrm.errors import InvalidInput
from gdprcrm.model import Breach, CommunicationException
from gdprcrm.personal_data import check_free_text
from gdprcrm.service.kernel import Kernel

__all__ = ["all_breaches", "communicate_breach", "notify_breach", "record_breach"]


_TEXTS = ("nature", "consequences", "measures", "delay_reasons", "not_notified_reason")


def _check_texts(k: Kernel, breach: Breach) -> None:
    """Art. 33(5), 5(1)(c): the register is kept in clear and outlives erasures; its
    texts describe people by category and count, never by their data."""
    region = k.chain.region
    today = k.clock.now().date()
    for name in _TEXTS:
        check_free_text(getattr(breach, name), f"breach {name}", at=today, region=region)


def record_breach(k: Kernel, breach: Breach) -> Breach:
    if not isinstance(breach, Breach):
        raise InvalidInput("record_breach: expected a Breach")
    _check_texts(k, breach)
    with k.storage.unit_of_work() as uow:
        uow.breaches.add(breach)
        k.audit(
            uow,
            "breach.recorded",
            at=k.clock.now(),
            details={
                "breach": str(breach.id),
                "subjects": breach.approx_subjects,
                "high_risk": breach.high_risk,
            },
        )
        uow.commit()
    return breach


def notify_breach(
    k: Kernel, breach_id: Any, *, at: datetime | None, delay_reasons: str | None
) -> Breach:
    """Art. 33(1): after 72 hours, the notification gives the reasons for the delay."""
    now = k.now(at)
    with k.storage.unit_of_work() as uow:
        breach = uow.breaches.get(breach_id)
        late = now > breach_deadline(breach.aware_at)
        if late and not delay_reasons:
            raise InvalidInput(
                "Art. 33(1): a notification after 72 hours must give the reasons for the "
                "delay (delay_reasons)"
            )
        updated = attrs.evolve(breach, notified_authority_at=now, delay_reasons=delay_reasons)
        _check_texts(k, updated)
        uow.breaches.update(updated)
        k.audit(uow, "breach.notified", at=now, details={"breach": str(breach.id), "late": late})
        uow.commit()
    return updated


def communicate_breach(
    k: Kernel, breach_id: Any, *, at: datetime | None, exception: CommunicationException | None
) -> Breach:
    """Art. 34: the people were told, or an Art. 34(3) exception dispenses with it."""
    now = k.now(at)
    with k.storage.unit_of_work() as uow:
        breach = uow.breaches.get(breach_id)
        updated = attrs.evolve(
            breach,
            communicated_at=None if exception else now,
            communication_exception=exception,
        )
        uow.breaches.update(updated)
        k.audit(
            uow,
            "breach.communication",
            at=now,
            details={
                "breach": str(breach.id),
                "exception": None if exception is None else exception.name.lower(),
            },
        )
        uow.commit()
    return updated


def all_breaches(k: Kernel) -> list[Breach]:
    with k.storage.unit_of_work(read_only=True) as uow:
        return uow.breaches.all()
