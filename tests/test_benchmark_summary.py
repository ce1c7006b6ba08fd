"""The benchmark run's JSON summary (issue 15, item 4): one row per figure with its
verdict, so that runs can be compared; no timing is asserted (benchmarks are not tests)."""

from __future__ import annotations

import json

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
