"""What the docs name exists: every CLI command and option of docs/cli.md, every dotted
``gdprcrm.`` name in the docs, every Controller method in docs/controller.md's table.

(The executed code samples are in tests/test_docs.py; this covers prose and tables.)
"""

from __future__ import annotations

import argparse
import importlib
import re
from pathlib import Path

import pytest

from gdprcrm.cli.parser import build_parser
from gdprcrm.service import Controller

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])


def _children(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings}


def _cli_mentions() -> list[tuple[str, list[str], list[str]]]:
    """(line, words, options) for each command the page names."""
    text = (ROOT / "docs" / "cli.md").read_text("utf-8")
    found = []
    for line in text.splitlines():
        if line.startswith("gdprcrm "):  # the shell sample
            words = line.split("#")[0].split()[1:]
            found.append((line, words, [w for w in words if w.startswith("--")]))
        elif line.startswith("| `") and not line.startswith("| command"):
            cell = line.split("|")[1]
            for part in re.findall(r"`([^`]+)`", cell):
                words = part.replace("/", " ").split()
                found.append((part, words, [w for w in words if w.startswith("--")]))
    return found


@pytest.mark.parametrize(("line", "words", "options"), _cli_mentions())
def test_every_command_and_option_in_cli_md_exists(
    line: str, words: list[str], options: list[str]
) -> None:
    root = build_parser()
    parser = root
    for word in words:
        if word.startswith("-"):
            break
        children = _children(parser)
        if not children:
            break
        if word in children:
            parser = children[word]
        elif parser is root:
            pytest.fail(f"{line!r}: no command {word!r}")
    known = _options(parser) | _options(root)
    for option in options:
        assert option.split("=")[0] in known, f"{line!r}: no option {option}"


_FILES = (".toml", ".md", ".db", ".kek", ".pem", ".key", ".json", ".csv", ".html")


def _dotted_names() -> list[tuple[str, str]]:
    found = set()
    for page in DOCS:
        for name in re.findall(
            r"`(gdprcrm(?:\.[A-Za-z_][A-Za-z0-9_]*)+)", page.read_text("utf-8")
        ):
            if not name.endswith(_FILES):
                found.add((page.name, name))
    return sorted(found)


@pytest.mark.parametrize(("page", "name"), _dotted_names())
def test_every_dotted_name_in_the_docs_imports(page: str, name: str) -> None:
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            assert hasattr(obj, attr), f"{page}: {name} does not exist"
            obj = getattr(obj, attr)
        return
    pytest.fail(f"{page}: {name} does not import")


def _controller_methods() -> list[str]:
    text = (ROOT / "docs" / "controller.md").read_text("utf-8")
    names = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            cell = line.split("|")[1]
            names.update(re.findall(r"`(?:with )?(?:Controller\.)?([a-z_]+)\(", cell))
    return sorted(names)


@pytest.mark.parametrize("name", _controller_methods())
def test_every_method_in_the_controller_table_exists(name: str) -> None:
    assert callable(getattr(Controller, name, None)), name


def test_the_tables_were_read() -> None:
    # Guards the parsers above: a change of layout must not make these tests vacuous.
    assert len(_cli_mentions()) > 20
    assert len(_controller_methods()) > 25
    assert len(_dotted_names()) > 30
