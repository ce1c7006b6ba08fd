"""The strategies of the declarations: data categories, fields, purposes, recipients,
transfers, the controller and the declarations themselves (re-exported by
:mod:`gdprcrm.testing.strategies`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import strategies as st

from gdprcrm.documents.register import GDPRCRM_SECURITY_MEASURES
from gdprcrm.model import (
    ADEQUACY_DECISIONS,
    DEFAULT_TAXONOMY,
    EEA_STATES,
    AnchorEvent,
    AutomatedDecision,
    Contact,
    ControllerInfo,
    DataCategory,
    Declarations,
    FieldSpec,
    LegalBasis,
    Lookup,
    NoticeVersion,
    Provenance,
    Purpose,
    Recipient,
    RecipientKind,
    RetentionAction,
    RetentionRule,
    SpecialCategoryCondition,
    SupervisoryAuthority,
    Transfer,
    TransferMechanism,
)
from gdprcrm.testing._base_strategies import FIELD_NAMES, instants, purpose_ids, retention_periods
from gdprcrm.testing._dated_record_strategies import (
    financial_year_ends,
)
from gdprcrm.testing._marketing_strategies import (
    audiences,
    channels,
)

EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""The instant generated timelines start from by default (a Monday)."""

_ORDINARY = [c for c in DEFAULT_TAXONOMY.values() if not c.sensitive]
_SPECIAL = [c for c in DEFAULT_TAXONOMY.values() if c.special]


def member_states() -> st.SearchStrategy[str]:
    return st.sampled_from(["FR", *sorted(EEA_STATES - {"FR"})])


def data_categories(*, special: bool = False) -> st.SearchStrategy[DataCategory]:
    return st.sampled_from(_SPECIAL if special else _ORDINARY)


@st.composite
def field_specs(draw: st.DrawFn, *, special: bool = False, name: str | None = None) -> FieldSpec:
    category = draw(data_categories(special=special))
    lookup = draw(st.none() | st.sampled_from(list(Lookup)))
    return FieldSpec(
        name=name if name is not None else draw(FIELD_NAMES),
        category=category,
        provenance=draw(st.sampled_from(list(Provenance))),
        lookup=lookup,
    )


@st.composite
def retention_rules(draw: st.DrawFn, *, legal: bool | None = None) -> RetentionRule:
    period = draw(retention_periods())
    has_reference = draw(st.booleans()) if legal is None else legal
    return RetentionRule(
        period=period,
        anchor=draw(st.sampled_from(list(AnchorEvent))),
        action=draw(st.sampled_from([RetentionAction.ERASE, RetentionAction.REVIEW])),
        legal_reference="Code de commerce, art. L123-22" if has_reference else None,
        financial_year_end=draw(st.none() | financial_year_ends()),
    )


@st.composite
def recipients(draw: st.DrawFn) -> Recipient:
    kind = draw(st.sampled_from(list(RecipientKind)))
    return Recipient(
        id=draw(purpose_ids()),
        name=draw(st.sampled_from(["Hosting SAS", "Mailer Ltd", "Comptable & Co"])),
        kind=kind,
        country=draw(st.sampled_from(["FR", "DE", "IE", "US"])),
        contract_reference="DPA-2026-01" if kind is RecipientKind.PROCESSOR else None,
    )


@st.composite
def transfers(draw: st.DrawFn) -> Transfer:
    mechanism = draw(st.sampled_from(list(TransferMechanism)))
    if mechanism is TransferMechanism.ADEQUACY:
        country = draw(st.sampled_from(sorted(ADEQUACY_DECISIONS)))
        conditional = ADEQUACY_DECISIONS[country].condition is not None
        return Transfer(country, mechanism, "certification-ref" if conditional else None)
    country = draw(st.sampled_from(["US", "IN", "BR", "CN", "MA"]))
    reference = None if mechanism is TransferMechanism.DEROGATION else "https://example.org/scc"
    start = draw(st.none() | instants())
    end = draw(st.none() | instants())
    if start is not None and end is not None and end <= start:
        start, end = end - timedelta(days=1), start  # a window that is one
    return Transfer(country, mechanism, reference, valid_from=start, valid_until=end)


def automated_decisions() -> st.SearchStrategy[AutomatedDecision]:
    return st.builds(
        AutomatedDecision,
        logic=st.just("score from purchase history"),
        significance=st.just("discount offered or not"),
        solely_automated=st.booleans(),
        significant=st.booleans(),
        human_review=st.just("ask support for a human review"),
    )


