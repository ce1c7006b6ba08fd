"""The curated public surface: complete, sorted, and light to import."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
import types

import pytest

MODULES = [
    "gdprcrm",
    "gdprcrm.errors",
    "gdprcrm.clock",
    "gdprcrm.model",
    "gdprcrm.policy",
    "gdprcrm.serialization",
    "gdprcrm.testing",
    "gdprcrm.testing.strategies",
    "gdprcrm.testing._base_strategies",
    "gdprcrm.testing._record_strategies",
    "gdprcrm.testing.builders",
    "gdprcrm.vault",
    "gdprcrm.vault.hazmat",
    "gdprcrm.vault.kek",
    "gdprcrm.vault.keystore",
    "gdprcrm.vault.sqlite_keystore",
    "gdprcrm.vault.blind_index",
    "gdprcrm.vault.certificate",
    "gdprcrm.vault.vault",
    "gdprcrm.examples.lumiere",
    "gdprcrm.demo",
    "gdprcrm.cli",
    "gdprcrm.audit",
    "gdprcrm.audit.chain",
    "gdprcrm.audit.checkpoint",
    "gdprcrm.storage",
    "gdprcrm.storage.protocols",
    "gdprcrm.storage.ports._base",
    "gdprcrm.storage.ports.subjects",
    "gdprcrm.storage.ports.choices",
    "gdprcrm.storage.ports.requests",
    "gdprcrm.storage.ports.trail",
    "gdprcrm.storage.ports.retention",
    "gdprcrm.storage.sqlite_errors",
    "gdprcrm.vault.sql_keystore",
    "gdprcrm.storage.memory",
    "gdprcrm.storage.sqlite",
    "gdprcrm.storage.postgres",
    "gdprcrm.testing.conformance",
    "gdprcrm.testing.conformance.records",
    "gdprcrm.testing.conformance.units",
    "gdprcrm.config",
    "gdprcrm.documents",
    "gdprcrm.documents.register",
    "gdprcrm.documents.notice",
    "gdprcrm.documents.notice_texts",
    "gdprcrm.documents.receipt",
    "gdprcrm.interactions",
    "gdprcrm.deadlines",
    "gdprcrm.deadlines.calendar",
    "gdprcrm.deadlines.periods",
    "gdprcrm.policy.retention",
    "gdprcrm.service",
    "gdprcrm.service.controller",
    "gdprcrm.service.kernel",
    "gdprcrm.service.collection",
    "gdprcrm.service.consent",
    "gdprcrm.service.processing",
    "gdprcrm.service.requests",
    "gdprcrm.service.rights",
    "gdprcrm.service.erasure",
    "gdprcrm.service.retention",
    "gdprcrm.service.notifications",
    "gdprcrm.service.breaches",
    "gdprcrm.service.restores",
    "gdprcrm.storage.ports.erasures",
    "gdprcrm.storage.ports.tombstones",
    "gdprcrm.model.erasure",
    "gdprcrm.signing",
    "gdprcrm.policy.rights",
    "gdprcrm.policy.collection",
    "gdprcrm.policy.requests",
    "gdprcrm.documents.refusal",
    "gdprcrm.policy.erasure",
    "gdprcrm.documents.access",
    "gdprcrm.documents.portability",
]


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def _defined_here(module: types.ModuleType) -> set[str]:
    """Public top-level names a module defines itself (classes, functions, constants)."""
    source = inspect.getsource(module)
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    type_vars = {"T", "K", "V"}
    return {n for n in names if not n.startswith("_") and n not in type_vars | {"__all__"}}


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=_isort_key), f"{name}.__all__ is not sorted"
    assert len(set(exported)) == len(exported)
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names missing {item}"


@pytest.mark.parametrize("name", [m for m in MODULES if m != "gdprcrm"])
def test_all_is_complete(name: str) -> None:
    module = importlib.import_module(name)
    missing = _defined_here(module) - set(module.__all__)
    assert not missing, f"{name}.__all__ lacks {sorted(missing)}"


def test_top_level_exports_every_model_class_users_build() -> None:
    import gdprcrm
    import gdprcrm.model

    core = {
        "Subject",
        "SubjectId",
        "Consent" if hasattr(gdprcrm.model, "Consent") else "ConsentGiven",
        "Purpose",
        "RetentionRule",
        "AuditEntry",
        "LegalBasis",
        "FieldSpec",
        "DataCategory",
        "Declarations",
        "Decision",
        "decide",
        "GdprCrmError",
        "ControllerInfo",
        "Breach",
        "DataSubjectRequest",
        "Objection",
        "Restriction",
    }
    assert core <= set(gdprcrm.__all__)


def test_import_gdprcrm_does_not_import_test_tools_or_drivers() -> None:
    code = (
        "import sys, gdprcrm, gdprcrm.testing, gdprcrm.serialization;"
        "tops = ('hypothesis', 'pytest', 'psycopg');"
        "heavy = [m for m in sys.modules if m.split('.')[0] in tops];"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
