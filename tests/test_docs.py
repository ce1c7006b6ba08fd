"""Every ```python block of README.md and docs/ runs, so the samples cannot rot.

The blocks of one file run in order in one namespace, like a reader following along.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_there_are_samples_to_run() -> None:
    assert sum(len(BLOCK.findall(p.read_text())) for p in DOCS) >= 5


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_samples_run(path: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"doc_{path.stem}", "__file__": str(path)}
    for number, block in enumerate(BLOCK.findall(path.read_text()), start=1):
        code = compile(block, f"{path.name}[block {number}]", "exec")
        exec(code, namespace)  # noqa: S102 - the project's own documentation


TEST_NAME = re.compile(r"\btest_[a-z0-9_]+\b(?!\.py)")


def test_the_article_pages_name_tests_that_exist() -> None:
    defined = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        defined |= set(re.findall(r"def (test_[a-z0-9_]+)", path.read_text()))
    for page in sorted((ROOT / "docs" / "gdpr").glob("*.md")):
        named = set(TEST_NAME.findall(page.read_text()))
        assert named, f"{page.name} names no test"
        missing = named - defined
        assert not missing, f"{page.name} names tests that do not exist: {sorted(missing)}"
