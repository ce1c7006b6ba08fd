"""The notice's update date (Art. 12(1), 13) and, for a controller established in France,
the right to set post-mortem directives (Loi Informatique et Libertés art. 85)."""

from __future__ import annotations

import json

import attrs
import pytest

from gdprcrm.documents import build_notice
from gdprcrm.examples import lumiere


@pytest.mark.parametrize(
    ("lang", "updated", "directives"),
    [
        ("fr", "Mise à jour le 01/09/2025.", "directives relatives à la conservation"),
        ("en", "Last updated 01 September 2025.", "directives on the retention"),
    ],
)
def test_the_notice_says_when_it_was_updated_and_offers_post_mortem_directives(
    lang: str, updated: str, directives: str
) -> None:
    notice = build_notice(lumiere.declarations(), lang)
    assert updated in notice.to_markdown()
    assert updated in notice.to_html()
    assert json.loads(notice.to_json())["updated_on"] == "2025-09-01"
    assert directives in notice.to_markdown()
    assert "78-17" in notice.to_markdown()


def test_post_mortem_directives_are_a_french_right() -> None:
    decl = lumiere.declarations()
    belgian = attrs.evolve(decl, controller=attrs.evolve(decl.controller, establishment="BE"))
    for lang in ("fr", "en"):
        assert "78-17" not in build_notice(belgian, lang).to_markdown()
