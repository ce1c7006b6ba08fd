"""Purpose-bound reads (Art. 5(1)(b)-(c), 5(2)): processing code reads, for a purpose,
only the values that purpose needs, only when decide() allows it, and the read is
audited; reading everything is the Art. 15 path."""

from __future__ import annotations

import pytest

from gdprcrm.errors import ProcessingRefused, UnknownPurpose
from gdprcrm.model import RestrictionGround
from gdprcrm.service import Controller

VALUES = {"email": "lea@example.fr", "name": "Léa", "postal_address": "3 rue des Lilas"}


def test_a_purpose_reads_only_what_it_needs_and_the_read_is_audited(crm: Controller) -> None:
    sid = crm.add_subject(VALUES, "FR", purposes=["customer-relationship", "invoicing"])
    assert crm.values(sid, "invoicing") == {"name": "Léa", "postal_address": "3 rue des Lilas"}
    assert crm.values(sid) == VALUES  # the Art. 15 path: everything
    with crm.storage.unit_of_work(read_only=True) as uow:
        head = uow.audit.head()
    assert head is not None
    assert (head.action, head.purpose_id, dict(head.details)) == (
        "values.read",
        "invoicing",
        {"fields": 2},
    )


def test_a_refused_purpose_reads_nothing_and_the_refusal_is_audited(crm: Controller) -> None:
    sid = crm.add_subject(VALUES, "FR", purposes=["customer-relationship", "invoicing"])
    crm.restrict(sid, RestrictionGround.ACCURACY_CONTESTED)
    with pytest.raises(ProcessingRefused) as refused:
        crm.values(sid, "customer-relationship")
    assert refused.value.decision.codes == ("restricted",)
    with crm.storage.unit_of_work(read_only=True) as uow:
        head = uow.audit.head()
    assert head is not None
    assert head.action == "values.refused"
    with pytest.raises(UnknownPurpose):
        crm.values(sid, "astrology")
