"""The pytest and Hypothesis plugins, used by a throwaway project of someone else's."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT_TEST = textwrap.dedent(
    """
    from datetime import date

    from hypothesis import given, settings, strategies as st

    from gdprcrm import LegalBasis, Purpose, SubjectId
    from gdprcrm.model import Declarations


    def test_fixtures(gdprcrm_controller, gdprcrm_clock, gdprcrm_vault):
        sid = gdprcrm_controller.add_subject({"email": "a@example.fr"}, "FR",
                                             purposes=["newsletter"],
                                             birth_date=date(1990, 1, 1))
        gdprcrm_controller.give_consent(sid, "newsletter", channel="web-form")
        assert gdprcrm_controller.decide(sid, "newsletter").allowed
        gdprcrm_clock.advance(days=1)
        assert gdprcrm_vault.decrypt(sid, "x", gdprcrm_vault.encrypt(sid, "x", "y")) == "y"


    @settings(max_examples=10)
    @given(st.from_type(Purpose), st.from_type(SubjectId), st.from_type(Declarations))
    def test_strategies_from_types(purpose, sid, decl):
        assert isinstance(purpose.basis, LegalBasis)
        assert decl.purposes
    """
)


def test_a_third_party_suite_uses_the_fixtures_and_strategies(tmp_path: Path) -> None:
    (tmp_path / "test_theirs.py").write_text(PROJECT_TEST)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout


def test_the_pytest_plugin_imports_nothing_of_gdprcrm_at_start_up() -> None:
    code = (
        "import sys, _gdprcrm_pytestplugin;"
        "print(any(m.startswith('gdprcrm') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_every_shipped_fixture_has_a_docstring(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--fixtures", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=120,
    )
    shown = run.stdout
    for name in (
        "gdprcrm_clock",
        "gdprcrm_storage",
        "gdprcrm_vault",
        "gdprcrm_declarations",
        "gdprcrm_controller",
    ):
        assert name in shown, name
        block = shown.split(name, 1)[1].split("\n", 2)[1]
        assert "no docstring available" not in block, name
