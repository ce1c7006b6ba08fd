"""The gdprcrm command: the demo runs end to end, and usage errors exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gdprcrm.cli import EXIT_BAD_INPUT, EXIT_OK, main
from gdprcrm.demo import run_demo


def test_demo_gives_every_expected_answer() -> None:
    lines: list[str] = []
    assert run_demo(lines.append) == 0
    text = "\n".join(lines)
    assert "UNEXPECTED" not in text
    for article in ("Art. 7(3)", "Art. 8(1)", "Art. 21(3)", "Art. 18(2)", "Art. 5(1)(e)"):
        assert article in text
    assert "Every decision came out as the GDPR requires" in text


def test_python_dash_m_gdprcrm_demo_exits_zero() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "gdprcrm", "demo"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == EXIT_OK, run.stderr
    assert "Atelier Lumière" in run.stdout
    assert run.stderr == ""


def test_main_demo_returns_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == EXIT_OK
    assert "== 10." in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == EXIT_BAD_INPUT
    assert "Traceback" not in capsys.readouterr().err