@st.composite
def purposes(
    draw: st.DrawFn,
    *,
    fields: Sequence[FieldSpec] | None = None,
    basis: LegalBasis | None = None,
    id: str | None = None,
    direct_marketing: bool | None = None,
) -> Purpose:
    """A valid purpose; its required companions (LIA, 9(2) condition, ...) are drawn too."""
    if fields is None:
        fields = draw(st.lists(field_specs(), min_size=1, max_size=4, unique_by=lambda f: f.name))
    chosen = draw(st.lists(st.sampled_from(list(fields)), min_size=1, unique_by=lambda f: f.name))
    if basis is None:
        basis = draw(st.sampled_from(list(LegalBasis)))
    has_special = any(f.category.special for f in chosen)
    explicit = basis is LegalBasis.CONSENT and draw(st.booleans())
    condition: SpecialCategoryCondition | None = None
    if has_special:
        if basis is LegalBasis.CONSENT:
            condition = SpecialCategoryCondition.EXPLICIT_CONSENT
        else:
            condition = draw(
                st.sampled_from(
                    [
                        c
                        for c in SpecialCategoryCondition
                        if c is not SpecialCategoryCondition.EXPLICIT_CONSENT
                    ]
                )
            )
    adm = draw(st.none() | automated_decisions())
    if adm is not None and adm.under_article_22:
        lawful = basis in (
            LegalBasis.CONTRACT,
            LegalBasis.LEGAL_OBLIGATION,
            LegalBasis.PUBLIC_TASK,
        ) or (basis is LegalBasis.CONSENT and explicit)
        special_ok = not has_special or condition in (
            SpecialCategoryCondition.EXPLICIT_CONSENT,
            SpecialCategoryCondition.SUBSTANTIAL_PUBLIC_INTEREST,
        )
        if not (lawful and special_ok):
            adm = None
    marketing_ok = basis in (
        LegalBasis.CONSENT,
        LegalBasis.CONTRACT,
        LegalBasis.LEGITIMATE_INTERESTS,
    )
    if direct_marketing is None:
        direct_marketing = marketing_ok and draw(st.booleans())
    li = basis is LegalBasis.LEGITIMATE_INTERESTS
    return Purpose(
        id=id if id is not None else draw(purpose_ids()),
        name="A purpose",
        basis=basis,
        fields=tuple(chosen),
        retention=draw(
            retention_rules(
                legal=True
                if basis in (LegalBasis.LEGAL_OBLIGATION, LegalBasis.PUBLIC_TASK)
                else None
            )
        ),
        recipients=tuple(draw(st.lists(recipients(), max_size=2, unique_by=lambda r: r.id))),
        transfers=tuple(draw(st.lists(transfers(), max_size=2))),
        automated_decision=adm,
        direct_marketing=direct_marketing,
        explicit_consent=explicit,
        special_condition=condition,
        legitimate_interests="customer relationship" if li else None,
        lia_reference="LIA-2026-01" if li else None,
        subject_categories=frozenset(draw(st.sets(st.sampled_from(["prospects", "customers"])))),
        **(draw(_marketing_attributes()) if direct_marketing else {}),
    )


@st.composite
def _marketing_attributes(draw: st.DrawFn) -> dict[str, Any]:
    """How a direct-marketing purpose reaches people, often left undeclared."""
    if not draw(st.booleans()):
        return {}
    return {
        "channels": frozenset(draw(st.sets(channels()))),
        "audience": draw(audiences()),
        "sector": draw(st.none() | st.sampled_from(["energy-renovation", "insurance"])),
        "existing_customers": draw(st.booleans()),
    }


def controller_infos() -> st.SearchStrategy[ControllerInfo]:
    return st.builds(
        ControllerInfo,
        id=st.just("acme"),
        name=st.just("ACME SAS"),
        contact=st.just(Contact("Service client", email="contact@acme.example")),
        supervisory_authority=st.just(
            SupervisoryAuthority("CNIL", "https://www.cnil.fr", "3 place de Fontenoy, Paris")
        ),
        dpo=st.none() | st.just(Contact("DPO", email="dpo@acme.example")),
    )


@st.composite
def declarations(
    draw: st.DrawFn,
    *,
    min_purposes: int = 1,
    max_purposes: int = 5,
    special: bool = True,
) -> Declarations:
    """Consistent declarations; the last notice version describes every purpose."""
    ordinary = draw(st.lists(field_specs(), min_size=1, max_size=5, unique_by=lambda f: f.name))
    names = {f.name for f in ordinary}
    extra: list[FieldSpec] = []
    if special and draw(st.booleans()):
        candidate = draw(field_specs(special=True))
        if candidate.name not in names:
            extra.append(candidate)
    fields = [*ordinary, *extra]
    ids = draw(st.lists(purpose_ids(), min_size=min_purposes, max_size=max_purposes, unique=True))
    built = [_in_english(draw(purposes(fields=fields, id=pid))) for pid in ids]
    published = draw(instants(max_value=EPOCH))
    notice = NoticeVersion.describing("v1", published, built)
    return Declarations(
        controller=draw(controller_infos()),
        fields=tuple(fields),
        purposes=tuple(built),
        notices=(notice,),
        security_measures=draw(
            st.lists(st.sampled_from(GDPRCRM_SECURITY_MEASURES), max_size=3, unique=True)
        ),
    )


def _english(obj: Any, names: Sequence[str]) -> Any:
    texts = {n: f"(en) {v}" for n in names if isinstance(v := getattr(obj, n, None), str) and v}
    return attrs.evolve(obj, translations={"en": texts} if texts else {})


def _in_english(p: Purpose) -> Purpose:
    """A purpose whose every text shown to people has an English version (Art. 12(1))."""
    shown = _english(p, ("name", "description", "legitimate_interests", "provision_consequences"))
    recipients = tuple(_english(r, ("name", "category")) for r in p.recipients)
    transfers = tuple(_english(t, ("reference",)) for t in p.transfers)
    result: Purpose = attrs.evolve(shown, recipients=recipients, transfers=transfers)
    return result
