"""The controller's declarations: ONE source for fields, purposes and notices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType

import attrs
from dateutil.relativedelta import relativedelta

from gdprcrm.errors import (
    InconsistentDeclarations,
    InvalidInput,
    UnknownField,
    UnknownPurpose,
    UnknownRecordKind,
)
from gdprcrm.model._checks import as_tuple, instance_of, shown, tuple_of
from gdprcrm.model.controller_info import ControllerInfo
from gdprcrm.model.field import FieldSpec
from gdprcrm.model.legal_basis import LegalBasis
from gdprcrm.model.marketing import MarketingLaw
from gdprcrm.model.notice import NoticeVersion, material_digest
from gdprcrm.model.purpose import Purpose
from gdprcrm.model.record import FinancialYearEnd, RecordKind
from gdprcrm.model.retention import MAX_PERIOD_YEARS, check_period

__all__ = [
    "DEFAULT_ASK_AGAIN_AFTER",
    "DEFAULT_PENDING_CONSENT",
    "MIN_SUPPRESSION_YEARS",
    "RESERVED_PREFIX",
    "Declarations",
    "check_pending_consent",
    "check_suppression_years",
]

RESERVED_PREFIX = "gdprcrm"
"""Field names and purpose ids gdprcrm keeps for itself (``gdprcrm_birth_date``)."""

MIN_SUPPRESSION_YEARS = 3
"""Art. 21(3), CNIL: an objection to direct marketing is remembered three years at least."""


def check_suppression_years(value: object, where: str) -> int:
    """Art. 21(3), CNIL: a whole number of years, three at least, to keep an objection."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{where}: expected a whole number of years")
    if value < MIN_SUPPRESSION_YEARS:
        raise InvalidInput(
            f"{where}: objections to direct marketing are kept at least "
            f"{MIN_SUPPRESSION_YEARS} years (Art. 21(3), CNIL)"
        )
    if value > MAX_PERIOD_YEARS:  # beyond any retention, and past datetime's range
        raise InvalidInput(f"{where}: longer than {MAX_PERIOD_YEARS} years")
    return value


DEFAULT_PENDING_CONSENT = relativedelta(days=7)
MAX_PENDING_CONSENT = relativedelta(days=30)


def check_pending_consent(value: object, where: str) -> relativedelta:
    """A short period: positive, at most thirty days (a confirmation, not a retention)."""
    period = check_period(value, where)
    start = datetime(2000, 1, 1, tzinfo=UTC)
    if start + period > start + MAX_PENDING_CONSENT:
        raise InvalidInput(
            f"{where}: values awaiting a consent are kept thirty days at most (Art. 6(1)(a))"
        )
    return period


DEFAULT_ASK_AGAIN_AFTER = relativedelta(months=6)


def _check_ask_again(instance: object, attribute: object, value: object) -> None:
    check_period(value, "Declarations.ask_again_after")


def _check_pending(instance: object, attribute: object, value: object) -> None:
    check_pending_consent(value, "Declarations.pending_consent")


def _check_language(instance: object, attribute: object, value: object) -> None:
    if value not in ("fr", "en"):
        raise InvalidInput("Declarations.language: 'fr' or 'en' (the notice's languages)")


def _check_measures(instance: object, attribute: object, value: tuple[object, ...]) -> None:
    seen: set[str] = set()
    for measure in value:
        if not isinstance(measure, str) or not measure.strip() or len(measure) > 500:
            raise InvalidInput(
                "Declarations.security_measures: each measure is a text of 1-500 characters"
            )
        if measure in seen:
            raise InvalidInput("Declarations.security_measures: a measure is declared twice")
        seen.add(measure)


def _check_suppression_years(instance: object, attribute: object, value: int | None) -> None:
    if value is not None:
        check_suppression_years(value, "Declarations.suppression_years")


