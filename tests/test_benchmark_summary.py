"""The benchmark run's JSON summary (issue 15, item 4): one row per figure with its
verdict, so that runs can be compared; no timing is asserted (benchmarks are not tests)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from benchmarks.harness import Result
from benchmarks.run import summary


def test_the_summary_has_one_row_per_figure_with_its_verdict() -> None:
    results = [
        Result("P7", "audit append", 11.7, 4.3, 2.72, 1.30),
        Result("P8", "audit verify", 750.0, 760.0, 0.99, 1.20),
        Result("P0", "info only", 1.0, 1.0, 1.0, None),
    ]
    document = json.loads(json.dumps(summary(results, quick=True)))
    assert document["type"] == "gdprcrm.benchmark-run"
    assert [f["verdict"] for f in document["figures"]] == ["OVER", "ok", "info"]
    assert document["over"] == 1
    assert document["figures"][0] == {
        "target": "P7",
        "name": "audit append",
        "ours_us": 11.7,
        "raw_us": 4.3,
        "ratio": 2.72,
        "bar": 1.3,
        "verdict": "OVER",
    }


def test_the_p10_floor_writes_the_document_the_converter_writes() -> None:
    # The P10 benchmark compares the converter with a hand-written document of the same
    # record; a field added to ConsentGiven must be added there too, or the benchmark
    # stops at its own consistency check (it did when consents gained a channel scope).
    import attrs
    from benchmarks.model import _by_hand, _from_hand, _record

    from gdprcrm.model import Channel, ConsentGiven
    from gdprcrm.serialization import structure, unstructure

    for record in (_record(), attrs.evolve(_record(), contact_channel=Channel.SMS)):
        document = unstructure(record)
        assert document == _by_hand(record)
        assert structure(document, ConsentGiven) == _from_hand(document) == record


def test_two_runs_compare_figure_by_figure() -> None:
    import pytest
    from benchmarks.compare import compare

    before = summary(
        [
            Result("P7", "audit append", 11.7, 4.3, 2.72, 1.30),
            Result("P9", "gone since", 1.0, 1.0, 1.0, 2.0),
        ],
        quick=False,
    )
    after = summary(
        [
            Result("P7", "audit append", 6.0, 5.0, 1.2, 1.30),
            Result("P16", "new figure", 2.0, 1.0, 2.0, 1.2),
        ],
        quick=False,
    )
    lines = compare(before, after)
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["P7"][-5:] == ["2.72", "1.20", "-56%", "1.30", "ok"]
    assert rows["P9"][-4:] == ["1.00", "-", "2.00", "gone"]
    assert rows["P16"][-4:] == ["-", "2.00", "1.20", "OVER"]
    with pytest.raises(ValueError, match="not a gdprcrm benchmark run"):
        compare({"figures": []}, after)


def test_the_sweep_floors_do_the_work_they_stand_for(tmp_path: Path) -> None:
    # P15's floors are raw SQL: a schema change could leave them erasing less than the
    # sweep does and flatter the ratio. Both run over a real controller's files here.
    import sqlite3

    from benchmarks.sweep import AUDIT_KEY, _populate
    from benchmarks.sweep_floors import accountable_floor, raw_floor

    from gdprcrm.signing import CertificateSigner

    for name in ("raw", "accountable"):
        folder = tmp_path / name
        folder.mkdir()
        crm, ids = _populate(folder, 12)
        recipients = crm.declarations.recipients_of(["newsletter"])
        db = sqlite3.connect(folder / "crm.db")
        (trail_before,) = db.execute("SELECT COUNT(*) FROM gdprcrm_audit").fetchone()
        db.close()
        crm.close()
        signer = CertificateSigner.generate("test")
        if name == "raw":
            raw_floor(folder, ids, signer)
        else:
            accountable_floor(folder, ids, signer, AUDIT_KEY, recipients)
        db = sqlite3.connect(folder / "crm.db")
        keys = sqlite3.connect(folder / "crm.db.keys.db")
        counts = {
            table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("gdprcrm_fields", "gdprcrm_index", "gdprcrm_retention")
        }
        assert counts == dict.fromkeys(counts, 0)
        assert db.execute("SELECT DISTINCT status FROM gdprcrm_subjects").fetchall() == [
            ("erased",)
        ]
        assert db.execute("SELECT COUNT(*) FROM gdprcrm_tombstones").fetchone() == (12,)
        # Each subject's own key (every scope key derives from it) gone, a tombstone kept.
        subjects = [u.bytes for u in ids]
        marks = ",".join("?" * len(subjects))
        assert keys.execute(
            f"SELECT COUNT(*) FROM vault_keys WHERE subject IN ({marks})",  # noqa: S608
            subjects,
        ).fetchone() == (0,)
        assert keys.execute("SELECT COUNT(*) FROM vault_tombstones").fetchone() == (12,)
        if name == "accountable":
            trail = [
                json.loads(d)
                for (d,) in db.execute("SELECT doc FROM gdprcrm_audit ORDER BY sequence")
            ]
            new = trail[trail_before:]
            assert [e["action"] for e in new] == ["retention.erased", "subject.erased"] * 12
            assert all(b["previous_hash"] == a["hash"] for a, b in itertools.pairwise(trail))
            (head,) = db.execute("SELECT sequence FROM gdprcrm_audit_head").fetchone()
            assert head == trail[-1]["sequence"]
            assert db.execute("SELECT COUNT(*) FROM gdprcrm_notifications").fetchone() == (
                12 * len(recipients),
            )
            assert all(
                json.loads(d)["purposes"] == []
                for (d,) in db.execute("SELECT doc FROM gdprcrm_subjects")
            )
        db.close()
        keys.close()
