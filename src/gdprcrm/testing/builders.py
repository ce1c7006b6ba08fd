"""Small builders with sensible defaults, for tests that care about one detail.

purpose = build_purpose("newsletter", LegalBasis.CONSENT, direct_marketing=True)
decl = build_declarations(purpose)            # fields and notice "v1" derived
subject = build_subject(purposes=["newsletter"])
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from gdprcrm.model import (
    DEFAULT_TAXONOMY,
    Channel,
    ConsentGiven,
    ConsentGiver,
    Contact,
    ControllerInfo,
    Declarations,
    FieldSpec,
    LegalBasis,
    Lookup,
    NoticeVersion,
    Purpose,
    RetentionRule,
    Subject,
    SubjectId,
    SupervisoryAuthority,
)

__all__ = [
    "EMAIL",
    "NAME",
    "PHONE",
    "POSTAL_ADDRESS",
    "build_consent",
    "build_controller",
    "build_declarations",
    "build_purpose",
    "build_subject",
]

EMAIL = FieldSpec("email", DEFAULT_TAXONOMY["contact.email"], lookup=Lookup.EMAIL)
NAME = FieldSpec("name", DEFAULT_TAXONOMY["identity.name"])
PHONE = FieldSpec("phone", DEFAULT_TAXONOMY["contact.phone"], lookup=Lookup.PHONE)
POSTAL_ADDRESS = FieldSpec("postal_address", DEFAULT_TAXONOMY["contact.postal_address"])
_T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def build_controller(**overrides: Any) -> ControllerInfo:
    values: dict[str, Any] = {
        "id": "acme",
        "name": "ACME SAS",
        "contact": Contact("Service client", email="contact@acme.example"),
        "supervisory_authority": SupervisoryAuthority(
            "CNIL", "https://www.cnil.fr", "3 place de Fontenoy, 75007 Paris"
        ),
        "dpo": Contact("Délégué à la protection des données", email="dpo@acme.example"),
    }
    values.update(overrides)
    return ControllerInfo(**values)


def build_purpose(
    id: str,
    basis: LegalBasis = LegalBasis.CONTRACT,
    *,
    fields: Iterable[FieldSpec] = (EMAIL, NAME),
    retention: RetentionRule | None = None,
    **overrides: Any,
) -> Purpose:
    """A valid purpose; legitimate interests get a placeholder interest and LIA, a legal
    obligation or public task a ten-year period under a placeholder law."""
    if basis is LegalBasis.LEGITIMATE_INTERESTS:
        overrides.setdefault("legitimate_interests", "customer relationship")
        overrides.setdefault("lia_reference", "LIA-1")
    if retention is None:
        retention = (
            RetentionRule(relativedelta(years=10), legal_reference="Code de commerce, L123-22")
            if basis in (LegalBasis.LEGAL_OBLIGATION, LegalBasis.PUBLIC_TASK)
            else RetentionRule(relativedelta(years=3))
        )
    return Purpose(
        id=id,
        name=id.replace("-", " ").capitalize(),
        basis=basis,
        fields=tuple(fields),
        retention=retention,
        **overrides,
    )


def build_declarations(
    *purposes: Purpose,
    notice_version: str = "v1",
    published_at: datetime = datetime(2025, 12, 1, tzinfo=UTC),
) -> Declarations:
    """Declarations whose fields are those the purposes use and whose single notice
    version describes every purpose."""
    fields: dict[str, FieldSpec] = {}
    for p in purposes:
        for f in p.fields:
            fields.setdefault(f.name, f)
    return Declarations(
        controller=build_controller(),
        fields=tuple(fields.values()),
        purposes=purposes,
        notices=(NoticeVersion.describing(notice_version, published_at, purposes),),
    )


def build_subject(
    *,
    purposes: Iterable[str] = (),
    jurisdiction: str = "FR",
    collected_at: datetime = _T0,
    birth_date: date | None = date(1980, 5, 17),
    **overrides: Any,
) -> Subject:
    return Subject(
        id=overrides.pop("id", None) or SubjectId.new(),
        jurisdiction=jurisdiction,
        collected_at=collected_at,
        purposes=frozenset(purposes),
        birth_date=birth_date,
        **overrides,
    )


def build_consent(
    subject: Subject | SubjectId,
    purpose_id: str,
    at: datetime = _T0,
    *,
    notice_version: str = "v1",
    given_by: ConsentGiver = ConsentGiver.SUBJECT,
    explicit: bool = False,
    contact_channel: Channel | None = None,
    contact_point: str | None = None,
) -> ConsentGiven:
    sid = subject.id if isinstance(subject, Subject) else subject
    return ConsentGiven(
        subject_id=sid,
        purpose_id=purpose_id,
        at=at,
        channel="web-form",
        notice_version=notice_version,
        explicit=explicit,
        given_by=given_by,
        evidence={"form": "signup-v3"},
        contact_channel=contact_channel,
        contact_point=contact_point,
    )
