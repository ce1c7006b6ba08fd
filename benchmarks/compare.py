"""Compare two runs written by ``python -m benchmarks.run --json FILE``.

python -m benchmarks.compare benchmarks/runs/2026-12-02-midnight.json run.json

One row per figure present in either run (matched by target and name): the ratio in
each, the change, the bar and the new verdict. Ratios, not times: runs on different days
or machines compare only through them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["compare", "main"]


def _figures(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    if document.get("type") != "gdprcrm.benchmark-run":
        raise ValueError("not a gdprcrm benchmark run (python -m benchmarks.run --json)")
    return {(f["target"], f["name"]): f for f in document["figures"]}


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The comparison as lines of text (header first)."""
    before, after = _figures(old), _figures(new)
    lines = [f"{'#':4s} {'benchmark':52s} {'before':>7s} {'after':>7s} {'change':>7s} {'bar':>6s}"]
    for key in [*before, *(k for k in after if k not in before)]:
        target, name = key
        was, now = before.get(key), after.get(key)
        old_ratio = f"{was['ratio']:.2f}" if was else "-"
        new_ratio = f"{now['ratio']:.2f}" if now else "-"
        change = f"{now['ratio'] / was['ratio'] - 1:+.0%}" if was and now else ""
        bar = (now or was or {}).get("bar")
        verdict = now["verdict"] if now else "gone"
        bar_text = f"{bar:.2f}" if bar is not None else "-"
        lines.append(
            f"{target:4s} {name[:52]:52s} {old_ratio:>7s} {new_ratio:>7s} {change:>7s} "
            f"{bar_text:>6s}  {verdict}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare")
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    old = json.loads(args.before.read_text(encoding="utf-8"))
    new = json.loads(args.after.read_text(encoding="utf-8"))
    print("\n".join(compare(old, new)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
