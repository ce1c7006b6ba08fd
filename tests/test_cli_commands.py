"""The gdprcrm command over the SQLite default: every command, JSON output, exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from gdprcrm.cli import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_FAILURE, EXIT_OK, main


class Cli:
    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.capsys = capsys

    def __call__(self, *args: str, code: int = EXIT_OK) -> str:
        got = main(["--dir", str(self.folder), *args])
        captured = self.capsys.readouterr()
        assert got == code, captured.out + captured.err
        assert "Traceback" not in captured.err
        return captured.out

    def json(self, *args: str, code: int = EXIT_OK) -> Any:
        return json.loads(self("--json", *args, code=code))

    def err(self, *args: str, code: int = EXIT_BAD_INPUT) -> str:
        got = main(["--dir", str(self.folder), *args])
        captured = self.capsys.readouterr()
        assert got == code
        assert "Traceback" not in captured.err
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1, captured.err  # one clear line
        return lines[0]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(tmp_path, capsys)
    run("init", "--example")
    return run


def test_init_refuses_to_run_twice_and_needs_declarations(tmp_path: Path, cli: Cli) -> None:
    assert "already initialised" in cli.err("init", "--example")
    empty = Cli(tmp_path / "other", cli.capsys)
    (tmp_path / "other").mkdir()
    assert "gdprcrm.toml is missing" in empty.err("init")


def test_a_whole_life_cycle(cli: Cli, tmp_path: Path) -> None:
    sid = str(
        cli.json(
            "subject",
            "add",
            "--purpose",
            "customer-relationship",
            "--purpose",
            "invoicing",
            "--purpose",
            "newsletter",
            "--field",
            "email=lea@example.fr",
            "--field",
            "name=Léa",
            "--field",
            "invoices=F-1",
            "--birth-date",
            "1990-01-01",
        )["subject"]
    )
    assert cli.json("subject", "find", "--email", "LEA@example.fr")["subjects"] == [sid]
    cli("decide", sid, "newsletter", code=EXIT_CHECK_FAILED)
    cli("consent", "give", sid, "newsletter", "--channel", "web-form")
    assert cli.json("decide", sid, "newsletter")["allowed"] is True
    cli("consent", "withdraw", sid, "newsletter", "--channel", "link")
    assert cli.json("decide", sid, "newsletter", code=EXIT_CHECK_FAILED)["reasons"] == [
        "consent-withdrawn"
    ]
    request = cli.json("request", "receive", sid, "access")
    assert "due" in request
    listed = cli.json("request", "list")["requests"]
    assert [r["request"] for r in listed] == [request["request"]]
    cli("access", sid, "--out", str(tmp_path / "access.json"))
    assert json.loads((tmp_path / "access.json").read_text())["data"]["email"] == "lea@example.fr"
    export = json.loads(cli("export", sid))
    assert {row["field"] for row in export["data"]} == {"email", "name"}
    assert cli.json("rectify", sid, "--field", "email=lea.new@example.fr")["notify"]
    cli("restrict", sid, "--ground", "accuracy-contested")
    cli("object", sid, "--direct-marketing")
    dry = cli.json("erase", sid, "--dry-run")
    assert dry["dry_run"] is True
    held = cli.json("erase", sid, code=EXIT_CHECK_FAILED)  # invoices held 10 years
    assert {h["field"] for h in held["held"]} == {"name", "invoices"}
    pending = cli.json("notify", "list")["notifications"]  # Art. 19
    assert {n["event"] for n in pending} == {"rectification", "restriction", "erasure"}
    assert {n["subject"] for n in pending} == {sid}
    first, *rest = [n["notification"] for n in pending]
    assert "not an id" in cli.err("notify", "sent", first, "bogus")  # nothing reported
    unknown = "7c5b1f0e-1111-4222-8333-944444444444"
    assert "no notification" in cli.err("notify", "sent", first, unknown)
    assert len(cli.json("notify", "list")["notifications"]) == len(pending)
    cli("notify", "sent", first, *rest)
    assert cli("notify", "list").strip() == "no notification pending"
    assert cli.json("audit", "verify")["ok"] is True
    assert "Politique de confidentialité" in cli("notice")
    assert "<html" in cli("notice", "--lang", "en", "--format", "html")
    assert "Registre des activités" in cli("register")
    register_csv = cli("register", "--format", "csv")
    assert register_csv.startswith("Registre des activités de traitement")
    assert "\nactivité," in register_csv  # the table after the controller block
    breach = cli.json(
        "breach",
        "add",
        "--nature",
        "lost laptop",
        "--aware-at",
        "2026-01-05T09:00:00+00:00",
        "--subjects",
        "3",
    )
    assert "notify_by" in breach
    assert len(cli.json("breach", "list")["breaches"]) == 1
    # Left to rewrap: the subject's key and the scopes of its two held value groups
    # (name, invoices); the scopes of the erased e-mail and birth date were destroyed.
    assert cli.json("key", "rotate", "--new-kek", str(tmp_path / "new.kek"))["rewrapped"] == 3
    assert cli.json("audit", "verify")["ok"] is True  # the folder opens with the new KEK
    assert not (tmp_path / "new.kek").exists()


def test_bad_input_is_one_line_and_changes_nothing(cli: Cli) -> None:
    line = cli.err("subject", "add", "--purpose", "telemarketing", "--field", "email=a@b.fr")
    assert "telemarketing" in line
    line = cli.err("subject", "add", "--purpose", "newsletter", "--field", "invoices=F-1")
    assert "5(1)(c)" in line
    assert "not a UUID" in cli.err("decide", "nobody", "newsletter")
    assert "no subject" in cli.err("decide", "7c5b1f0e-1111-4222-8333-944444444444", "newsletter")
    assert cli.err("subject", "add", "--purpose", "newsletter", "--field", "oops")
    assert cli.json("subject", "find", "--email", "a@b.fr")["subjects"] == []
    assert "no notification" in cli.err("notify", "sent", "7c5b1f0e-1111-4222-8333-944444444444")
    assert cli.json("audit", "verify")["checked"] == 1  # the notice's publication only


def test_commands_before_init_say_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare = Cli(tmp_path, capsys)
    assert "gdprcrm init" in bare.err("audit", "verify", code=EXIT_FAILURE)  # a missing file


def test_the_dispatch_table_and_the_parser_name_the_same_commands() -> None:
    import argparse

    from gdprcrm.cli.handlers import COMMANDS
    from gdprcrm.cli.parser import build_parser

    def leaves(parser: argparse.ArgumentParser) -> set[tuple[str, str | None]]:
        found: set[tuple[str, str | None]] = set()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    subs = [a for a in child._actions if isinstance(a, argparse._SubParsersAction)]
                    if subs:
                        found |= {(name, action_name) for action_name in subs[0].choices}
                    else:
                        found.add((name, None))
        return found

    assert leaves(build_parser()) == set(COMMANDS)


def test_every_option_has_help_text() -> None:
    import argparse

    from gdprcrm.cli.parser import build_parser

    def walk(parser: argparse.ArgumentParser, path: str) -> list[str]:
        missing = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    missing += walk(child, f"{path} {name}")
            elif not action.help and not isinstance(action, argparse._HelpAction):
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
        return missing

    assert walk(build_parser(), "gdprcrm") == []


def test_json_is_honoured_by_notice_register_and_demo(cli: Cli, tmp_path: Path) -> None:
    assert cli.json("notice", "--lang", "en")["language"] == "en"
    assert cli.json("register")["type"] == "gdprcrm.article-30-register"
    demo = cli.json("demo", "--out", str(tmp_path / "demo"))
    assert demo["ok"] is True
    assert any("Atelier Lumière" in line for line in demo["narrative"])


def test_a_usage_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["decide"])
    assert info.value.code == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "required" in err[0]


def test_erase_resume_completes_what_is_due(cli: Cli) -> None:
    sid = cli.json("subject", "add", "--purpose", "newsletter", "--field", "email=a@b.fr")
    assert cli.json("erase", sid["subject"])["completed"] is True
    assert cli.json("erase", "--resume") == {"completed": [], "still_held": []}
    assert "--resume" in cli.err("erase")


def test_audit_certificate_restates_an_erasure_and_refuses_a_live_subject(cli: Cli) -> None:
    erased = cli.json("subject", "add", "--purpose", "newsletter", "--field", "email=a@b.fr")
    first = cli.json("erase", erased["subject"])["certificate"]
    again = cli.json("audit", "certificate", erased["subject"])
    certificate = again["certificate"]
    assert certificate["subject_id"] == erased["subject"]
    assert certificate["already_shredded"] is True
    assert certificate["shredded_at"] == first["certificate"]["shredded_at"]
    assert certificate["destroyed_keys"] == first["certificate"]["destroyed_keys"]
    assert certificate["certificate_id"] != first["certificate"]["certificate_id"]
    live = cli.json("subject", "add", "--purpose", "newsletter", "--field", "email=c@d.fr")
    assert "no shred" in cli.err("audit", "certificate", live["subject"], code=EXIT_BAD_INPUT)
    # Both are kept: the trail's ids give them back, signed as they were.
    kept = cli.json("audit", "certificate", "--id", first["certificate"]["certificate_id"])
    assert kept == first
    assert cli.json("audit", "certificate", "--id", certificate["certificate_id"]) == again
    assert "no certificate" in cli.err(
        "audit", "certificate", "--id", "00000000-0000-4000-8000-000000000000"
    )
    assert "--id" in cli.err("audit", "certificate")
    assert cli.json("audit", "verify")["ok"] is True


def test_audit_certificates_checks_every_certificate_the_trail_names(
    cli: Cli, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    erased = cli.json("subject", "add", "--purpose", "newsletter", "--field", "email=a@b.fr")
    kept = cli.json("erase", erased["subject"])["certificate"]["certificate"]
    found = cli.json("audit", "certificates")
    assert found == {"ok": True, "checked": 1, "missing": [], "invalid": [], "unverifiable": []}
    assert "every one kept and verified" in cli("audit", "certificates")
    # A former signer's key is read from its PEM file, under its signer id.
    pem = tmp_path / "old.pub.pem"
    pem.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert cli.json("audit", "certificates", "--public-key", f"dpo-2025={pem}")["ok"] is True
    assert "SIGNER_ID=PEM_FILE" in cli.err("audit", "certificates", "--public-key", str(pem))
    assert "dpo-2025" in cli.err(
        "audit", "certificates", "--public-key", f"dpo-2025={tmp_path / 'none.pem'}"
    )
    # Someone who writes the database deletes the certificate: the check fails.
    with sqlite3.connect(tmp_path / "crm.db") as db:
        db.execute("DELETE FROM gdprcrm_certificates")
    found = cli.json("audit", "certificates", code=EXIT_CHECK_FAILED)
    assert found["missing"] == [kept["certificate_id"]]
    assert "1 missing" in cli("audit", "certificates", code=EXIT_CHECK_FAILED)


def test_suppressions_purge_keeps_three_years_at_least(cli: Cli) -> None:
    # Art. 21(3), CNIL: an objection to direct marketing is remembered three years.
    sid = cli.json("subject", "add", "--purpose", "newsletter", "--field", "email=lea@example.fr")[
        "subject"
    ]
    cli("object", sid, "--direct-marketing")
    assert "3 years" in cli.err("suppressions", "purge", "--keep-years", "2")
    assert cli.json("suppressions", "purge")["removed"] == 0
    later = "2099-01-01T00:00:00+00:00"
    assert cli("suppressions", "purge", "--at", later).strip() == "1 suppression entry purged"
    assert cli.json("sweep")["suppressions_purged"] == 0  # none declared: the sweep keeps


def test_records_from_the_command_line(cli: Cli) -> None:
    sid = cli.json(
        "subject",
        "add",
        "--purpose",
        "customer-relationship",
        "--purpose",
        "invoicing",
        "--field",
        "email=lea@example.fr",
    )["subject"]
    invoice = cli.json(
        "record", "add", sid, "invoice", "--field", "number=F-1", "--field", "amount=120.00"
    )["record"]
    order = cli.json(
        "record",
        "add",
        sid,
        "order",
        "--field",
        "reference=C-9",
        "--dated",
        "2025-12-01T10:00:00+01:00",
    )["record"]
    listed = cli.json("record", "list", sid)["records"]
    assert [r["record"] for r in listed] == [order, invoice]  # oldest first
    assert listed[1]["held"] is True
    assert listed[1]["values"] == {"number": "F-1", "amount": "120.00"}
    assert "held by law" in cli("record", "list", sid, "--kind", "invoice")
    cli("record", "update", invoice, "--field", "amount=99.00")
    assert (
        cli.json("record", "list", sid, "--kind", "invoice")["records"][0]["values"]["amount"]
        == "99.00"
    )
    refused = cli.json("record", "delete", invoice, code=EXIT_CHECK_FAILED)
    assert refused["deleted"] is False
    assert "L123-22" in refused["held"]
    assert cli.json("record", "delete", order)["deleted"] is True
    assert "field 'iban'" in cli.err("record", "add", sid, "invoice", "--field", "iban=FR76")
    assert "not a record id" in cli.err("record", "delete", "bogus")
    assert "unknown record kind" in cli.err("record", "add", sid, "ticket", "--field", "a=b")


def test_consents_at_collection_and_refusals_from_the_command_line(cli: Cli) -> None:
    sid = cli.json(
        "subject",
        "add",
        "--purpose",
        "newsletter",
        "--field",
        "email=zoe@example.fr",
        "--birth-date",
        "1990-01-01",
        "--consent",
        "newsletter",
    )["subject"]
    assert cli.json("decide", sid, "newsletter")["allowed"] is True  # in the same act
    other = cli.json(
        "subject", "add", "--purpose", "newsletter", "--field", "email=yann@example.fr"
    )["subject"]
    refused = cli.json("consent", "refuse", other, "newsletter", "--channel", "phone")
    assert "refusal" in refused
    assert "code" in cli.err(
        "subject",
        "add",
        "--purpose",
        "newsletter",
        "--field",
        "email=x@example.fr",
        "--consent",
        "newsletter",
        "--consent-channel",
        "Le formulaire",
    )


def test_interactions_from_the_command_line(cli: Cli) -> None:
    sid = cli.json(
        "subject", "add", "--purpose", "customer-relationship", "--field", "email=i@example.fr"
    )["subject"]
    first = cli.json(
        "interaction",
        "add",
        sid,
        "customer-relationship",
        "--direction",
        "inbound",
        "--channel",
        "phone",
        "--content",
        "asked about delivery",
    )["interaction"]
    (row,) = cli.json("interaction", "list", sid)["interactions"]
    assert row["interaction"] == first
    assert row["content"] == "asked about delivery"
    assert "inbound" in cli("interaction", "list", sid)
    assert "code" in cli.err(
        "interaction",
        "add",
        sid,
        "customer-relationship",
        "--direction",
        "inbound",
        "--channel",
        "Le téléphone de Léa",
    )


def test_init_repair_recreates_only_what_is_safe(tmp_path: Path, cli: Cli) -> None:
    # Issue 12: a missing file is named with what to do about it; --repair recreates
    # a lost signer, never a KEK or an audit key that existing data depends on.
    sid = cli.json(
        "subject", "add", "--purpose", "customer-relationship", "--field", "email=a@b.fr"
    )["subject"]
    (tmp_path / "crm.signer.pem").unlink()
    assert "init --repair" in cli.err("decide", sid, "customer-relationship", code=3)
    repaired = cli.json("init", "--repair")
    assert repaired["created"] == ["crm.signer.pem"]
    # The checkpoints signed by the lost key cannot be continued: kept aside, as evidence.
    (aside,) = repaired["moved_aside"]
    assert aside.startswith("crm.db.checkpoints.")
    assert (tmp_path / aside).exists()
    assert cli.json("decide", sid, "customer-relationship")["allowed"] is True
    kek = tmp_path / "crm.kek"
    saved = kek.read_bytes()
    kek.unlink()
    assert "restore it from its backup" in cli.err("decide", sid, "customer-relationship", code=3)
    assert "restore it from its backup" in cli.err("init", "--repair")
    assert not kek.exists()  # never invented
    kek.write_bytes(saved)
    kek.chmod(0o600)
    assert cli.json("init", "--repair")["created"] == []


def test_lookups_reindex_prints_its_counts(cli: Cli) -> None:
    cli.json("subject", "add", "--purpose", "newsletter", "--field", "email=lea@example.fr")
    assert cli.json("lookups", "reindex") == {
        "subjects": 1,
        "entries": 1,
        "suppressions": 0,
        "unreadable": 0,
    }


def test_audit_checkpoints_and_a_cut_trail_from_the_command_line(tmp_path: Path, cli: Cli) -> None:
    # Issue 13, item 2: checkpoints filed beside the key store and copied elsewhere; a
    # trail cut after a checkpoint is reported by name and extended by nothing.
    for email in ("a@example.fr", "b@example.fr"):
        cli.json("subject", "add", "--purpose", "newsletter", "--field", f"email={email}")
    copy = tmp_path / "elsewhere" / "checkpoints.jsonl"
    copy.parent.mkdir()
    taken = cli.json("audit", "checkpoint", "--out", str(copy))
    assert taken["sequence"] >= 1
    assert (tmp_path / "crm.db.checkpoints").exists()
    assert cli.json("audit", "verify", "--checkpoint", str(copy))["ok"] is True
    with sqlite3.connect(tmp_path / "crm.db") as db:
        db.execute("DELETE FROM gdprcrm_audit WHERE sequence = ?", (taken["sequence"],))
        db.execute("UPDATE gdprcrm_audit_head SET sequence = ?", (taken["sequence"] - 1,))
    verdict = cli.json("audit", "verify", "--checkpoint", str(copy), code=EXIT_CHECK_FAILED)
    assert verdict["reason"] == "truncated"
    assert cli.json("breach", "list")["breaches"] == []  # reading is still possible
    refused = cli.err(
        "subject", "add", "--purpose", "newsletter", "--field", "email=c@example.fr",
        code=EXIT_FAILURE,
    )  # fmt: skip
    assert "AuditTampered" in refused
    assert "truncation" in refused
    missing = str(tmp_path / "none.jsonl")
    assert "no checkpoint there" in cli.err("audit", "verify", "--checkpoint", missing)


def test_audit_restored_records_a_restore_of_the_data_store(tmp_path: Path, cli: Cli) -> None:
    sid = cli.json("subject", "add", "--purpose", "newsletter", "--field", "email=a@example.fr")[
        "subject"
    ]
    with (
        sqlite3.connect(tmp_path / "crm.db") as src,
        sqlite3.connect(tmp_path / "backup.db") as dst,
    ):
        src.backup(dst)  # last night's backup
    cli("erase", sid)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp_path / 'crm.db'}{suffix}").unlink(missing_ok=True)
    (tmp_path / "crm.db").write_bytes((tmp_path / "backup.db").read_bytes())
    assert "audit restored" in cli.err("breach", "list", code=EXIT_FAILURE)
    done = cli.json("audit", "restored")
    assert done["acknowledged"] is True
    found = cli.json("subject", "find", "--email", "a@example.fr")
    assert found["subjects"] == []  # erased again by the reconciliation
    assert cli.json("audit", "verify")["ok"] is True
    assert cli.json("audit", "restored")["acknowledged"] is False  # nothing more lost


def test_no_output_names_the_internal_birth_date_field(cli: Cli) -> None:
    # Issue 13, item 9: the stored birth date is "birth_date" to people, everywhere.
    sid = cli.json(
        "subject", "add", "--purpose", "newsletter", "--purpose", "invoicing",
        "--field", "email=a@b.fr", "--field", "name=Lea", "--birth-date", "1990-01-01",
    )["subject"]  # fmt: skip
    outputs = [cli("access", sid), cli("erase", sid, "--dry-run")]
    done = cli.json("erase", sid, code=EXIT_CHECK_FAILED)  # the name is held (1)
    assert "birth_date" in done["erased"]
    outputs.append(json.dumps(done))
    for text in outputs:
        assert "gdprcrm_birth_date" not in text
