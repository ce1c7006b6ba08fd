"""The gdprcrm command for direct marketing: decide/consent/object --via, link tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdprcrm.cli import EXIT_BAD_INPUT, EXIT_CHECK_FAILED
from tests.test_cli_commands import Cli

SATURDAY_11 = "2026-09-19T11:00:00+02:00"
TUESDAY_11 = "2026-09-15T11:00:00+02:00"


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(tmp_path, capsys)
    run("init", "--example")
    return run


def _customer(cli: Cli) -> str:
    added = cli.json(
        "subject",
        "add",
        "--purpose",
        "customer-relationship",
        "--purpose",
        "customer-offers",
        "--field",
        "email=lea.martin@example.fr",
        "--field",
        "phone=06 12 34 56 78",
        "--field",
        "name=Léa Martin",
    )
    return str(added["subject"])


def _subscriber(cli: Cli) -> str:
    """A newsletter subscriber awaiting consent (an adult: the age is known)."""
    added = cli.json(
        "subject",
        "add",
        "--purpose",
        "newsletter",
        "--field",
        "email=noe.petit@example.fr",
        "--birth-date",
        "1990-04-02",
    )
    return str(added["subject"])


def test_decide_via_a_channel_names_the_rule_and_its_source(cli: Cli) -> None:
    sid = _customer(cli)
    email = cli.json("decide", sid, "customer-offers", "--via", "email", "--point", "email")
    assert email["reasons"] == ["basis-legitimate-interests", "existing-customer"]
    assert email["sources"] == ["CPCE L34-5"]
    out = cli(
        "decide",
        sid,
        "customer-offers",
        "--via",
        "phone-call",
        "--at",
        SATURDAY_11,
        code=EXIT_CHECK_FAILED,
    )
    assert out.startswith("REFUSED: outside-calling-hours")
    assert "décret n° 2022-1313" in out
    assert cli.json("decide", sid, "customer-offers", "--via", "phone-call", "--at", TUESDAY_11)[
        "allowed"
    ]
    # Without --via: the purpose as a whole, as before.
    assert cli.json("decide", sid, "customer-offers")["sources"] == []
    assert "--point and --opposition-listed need --via" in cli.err(
        "decide", sid, "customer-offers", "--point", "email"
    )
    with pytest.raises(SystemExit) as usage:
        cli("decide", sid, "customer-offers", "--via", "pigeon")
    assert usage.value.code == EXIT_BAD_INPUT


def test_an_unsubscribe_link_via_sms_stops_sms_only(cli: Cli) -> None:
    sid = _customer(cli)
    link = cli.json(
        "link", "unsubscribe-token", sid, "customer-offers", "--channel", "sms", "--via", "sms"
    )["token"]
    assert cli("link", "unsubscribe", link).strip() == "objected"
    refused = cli.json("decide", sid, "customer-offers", "--via", "sms", code=EXIT_CHECK_FAILED)
    assert refused["reasons"] == ["channel-objection"]
    assert cli.json("decide", sid, "customer-offers", "--via", "email")["allowed"]


def test_object_via_sms_stops_sms_only(cli: Cli) -> None:
    sid = _customer(cli)
    cli("object", sid, "--direct-marketing", "--via", "sms")
    refused = cli.json("decide", sid, "customer-offers", "--via", "sms", code=EXIT_CHECK_FAILED)
    assert refused["reasons"] == ["channel-objection"]
    assert cli.json("decide", sid, "customer-offers", "--via", "email")["allowed"]


def test_links_confirm_and_unsubscribe(cli: Cli) -> None:
    sid = _subscriber(cli)
    token = cli.json("link", "confirmation", sid, "newsletter", "--channel", "e-mail")["token"]
    assert "noe" not in token
    confirmed = cli.json("link", "confirm", token)
    assert confirmed["purpose"] == "newsletter"
    assert "already used" in cli.err("link", "confirm", token)
    assert cli.json("decide", sid, "newsletter", "--via", "email")["allowed"]
    leave = cli.json("link", "unsubscribe-token", sid, "newsletter", "--channel", "e-mail")
    assert cli("link", "unsubscribe", leave["token"]).strip() == "withdrawn"
    assert cli("link", "unsubscribe", leave["token"]).strip() == "unchanged"
    assert "altered" in cli.err("link", "unsubscribe", leave["token"][:-2] + "AA")
    assert not cli.json("decide", sid, "newsletter", code=EXIT_CHECK_FAILED)["allowed"]


def test_consent_give_and_withdraw_via_a_channel(cli: Cli) -> None:
    sid = _subscriber(cli)
    cli(
        "consent",
        "give",
        sid,
        "newsletter",
        "--channel",
        "web-form",
        "--via",
        "email",
        "--point",
        "email",
    )
    assert cli.json("decide", sid, "newsletter", "--via", "email", "--point", "email")["allowed"]
    assert "does not reach people by sms" in cli.err(
        "consent", "give", sid, "newsletter", "--channel", "web-form", "--via", "sms"
    )
    withdrawn = cli.json(
        "consent", "withdraw", sid, "newsletter", "--channel", "web-form", "--via", "email"
    )
    assert len(withdrawn["withdrawn"]) == 1
    assert cli.json("decide", sid, "newsletter", code=EXIT_CHECK_FAILED)["outcome"] == "refused"
    assert EXIT_BAD_INPUT == 2


def test_leads_queue_informed_exempt_and_overdue(cli: Cli) -> None:
    lead = str(
        cli.json(
            "subject",
            "add",
            "--purpose",
            "prospecting",
            "--field",
            "email=hugo@boutique.example",
            "--source",
            "salon Maison & Objet",
            "--source-kind",
            "purchased-list",
        )["subject"]
    )
    other = str(
        cli.json(
            "subject",
            "add",
            "--purpose",
            "prospecting",
            "--field",
            "email=zoe@atelier.example",
            "--source",
            "annuaire professionnel",
            "--source-kind",
            "public-source",
        )["subject"]
    )
    (first, second) = cli.json("lead", "list")["duties"]
    assert {first["subject"], second["subject"]} == {lead, other}
    late = "2027-06-01T09:00:00+02:00"
    overdue = cli.json("lead", "list", "--overdue", "--at", late, code=EXIT_CHECK_FAILED)
    assert len(overdue["duties"]) == 2
    cli("lead", "informed", lead, "--channel", "e-mail")
    cli("lead", "exempt", other, "--ground", "14(5)(b)", "--reference", "dpo-2026-014")
    assert cli.json("lead", "list")["duties"] == []
    assert cli.json("lead", "list", "--overdue", "--at", late)["duties"] == []
    assert "already informed" in cli.err("lead", "informed", lead, "--channel", "post")
    disclosed = cli.json("lead", "disclosed", lead, "--recipient", "emailing-provider")
    assert disclosed["duty"]["status"] == "informed"
