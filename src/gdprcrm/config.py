"""Load the controller's declarations from a TOML file: ONE source for everything.

The register (Art. 30), the privacy notice (Art. 13/14), the consent receipts and every
decision are generated from the same :class:`~gdprcrm.model.Declarations`, so they can
never disagree. Every error names its place in the file::

    $.purposes[2].retention.period: not an ISO 8601 duration such as 'P3Y' or 'P13M'

The file format is documented in docs/declarations.md; the shipped French example is
``gdprcrm/examples/lumiere.toml``.
"""

from __future__ import annotations

import enum
import os
import tomllib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs

from gdprcrm._config_controller import ControllerDoc, controller_info
from gdprcrm._config_digest import declarations_digest
from gdprcrm._config_marketing import MarketingLawDoc, marketing_laws
from gdprcrm._config_records import RecordDoc, financial_year_end, record_kinds
from gdprcrm._config_support import CONVERTER, Errors, enum_value, named, translations_of
from gdprcrm.errors import ConfigError
from gdprcrm.model import (
    DEFAULT_TAXONOMY,
    AnchorEvent,
    Audience,
    AutomatedDecision,
    Channel,
    CnilGroup,
    DataCategory,
    Declarations,
    FieldSpec,
    FinancialYearEnd,
    LegalBasis,
    Lookup,
    NoticeVersion,
    Provenance,
    Provision,
    Purpose,
    Recipient,
    RecipientKind,
    RestrictionExemption,
    RetentionAction,
    RetentionRule,
    SpecialCategoryCondition,
    Transfer,
    TransferMechanism,
    parse_period,
)
from gdprcrm.model.declarations import (
    DEFAULT_ASK_AGAIN_AFTER,
    DEFAULT_PENDING_CONSENT,
    check_pending_consent,
)
from gdprcrm.model.retention import check_period
from gdprcrm.serialization import format_error

__all__ = ["ConfigError", "declarations_digest", "load_declarations", "parse_declarations"]

T = TypeVar("T")
_E = TypeVar("_E", bound=enum.Enum)


# -- the document shapes (what the TOML holds, before references are resolved) ---------


@attrs.frozen
class _CategoryDoc:
    key: str
    label: str
    group: str
    special: bool = False
    criminal: bool = False


@attrs.frozen
class _FieldDoc:
    name: str
    category: str
    provenance: str = "provided"
    lookup: str | None = None
    description: str | None = None


@attrs.frozen
class _RecipientDoc:
    id: str
    name: str
    kind: str
    country: str = "FR"
    contract_reference: str | None = None
    category: str | None = None
    en: dict[str, str] | None = None
    fr: dict[str, str] | None = None


@attrs.frozen
class _RetentionDoc:
    period: str
    anchor: str = "collection"
    action: str = "erase"
    legal_reference: str | None = None
    financial_year: bool = False


@attrs.frozen
class _TransferDoc:
    country: str
    mechanism: str
    reference: str | None = None
    recipient_id: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    en: dict[str, str] | None = None
    fr: dict[str, str] | None = None


@attrs.frozen
class _AutomatedDoc:
    logic: str
    significance: str
    solely_automated: bool = True
    significant: bool = False
    human_review: str | None = None


@attrs.frozen
class _PurposeDoc:
    id: str
    name: str
    basis: str
    fields: list[str]
    retention: _RetentionDoc
    description: str = ""
    recipients: list[str] = attrs.Factory(list)
    transfers: list[_TransferDoc] = attrs.Factory(list)
    automated_decision: _AutomatedDoc | None = None
    direct_marketing: bool = False
    explicit_consent: bool = False
    special_condition: str | None = None
    criminal_data_authority: str | None = None
    legitimate_interests: str | None = None
    lia_reference: str | None = None
    compatible_with: list[str] = attrs.Factory(list)
    subject_categories: list[str] = attrs.Factory(list)
    provision: str = "voluntary"
    provision_consequences: str | None = None
    restriction_exemption: str | None = None
    channels: list[str] = attrs.Factory(list)
    audience: str = "consumer"
    sector: str | None = None
    existing_customers: bool = False
    en: dict[str, str] | None = None
    fr: dict[str, str] | None = None


@attrs.frozen
class _NoticeDoc:
    published: datetime
    version: str | None = None


@attrs.frozen
class _Document:
    controller: ControllerDoc
    fields: list[_FieldDoc]
    purposes: list[_PurposeDoc]
    notice: _NoticeDoc
    recipients: list[_RecipientDoc] = attrs.Factory(list)
    categories: list[_CategoryDoc] = attrs.Factory(list)
    suppression_years: int | None = None
    records: list[RecordDoc] = attrs.Factory(list)
    financial_year_end: str | None = None
    pending_consent_period: str | None = None
    ask_again_after: str | None = None
    security_measures: list[str] = attrs.Factory(list)
    language: str = "fr"
    marketing_laws: list[MarketingLawDoc] = attrs.Factory(list)


