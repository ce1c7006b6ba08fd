"""Run every benchmark and print ratios beside the targets of PERFORMANCE.md.

python -m benchmarks.run            # full run (a few minutes)
python -m benchmarks.run --quick    # smaller sizes, for a smoke check
python -m benchmarks.run --json run.json audit   # also write the results as JSON
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import cryptography

from benchmarks import audit, controller, model, peers, policy, scopes, storage, sweep, vault
from benchmarks.harness import Result

SUITES = {
    "vault": vault.run,
    "peers": peers.run,
    "storage": storage.run,
    "audit": audit.run,
    "policy": policy.run,
    "model": model.run,
    "controller": controller.run,
    "sweep": sweep.run,
    "scopes": scopes.run,
}


def _table(results: Iterator[Result]) -> list[Result]:
    done = []
    header = (
        f"{'#':4s} {'benchmark':44s} {'ours µs':>10s} {'raw µs':>10s} "
        f"{'ratio':>7s} {'bar':>6s}  verdict"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        bar = f"{r.bar:.2f}" if r.bar is not None else "-"
        print(
            f"{r.target:4s} {r.name:44s} {r.ours_us:10.2f} {r.raw_us:10.2f} "
            f"{r.ratio:7.2f} {bar:>6s}  {r.verdict}",
            flush=True,
        )
        done.append(r)
    return done


def summary(results: Sequence[Result], *, quick: bool) -> dict[str, object]:
    """The run as one JSON document, to compare runs: the machine, then one row per
    figure (target, name, µs ours and raw, ratio, bar, verdict)."""
    return {
        "type": "gdprcrm.benchmark-run",
        "at": datetime.now(UTC).isoformat(),
        "quick": quick,
        "python": platform.python_version(),
        "cryptography": cryptography.__version__,
        "sqlite": __import__("sqlite3").sqlite_version,
        "machine": platform.machine(),
        "figures": [
            {
                "target": r.target,
                "name": r.name,
                "ours_us": round(r.ours_us, 3),
                "raw_us": round(r.raw_us, 3),
                "ratio": round(r.ratio, 3),
                "bar": r.bar,
                "verdict": r.verdict,
            }
            for r in results
        ],
        "over": sum(r.verdict == "OVER" for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the run as JSON")
    parser.add_argument("suites", nargs="*", metavar="SUITE", help=f"any of {sorted(SUITES)}")
    args = parser.parse_args(argv)
    unknown = set(args.suites) - set(SUITES)
    if unknown:
        parser.error(f"unknown suites {sorted(unknown)}; choose from {sorted(SUITES)}")
    args.suites = args.suites or list(SUITES)
    print(
        f"Python {platform.python_version()}, cryptography {cryptography.__version__}, "
        f"SQLite {__import__('sqlite3').sqlite_version}, {platform.machine()}"
    )
    print("ratio = median over interleaved rounds of (ours / raw), same process\n")
    results: list[Result] = []
    for name in args.suites:
        results += _table(SUITES[name](quick=args.quick))
    over = [r for r in results if r.verdict == "OVER"]
    print(f"\n{len(results)} figures, {len(over)} over their bar")
    if args.json is not None:
        document = summary(results, quick=args.quick)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
