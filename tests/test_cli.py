"""The gdprcrm command: the demo runs end to end, and usage errors exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gdprcrm.cli import EXIT_BAD_INPUT, EXIT_OK, main
from gdprcrm.demo import run_demo


def test_demo_gives_every_expected_answer_and_writes_its_files(tmp_path: Path) -> None:
    lines: list[str] = []
    assert run_demo(lines.append, tmp_path / "demo") == 0
    text = "\n".join(lines)
    assert "UNEXPECTED" not in text
    for article in ("Art. 7(3)", "Art. 8(1)", "Art. 21(3)", "Art. 18(2)", "17(3)(b)"):
        assert article in text
    assert "Every step came out as the GDPR requires" in text
    # Issue 14: a call outside the French hours refused, a prospect gone in one click.
    assert "outside-calling-hours" in text
    assert "unsubscribe link: objected" in text
    for name in (
        "access-report.json",
        "export.json",
        "export.csv",
        "register.md",
        "notice.fr.md",
        "notice.fr.html",
        "erasure-certificate.json",
        "consent-receipt.json",
        "audit-checkpoint.json",
    ):
        assert (tmp_path / "demo" / name).stat().st_size > 0, name


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    assert main(["demo", "--out", str(tmp_path)]) == EXIT_BAD_INPUT


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


def test_main_demo_returns_ok(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["demo", "--out", str(tmp_path / "d")]) == EXIT_OK
    assert "== 11." in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == EXIT_BAD_INPUT
    assert "Traceback" not in capsys.readouterr().err


def test_the_global_dir_is_the_demo_folder_too(tmp_path: Path) -> None:
    assert main(["--dir", str(tmp_path / "d"), "demo"]) == EXIT_OK
    assert (tmp_path / "d" / "register.md").exists()