def parse_declarations(data: Mapping[str, Any], *, source: str = "declarations") -> Declarations:
    """Build :class:`~gdprcrm.model.Declarations` from parsed TOML (a mapping)."""
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{source}: cannot read the declarations",
            (f"$: expected the parsed TOML document (a mapping), got {type(data).__name__}",),
        )
    try:
        doc = CONVERTER.structure(dict(data), _Document)
    except cattrs.BaseValidationError as exc:
        lines = tuple(
            _path_first(line)
            for line in cattrs.transform_error(exc, path="$", format_exception=format_error)
        )
        raise ConfigError(f"{source}: cannot read the declarations", lines) from None
    errors = Errors()
    taxonomy = _taxonomy(doc, errors)
    controller = errors.run("$.controller", lambda: controller_info(doc.controller))
    fields = _fields(doc, taxonomy, errors)
    recipients = _recipients(doc, errors)
    year_end = errors.run(
        "$.financial_year_end", lambda: financial_year_end(doc.financial_year_end)
    )
    closing = year_end if year_end is not None else FinancialYearEnd()  # reported above
    purposes = [
        built
        for i, pd in enumerate(doc.purposes)
        if (built := _purpose(pd, f"$.purposes[{i}]", fields, recipients, errors, closing))
        is not None
    ]
    kinds = record_kinds(doc.records, taxonomy, errors)
    laws = marketing_laws(doc.marketing_laws, errors)
    pending = errors.run(
        "$.pending_consent_period",
        lambda: (
            DEFAULT_PENDING_CONSENT
            if doc.pending_consent_period is None
            else check_pending_consent(parse_period(doc.pending_consent_period), "period")
        ),
    )
    ask_again = errors.run(
        "$.ask_again_after",
        lambda: (
            DEFAULT_ASK_AGAIN_AFTER
            if doc.ask_again_after is None
            else check_period(parse_period(doc.ask_again_after), "period")
        ),
    )
    if (
        errors.lines
        or controller is None
        or year_end is None
        or pending is None
        or ask_again is None
    ):
        raise ConfigError(f"{source}: invalid declarations", tuple(errors.lines))
    declarations = errors.run(
        "$",
        lambda: Declarations(
            controller,
            tuple(fields.values()),
            tuple(purposes),
            suppression_years=doc.suppression_years,
            records=tuple(kinds),
            financial_year_end=year_end,
            pending_consent=pending,
            ask_again_after=ask_again,
            security_measures=tuple(doc.security_measures),
            language=doc.language,
            marketing_laws=laws,
        ),
    )
    if declarations is None:
        raise ConfigError(f"{source}: invalid declarations", tuple(errors.lines))
    version = doc.notice.version or declarations_digest(declarations)
    notice = NoticeVersion.describing(version, doc.notice.published, declarations.purposes)
    return declarations.with_notice(notice)


def _taxonomy(doc: _Document, errors: Errors) -> dict[str, DataCategory]:
    """The default taxonomy, extended (or overridden) by the declared categories."""
    taxonomy = dict(DEFAULT_TAXONOMY)
    for i, c in enumerate(doc.categories):

        def build_category(c: _CategoryDoc = c) -> DataCategory:
            return DataCategory(
                c.key, c.label, enum_value(CnilGroup, c.group), c.special, c.criminal
            )

        category = errors.run(f"$.categories[{i}]", build_category)
        if category is not None:
            taxonomy[category.key] = category
    return taxonomy


def _fields(
    doc: _Document, taxonomy: Mapping[str, DataCategory], errors: Errors
) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for i, f in enumerate(doc.fields):
        path = f"$.fields[{i}]"
        if f.category not in taxonomy:
            errors.lines.append(f"{path}.category: unknown data category {f.category!r}")
            continue

        def build_field(f: _FieldDoc = f) -> FieldSpec:
            return FieldSpec(
                name=f.name,
                category=taxonomy[f.category],
                provenance=enum_value(Provenance, f.provenance),
                lookup=None if f.lookup is None else enum_value(Lookup, f.lookup),
                description=f.description,
            )

        spec = errors.run(path, build_field)
        if spec is not None:
            if spec.name in fields:
                errors.lines.append(f"{path}.name: field {spec.name!r} declared twice")
            fields[spec.name] = spec
    return fields


def _recipients(doc: _Document, errors: Errors) -> dict[str, Recipient]:
    recipients: dict[str, Recipient] = {}
    for i, r in enumerate(doc.recipients):

        def build_recipient(r: _RecipientDoc = r) -> Recipient:
            return Recipient(
                r.id,
                r.name,
                enum_value(RecipientKind, r.kind),
                r.country,
                r.contract_reference,
                r.category,
                translations=translations_of(r),
            )

        recipient = errors.run(f"$.recipients[{i}]", build_recipient)
        if recipient is not None:
            recipients[recipient.id] = recipient
    return recipients