@attrs.frozen
class Declarations:
    """The controller, its fields, its purposes and the notice versions it published.

    Consistency is checked once, here: every field a purpose uses is the declared field
    of that name; ids are unique; compatibility links name declared purposes.
    """

    controller: ControllerInfo = attrs.field(validator=instance_of(ControllerInfo))
    fields: tuple[FieldSpec, ...] = attrs.field(converter=as_tuple, validator=tuple_of(FieldSpec))
    purposes: tuple[Purpose, ...] = attrs.field(converter=as_tuple, validator=tuple_of(Purpose))
    notices: tuple[NoticeVersion, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(NoticeVersion)
    )
    suppression_years: int | None = attrs.field(
        default=None, validator=_check_suppression_years, kw_only=True
    )
    """How long the direct-marketing suppression list keeps an objection (Art. 21(3)):
    the retention sweep purges older entries. None: kept until
    ``Controller.purge_suppressions`` is called."""
    records: tuple[RecordKind, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(RecordKind), kw_only=True
    )
    """The kinds of record kept per subject (orders, invoices, ...), each with its own
    fields, purposes and retention."""
    pending_consent: relativedelta = attrs.field(
        factory=lambda: DEFAULT_PENDING_CONSENT, validator=_check_pending, kw_only=True
    )
    """How long values collected for a purpose resting on consent are kept while the
    consent has not been given (a double opt-in awaiting confirmation): then the sweep
    erases them (Art. 6(1)(a), 5(1)(e)). Seven days unless declared; thirty at most."""
    ask_again_after: relativedelta = attrs.field(
        factory=lambda: DEFAULT_ASK_AGAIN_AFTER, validator=_check_ask_again, kw_only=True
    )
    """How long a refused consent is respected before the person may be asked again
    (``Controller.may_ask_consent``): six months unless declared."""
    financial_year_end: FinancialYearEnd = attrs.field(
        factory=FinancialYearEnd, validator=instance_of(FinancialYearEnd), kw_only=True
    )
    """The last day of the financial year: the anchor of records kept "from the close of
    the financial year" (Code de commerce art. L123-22)."""
    language: str = attrs.field(default="fr", validator=_check_language, kw_only=True)
    """The language the declared texts are written in; the others come from each
    object's ``translations`` (a notice in a language some text lacks is incomplete)."""
    security_measures: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=_check_measures, kw_only=True
    )
    """The technical and organisational security measures the controller actually takes
    (Art. 30(1)(g), 32), as the register states them. gdprcrm claims none on the host's
    behalf: :data:`gdprcrm.documents.GDPRCRM_SECURITY_MEASURES` lists what the library
    itself does, to copy where it is true of the deployment."""
    marketing_laws: tuple[MarketingLaw, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(MarketingLaw), kw_only=True
    )
    """The direct-marketing law of member states the controller declares, beside the
    built-in French law and the ePrivacy baseline (``"EU"`` replaces the baseline)."""
    _fields_by_name: Mapping[str, FieldSpec] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )
    _purposes_by_id: Mapping[str, Purpose] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )
    _notices_by_version: Mapping[str, NoticeVersion] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )
    _digests: Mapping[str, str] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _kinds_by_id: Mapping[str, RecordKind] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        for name in (
            *(f.name for f in self.fields),
            *(p.id for p in self.purposes),
            *(k.id for k in self.records),
        ):
            if name.lower().startswith(RESERVED_PREFIX):
                raise InconsistentDeclarations(
                    f"{name!r}: names starting with {RESERVED_PREFIX!r} are reserved for "
                    "gdprcrm's own records (e.g. the encrypted birth date)"
                )
        fields = {f.name: f for f in self.fields}
        if len(fields) != len(self.fields):
            raise InconsistentDeclarations("fields: a field name is declared twice")
        purposes = {p.id: p for p in self.purposes}
        if len(purposes) != len(self.purposes):
            raise InconsistentDeclarations("purposes: a purpose id is declared twice")
        for p in self.purposes:
            for f in p.fields:
                if fields.get(f.name) != f:
                    raise InconsistentDeclarations(
                        f"purposes[{p.id!r}].fields: {f.name!r} is not the declared field"
                    )
            unknown = p.compatible_with - purposes.keys()
            if unknown:
                raise InconsistentDeclarations(
                    f"purposes[{p.id!r}].compatible_with: unknown purposes {sorted(unknown)}"
                )
        notices = {n.version: n for n in self.notices}
        if len(notices) != len(self.notices):
            raise InconsistentDeclarations("notices: a version is declared twice")
        kinds = self._check_records(purposes)
        object.__setattr__(self, "_kinds_by_id", MappingProxyType(kinds))
        object.__setattr__(self, "_fields_by_name", MappingProxyType(fields))
        object.__setattr__(self, "_purposes_by_id", MappingProxyType(purposes))
        object.__setattr__(self, "_notices_by_version", MappingProxyType(notices))
        digests = {p.id: material_digest(p) for p in self.purposes}
        object.__setattr__(self, "_digests", MappingProxyType(digests))

    def _check_records(self, purposes: Mapping[str, Purpose]) -> dict[str, RecordKind]:
        kinds = {k.id: k for k in self.records}
        if len(kinds) != len(self.records):
            raise InconsistentDeclarations("records: a record kind is declared twice")
        for kind in self.records:
            where = f"records[{kind.id!r}]"
            unknown = kind.purposes - purposes.keys()
            if unknown:
                raise InconsistentDeclarations(f"{where}.purposes: unknown {sorted(unknown)}")
            on_law = [
                p
                for p in sorted(kind.purposes)
                if purposes[p].basis in (LegalBasis.LEGAL_OBLIGATION, LegalBasis.PUBLIC_TASK)
            ]
            if on_law and not kind.retention.is_legal_hold:
                # Art. 6(3), 17(3)(b): the law that requires the records also sets how long
                # they are kept, and holds them against erasure: it must be named.
                raise InconsistentDeclarations(
                    f"{where}.retention: {on_law[0]!r} rests on a law: name it in "
                    "legal_reference (it is also the Art. 17(3)(b) hold)"
                )
        return kinds

    def record_kind(self, kind_id: str) -> RecordKind:
        try:
            return self._kinds_by_id[kind_id]
        except (KeyError, TypeError):
            raise UnknownRecordKind(f"unknown record kind {shown(kind_id)}") from None

    def find_record_kind(self, kind_id: str) -> RecordKind | None:
        """The declared record kind with this id, or None (no error: for pure look-ups)."""
        return self._kinds_by_id.get(kind_id) if isinstance(kind_id, str) else None

    def purpose(self, purpose_id: str) -> Purpose:
        try:
            return self._purposes_by_id[purpose_id]
        except (KeyError, TypeError):
            raise UnknownPurpose(f"unknown purpose {shown(purpose_id)}") from None

    def field(self, name: str) -> FieldSpec:
        try:
            return self._fields_by_name[name]
        except (KeyError, TypeError):
            raise UnknownField(f"unknown field {shown(name)}") from None

    def find_purpose(self, purpose_id: str) -> Purpose | None:
        """The declared purpose with this id, or None (no error: for pure look-ups)."""
        return self._purposes_by_id.get(purpose_id) if isinstance(purpose_id, str) else None

    def find_field(self, name: str) -> FieldSpec | None:
        """The declared field with this name, or None."""
        return self._fields_by_name.get(name) if isinstance(name, str) else None

    def notice(self, version: str) -> NoticeVersion | None:
        return self._notices_by_version.get(version)

    def current_digest(self, purpose_id: str) -> str | None:
        """The material digest of a declared purpose as it is now (None if undeclared)."""
        return self._digests.get(purpose_id)

    def fields_needed(self, purpose_ids: Iterable[str]) -> frozenset[str]:
        """The field names that at least one of the declared ``purpose_ids`` needs."""
        return frozenset(
            f.name
            for pid in purpose_ids
            if (p := self._purposes_by_id.get(pid)) is not None
            for f in p.fields
        )

    def recipients_of(
        self, purpose_ids: Iterable[str], fields: Iterable[str] | None = None
    ) -> tuple[str, ...]:
        """Art. 19: the recipients of these purposes, sorted; with ``fields``, only those
        of purposes that use one of them. Undeclared purpose ids are skipped."""
        wanted = None if fields is None else frozenset(fields)
        found: set[str] = set()
        for pid in purpose_ids:
            purpose = self._purposes_by_id.get(pid)
            if purpose is not None and (wanted is None or wanted & purpose.field_names):
                found.update(r.id for r in purpose.recipients)
        return tuple(sorted(found))

    def digest(self, purpose_id: str) -> str:
        """The material digest of a declared purpose as it is now."""
        self.purpose(purpose_id)
        return self._digests[purpose_id]

    @property
    def purpose_ids(self) -> frozenset[str]:
        return frozenset(self._purposes_by_id)

    def with_notice(self, notice: NoticeVersion) -> Declarations:
        """A copy that also knows ``notice``."""
        return attrs.evolve(self, notices=(*self.notices, notice))
