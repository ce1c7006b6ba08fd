"""The error tree: one root, every public exception drawn in errors.py's docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import gdprcrm
from gdprcrm import errors


def _all_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(gdprcrm.__path__, "gdprcrm."):
        if not info.name.endswith("__main__"):  # importing __main__ would run the CLI
            names.append(info.name)
    return names


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _all_modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__.startswith("gdprcrm")
                and not attr.startswith("_")
            ):
                found[attr] = value
    return found


def test_every_exception_gdprcrm_defines_lives_in_errors_under_the_root() -> None:
    for name, cls in _exception_classes().items():
        if cls.__module__.startswith("gdprcrm.testing.conformance"):
            continue  # FaultInjected is a test double, raised only by fault injection
        assert cls.__module__ == "gdprcrm.errors", f"{name} is defined in {cls.__module__}"
        assert issubclass(cls, errors.GdprCrmError), name


def test_every_public_error_is_drawn_in_the_tree() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        assert re.search(rf"(── |``|^    ){name}\b", doc, re.MULTILINE), (
            f"{name} is not drawn in the tree"
        )


def test_bad_input_is_a_value_error_and_unknown_ids_are_lookup_errors() -> None:
    for cls in (errors.MinimisationError, errors.Suppressed, errors.ConfigError):
        assert issubclass(cls, ValueError)
    assert issubclass(errors.UnknownRecord, LookupError)
    # A failing store is not bad input, and a duplicate key is a store fact, not a crash.
    assert issubclass(errors.DuplicateKey, errors.KeyStoreError)
    assert not issubclass(errors.SignatureInvalid, errors.VaultError)
    assert errors.CertificateInvalid is errors.SignatureInvalid
