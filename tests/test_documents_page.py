"""docs/documents.md: every excerpt is still, line for line, in the document it names
(the page's code builds each document; an excerpt that drifted fails here)."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "documents.md"
CODE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXCERPT = re.compile(r"^<!-- excerpt: (\w+) -->\n```text\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_every_excerpt_is_in_its_document() -> None:
    text = PAGE.read_text("utf-8")
    namespace: dict[str, object] = {"__name__": "doc_documents"}
    for block in CODE.findall(text):
        exec(compile(block, "documents.md", "exec"), namespace)  # noqa: S102 - our own page
    excerpts = EXCERPT.findall(text)
    assert len(excerpts) >= 10
    names = {name for name, _ in excerpts}
    assert {"notice_fr", "notice_en", "access_fr", "access_en", "refusal_fr"} <= names
    for name, body in excerpts:
        document = namespace[name]
        assert isinstance(document, str), name
        lines = set(document.splitlines())
        for line in body.splitlines():
            assert line in lines, f"{name}: {line!r} is no longer in the document"
