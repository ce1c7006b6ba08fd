"""The access report as the person reads it (Art. 12(1), 15): Markdown and HTML, French
and English, every item of Art. 15 in its own section, tested item by item."""

from __future__ import annotations

import html
import json
import tomllib
from datetime import date
from pathlib import Path

import pytest

from gdprcrm.cli import main
from gdprcrm.config import parse_declarations
from gdprcrm.errors import InvalidInput
from gdprcrm.examples import lumiere
from gdprcrm.model import DataSource, Direction, InteractionKind, RequestKind, SubjectId
from gdprcrm.service import Controller
from gdprcrm.signing import CertificateSigner
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.testing import FrozenClock
from gdprcrm.vault import InMemoryKekSource, KeyVault

ITEMS = {  # Art. 15 item -> what its section heading cites
    "fr": ["15(1)", "15(3)", "15(1)(a)-(d)", "15(2)", "15(1)(e)", "15(1)(f)", "15(1)(g)",
           "15(1)(h)"],
    "en": ["15(1)", "15(3)", "15(1)(a)-(d)", "15(2)", "15(1)(e)", "15(1)(f)", "15(1)(g)",
           "15(1)(h)"],
}  # fmt: skip


def _customer(crm: Controller, clock: FrozenClock) -> SubjectId:
    sid = crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa Martin"},
        "FR",
        purposes=["newsletter", "customer-relationship", "after-sales"],
        birth_date=date(1990, 6, 1),
    )
    crm.give_consent(sid, "newsletter", channel="web-form")
    clock.advance(days=2)
    crm.add_record(sid, "order", {"reference": "C-1042", "items": "lampe Aurore"})
    crm.record_interaction(
        sid,
        kind=InteractionKind.CONTACT,
        direction=Direction.INBOUND,
        purpose_id="after-sales",
        channel="phone",
    )
    clock.advance(days=1)
    crm.withdraw_consent(sid, "newsletter", channel="unsubscribe-link")
    crm.receive_request(sid, RequestKind.ACCESS)
    return sid


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_every_article_15_item_is_in_the_readable_report(
    gdprcrm_controller: Controller, gdprcrm_clock: FrozenClock, lang: str, fmt: str
) -> None:
    crm = gdprcrm_controller
    sid = _customer(crm, gdprcrm_clock)
    raw = crm.access_report_text(sid, lang=lang, fmt=fmt)
    text = html.unescape(raw)
    for item in ITEMS[lang]:
        assert f"{item})" in text, item
    assert "lea@example.fr" in text  # 15(3): the copy of the data
    assert "1990-06-01" in text  # the stored birth date, by its meaning
    assert "gdprcrm_birth_date" not in text
    assert "C-1042" in text  # the records, with their retention
    assert ("Newsletter" if lang == "en" else "Lettre d'information") in text
    assert ("Withdrawal of consent" if lang == "en" else "Retrait du consentement") in text
    assert "2021/914" in text  # 15(2): the safeguard of the after-sales transfer
    history = text[text.index("History" if lang == "en" else "Historique") :]
    assert ("withdrawn" if lang == "en" else "retiré") in history
    assert ("given" if lang == "en" else "donné") in history
    assert "phone" in history  # the interaction
    if fmt == "html":
        assert raw.startswith("<!doctype html>")
        assert f'<html lang="{lang}">' in raw
        assert "**" not in raw


def test_an_indirect_collection_names_its_source(gdprcrm_controller: Controller) -> None:
    crm = gdprcrm_controller
    sid = crm.add_subject(
        {"email": "buyer@shop.example", "company": "Shop"},
        "FR",
        purposes=["prospecting"],
        source=DataSource("liste des visiteurs du salon"),
    )
    text = crm.access_report_text(sid, lang="fr")
    assert "liste des visiteurs du salon" in text  # 15(1)(g)
    english = crm.access_report_text(sid, lang="en")
    assert "Business prospecting among professionals" in english
    assert "legitimate interests" in english


def test_bad_language_or_format_is_refused(gdprcrm_controller: Controller) -> None:
    sid = gdprcrm_controller.add_subject({"email": "a@b.fr"}, "FR", purposes=["newsletter"])
    with pytest.raises(InvalidInput):
        gdprcrm_controller.access_report_text(sid, lang="de")
    with pytest.raises(InvalidInput):
        gdprcrm_controller.access_report_text(sid, fmt="pdf")


def test_the_cli_prints_the_readable_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*args: str) -> str:
        assert main(["--dir", str(tmp_path), *args]) == 0
        return capsys.readouterr().out

    run("init", "--example")
    sid = json.loads(
        run("--json", "subject", "add", "--purpose", "newsletter", "--field", "email=a@b.fr")
    )["subject"]
    assert "# Your personal data" in run("access", sid, "--format", "md", "--lang", "en")
    assert "<html" in run("access", sid, "--format", "html")
    assert json.loads(run("access", sid))["article"] == "15"


def test_an_automated_decision_is_explained_in_the_report(
    tmp_path: Path, gdprcrm_clock: FrozenClock
) -> None:
    # 15(1)(h): the logic involved and the significance, in the person's language.
    text = lumiere.toml_path().read_text("utf-8")
    anchor = 'id = "customer-relationship"\n'
    start = text.index(anchor)
    cut = text.index("[purposes.retention]", start)
    block = (
        "[purposes.automated_decision]\n"
        'logic = "un score calculé sur vos achats"\n'
        'significance = "une remise proposée ou non"\n'
        "significant = false\n\n"
    )
    decl = parse_declarations(tomllib.loads(text[:cut] + block + text[cut:]))
    storage = MemoryStorage()
    signer = CertificateSigner.generate("dpo")
    vault = KeyVault(storage.key_store(), InMemoryKekSource(), signer=signer)
    crm = Controller(storage, vault, decl, clock=gdprcrm_clock, audit_key=b"k" * 32)
    sid = crm.add_subject({"email": "a@b.fr"}, "FR", purposes=["customer-relationship"])
    report = crm.access_report_text(sid, lang="fr")
    section = report[report.index("15(1)(h)") :]
    assert "un score calculé sur vos achats" in section
    assert "une remise proposée ou non" in section
