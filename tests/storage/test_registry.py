"""The one registry of repositories names every repository and classifies every method."""

from __future__ import annotations

import inspect
import typing

from gdprcrm.storage.protocols import REPOSITORIES, UnitOfWork
from gdprcrm.testing.conformance import WRITE_METHODS
from gdprcrm.testing.conformance._support import SNAPSHOT_READERS


def test_the_registry_names_every_repository_of_the_unit_of_work() -> None:
    hints = typing.get_type_hints(UnitOfWork)
    declared = {
        name for name, kind in hints.items() if not name.startswith("_") and inspect.isclass(kind)
    }
    declared.discard("read_only")
    assert declared == {spec.name for spec in REPOSITORIES}
    for spec in REPOSITORIES:
        assert hints[spec.name] is spec.port


def test_every_public_method_of_every_port_is_a_read_or_a_write() -> None:
    for spec in REPOSITORIES:
        public = {
            name
            for name, _ in inspect.getmembers(spec.port, inspect.isfunction)
            if not name.startswith("_")
        }
        assert public == set(spec.writes) | set(spec.reads), spec.name
        assert not set(spec.writes) & set(spec.reads), spec.name


def test_fault_injection_and_snapshots_cover_every_repository() -> None:
    names = {spec.name for spec in REPOSITORIES}
    assert set(WRITE_METHODS) == names
    assert set(SNAPSHOT_READERS) == names
