"""Declarations from TOML: the example loads, and every error names its path."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given

from gdprcrm.config import ConfigError, declarations_digest, load_declarations, parse_declarations
from gdprcrm.examples import lumiere
from gdprcrm.model import Declarations, LegalBasis
from gdprcrm.testing import strategies as gst

EXAMPLE = tomllib.loads(lumiere.toml_path().read_text("utf-8"))


def _copy() -> dict[str, Any]:
    return tomllib.loads(lumiere.toml_path().read_text("utf-8"))


def test_the_french_example_loads() -> None:
    decl = lumiere.declarations()
    assert [p.id for p in decl.purposes] == [
        "prospecting",
        "customer-relationship",
        "invoicing",
        "newsletter",
        "customer-offers",
        "after-sales",
    ]
    invoicing = decl.purpose("invoicing")
    assert invoicing.basis is LegalBasis.LEGAL_OBLIGATION
    assert invoicing.retention.is_legal_hold
    assert invoicing.retention.legal_reference == "Code de commerce, art. L123-22"
    assert decl.purpose("prospecting").lia_reference is not None
    assert decl.purpose("after-sales").transfers[0].country == "US"
    assert decl.notices[0].version == declarations_digest(decl)
    assert decl.controller.supervisory_authority.name.startswith("Commission nationale")


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "decl.toml"
    path.write_text(lumiere.toml_path().read_text("utf-8"))
    assert load_declarations(path) == lumiere.declarations()
    with pytest.raises(ConfigError):
        load_declarations(tmp_path / "missing.toml")
    path.write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="TOML"):
        load_declarations(path)


def _errors(data: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        parse_declarations(data)
    assert isinstance(info.value, ValueError)
    return info.value.errors


def test_a_bad_period_names_its_path() -> None:
    data = _copy()
    data["purposes"][2]["retention"]["period"] = "ten years"
    assert _errors(data) == (
        "$.purposes[2].retention.period: not an ISO 8601 duration such as 'P3Y' or "
        "'P13M': 'ten years'",
    )


def test_unknown_references_and_enums_name_their_paths() -> None:
    data = _copy()
    data["purposes"][0]["fields"].append("shoe_size")
    data["purposes"][1]["basis"] = "because"
    data["purposes"][3]["recipients"] = ["nobody"]
    data["fields"][0]["category"] = "contact.pigeon"
    lines = _errors(data)
    assert "$.purposes[0].fields[4]: undeclared field 'shoe_size'" in lines
    assert any(line.startswith("$.purposes[1].basis: 'because' is not one of") for line in lines)
    assert "$.purposes[3].recipients[0]: undeclared recipient 'nobody'" in lines
    assert "$.fields[0].category: unknown data category 'contact.pigeon'" in lines


def test_unlawful_purposes_are_refused_with_their_path() -> None:
    data = _copy()
    del data["purposes"][0]["lia_reference"]
    (line,) = _errors(data)
    assert line.startswith("$.purposes[0]: Purpose 'prospecting': Art. 6(1)(f)")


def test_type_errors_and_unknown_keys_name_their_paths() -> None:
    data = _copy()
    data["purposes"][0]["direct_marketing"] = "yes please"
    data["controller"]["colour"] = "blue"
    lines = _errors(data)
    assert any(line.startswith("$.purposes[0].direct_marketing") for line in lines), lines
    assert any("colour" in line for line in lines), lines


def test_a_missing_notice_date_is_an_error() -> None:
    data = _copy()
    del data["notice"]
    assert any("notice" in line for line in _errors(data))


@given(gst.declarations())
def test_the_digest_changes_iff_the_content_changes(decl: Declarations) -> None:
    assert declarations_digest(decl) == declarations_digest(attrs.evolve(decl))
    renamed = attrs.evolve(decl.controller, name=decl.controller.name + " SA")
    assert declarations_digest(attrs.evolve(decl, controller=renamed)) != declarations_digest(decl)
    first = decl.purposes[0]
    changed = attrs.evolve(first, description=first.description + " (revised)")
    other = attrs.evolve(decl, purposes=(changed, *decl.purposes[1:]))
    assert declarations_digest(other) != declarations_digest(decl)
    kept = attrs.evolve(decl, suppression_years=3)
    assert declarations_digest(kept) != declarations_digest(decl)
    longer = attrs.evolve(kept, suppression_years=4)
    assert declarations_digest(kept) != declarations_digest(longer)


def test_the_suppression_period_is_declared_and_never_under_three_years() -> None:
    # Art. 21(3), CNIL: the suppression list keeps an objection three years at least.
    assert parse_declarations(_copy()).suppression_years is None
    data = _copy()
    data["suppression_years"] = 5
    assert parse_declarations(data).suppression_years == 5
    for bad, message in ((2, "3 years"), ("5", "int"), (True, "int")):
        data["suppression_years"] = bad
        assert any(message in line for line in _errors(data)), bad


def test_a_file_nested_too_deeply_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000, encoding="utf-8")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_declarations(path)


def test_record_kinds_load_with_their_own_retention() -> None:
    decl = parse_declarations(_copy())
    invoice = decl.record_kind("invoice")
    assert invoice.purposes == frozenset({"invoicing"})
    assert invoice.retention.anchor.value == "financial-year-end"
    assert invoice.retention.is_legal_hold
    assert invoice.label == "Factures"
    assert str(decl.financial_year_end) == "12-31"
    data = _copy()
    data["financial_year_end"] = "03-31"
    assert str(parse_declarations(data).financial_year_end) == "03-31"


def test_record_kind_errors_name_their_paths() -> None:
    data = _copy()
    data["records"][0]["fields"][1]["category"] = "financial.pigeon"
    data["records"][1]["retention"]["anchor"] = "whenever"
    lines = _errors(data)
    assert "$.records[0].fields[1].category: unknown data category 'financial.pigeon'" in lines
    assert any(line.startswith("$.records[1].retention.anchor: 'whenever'") for line in lines)
    data = _copy()
    data["records"][1]["purposes"] = ["astrology"]
    assert any(
        "records['order'].purposes: unknown ['astrology']" in line for line in _errors(data)
    )


def test_a_record_kind_kept_by_law_must_name_the_law() -> None:
    # Art. 6(3), 17(3)(b): invoices rest on a legal obligation; the law that requires
    # them is also what holds them against erasure, so it must be named.
    data = _copy()
    del data["records"][0]["retention"]["legal_reference"]
    assert any("legal_reference" in line for line in _errors(data))


@pytest.mark.parametrize("bad", ["02-29", "12/31", "13-01", "1231"])
def test_a_financial_year_end_is_a_day_of_every_year(bad: str) -> None:
    data = _copy()
    data["financial_year_end"] = bad
    assert any(line.startswith("$.financial_year_end") for line in _errors(data)), bad


def test_declaring_records_changes_the_digest() -> None:
    with_records = parse_declarations(_copy())
    data = _copy()
    del data["records"]
    without = parse_declarations(data)
    assert declarations_digest(with_records) != declarations_digest(without)
    data["financial_year_end"] = "06-30"
    assert declarations_digest(parse_declarations(data)) != declarations_digest(without)