def _retention(
    rd: _RetentionDoc, path: str, errors: Errors, year_end: FinancialYearEnd
) -> RetentionRule | None:
    period = errors.run(f"{path}.period", lambda: parse_period(rd.period))
    anchor = errors.run(f"{path}.anchor", lambda: enum_value(AnchorEvent, rd.anchor))
    action = errors.run(f"{path}.action", lambda: enum_value(RetentionAction, rd.action))
    if period is None or anchor is None or action is None:
        return None
    closing = year_end if rd.financial_year else None  # from the close of that year
    return errors.run(
        path,
        lambda: RetentionRule(
            period, anchor, action, rd.legal_reference, financial_year_end=closing
        ),
    )


def _transfers(pd: _PurposeDoc, path: str, errors: Errors) -> list[Transfer]:
    transfers = []
    for j, t in enumerate(pd.transfers):

        def build_transfer(t: _TransferDoc = t) -> Transfer:
            return Transfer(
                t.country,
                enum_value(TransferMechanism, t.mechanism),
                t.reference,
                t.recipient_id,
                translations=translations_of(t),
                valid_from=t.valid_from,
                valid_until=t.valid_until,
            )

        built = errors.run(f"{path}.transfers[{j}]", build_transfer)
        if built is not None:
            transfers.append(built)
    return transfers


def _optional_enum(value: str | None, kind: type[_E], path: str, errors: Errors) -> _E | None:
    if value is None:
        return None
    found: _E | None = errors.run(path, lambda: enum_value(kind, value))
    return found


def _automated(pd: _PurposeDoc, path: str, errors: Errors) -> AutomatedDecision | None:
    a = pd.automated_decision
    if a is None:
        return None
    return errors.run(
        f"{path}.automated_decision",
        lambda: AutomatedDecision(
            a.logic, a.significance, a.solely_automated, a.significant, a.human_review
        ),
    )


def _purpose(
    pd: _PurposeDoc,
    path: str,
    fields: Mapping[str, FieldSpec],
    recipients: Mapping[str, Recipient],
    errors: Errors,
    year_end: FinancialYearEnd,
) -> Purpose | None:
    before = len(errors.lines)
    used = named(pd.fields, fields, f"{path}.fields", "field", errors)
    chosen = named(pd.recipients, recipients, f"{path}.recipients", "recipient", errors)
    retention = _retention(pd.retention, f"{path}.retention", errors, year_end)
    transfers = _transfers(pd, path, errors)
    basis = errors.run(f"{path}.basis", lambda: enum_value(LegalBasis, pd.basis))
    special = _optional_enum(
        pd.special_condition, SpecialCategoryCondition, f"{path}.special_condition", errors
    )
    provision = errors.run(f"{path}.provision", lambda: enum_value(Provision, pd.provision))
    exemption = _optional_enum(
        pd.restriction_exemption, RestrictionExemption, f"{path}.restriction_exemption", errors
    )
    adm = _automated(pd, path, errors)
    channels = [
        _optional_enum(c, Channel, f"{path}.channels[{i}]", errors)
        for i, c in enumerate(pd.channels)
    ]
    audience = _optional_enum(pd.audience, Audience, f"{path}.audience", errors)
    if (
        len(errors.lines) > before
        or retention is None
        or basis is None
        or provision is None
        or audience is None
    ):
        return None
    return errors.run(
        path,
        lambda: Purpose(
            id=pd.id,
            name=pd.name,
            basis=basis,
            fields=tuple(used),
            retention=retention,
            description=pd.description,
            recipients=tuple(chosen),
            transfers=tuple(transfers),
            automated_decision=adm,
            direct_marketing=pd.direct_marketing,
            explicit_consent=pd.explicit_consent,
            special_condition=special,
            criminal_data_authority=pd.criminal_data_authority,
            legitimate_interests=pd.legitimate_interests,
            lia_reference=pd.lia_reference,
            compatible_with=frozenset(pd.compatible_with),
            subject_categories=frozenset(pd.subject_categories),
            provision=provision,
            provision_consequences=pd.provision_consequences,
            restriction_exemption=exemption,
            channels=frozenset(channels),
            audience=audience,
            sector=pd.sector,
            existing_customers=pd.existing_customers,
            translations=translations_of(pd),
        ),
    )


def _path_first(line: str) -> str:
    message, sep, path = line.rpartition(" @ ")
    return f"{path}: {message}" if sep else line


def load_declarations(path: str | os.PathLike[str]) -> Declarations:
    """Read a declarations TOML file (see docs/declarations.md)."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{file}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML", (f"$: {exc}",)) from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise ConfigError(f"{file}: nested too deeply to be declarations") from None
    return parse_declarations(data, source=str(file))
