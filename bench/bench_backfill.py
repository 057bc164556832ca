"""Time back-filling a quarterly series of snapshots against one ``rfmkit score`` run.

    python bench/bench_backfill.py --rows 10000000 [--snapshots 8] [--json out.json]
    python bench/bench_backfill.py --smoke          # 20k rows, for CI

In the same benchmark run, on the same generated order log (cached in
``bench/data/``), each as its own process:

* ``rfmkit score`` at the log's as-of date (the baseline);
* ``rfmkit snapshot --every quarter`` back-filling the quarterly snapshots
  that end at that date into a fresh DuckDB store, then ``rfmkit migration``
  between the last two.

Printed: wall seconds, CPU seconds and peak memory of each, the ratio of
back-fill + migration to the score run (target: at most 3x for 8 snapshots
at 10M rows), and the store's size per snapshot and per customer. Exits 1
when a run fails or the store does not hold the snapshots asked for.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import generate
import runner

SMOKE_ROWS = 20_000
MAX_RATIO = 3.0


def quarters(end: dt.date, count: int) -> tuple[dt.date, dt.date]:
    """The first and last date of ``count`` quarterly snapshots ending at ``end``."""
    months = end.year * 12 + end.month - 1 - 3 * (count - 1)
    return dt.date(months // 12, months % 12 + 1, end.day), end


def run(rows: int, snapshots: int) -> dict[str, Any]:
    source = generate.write_parquet(rows)
    first, last = quarters(generate.AS_OF, snapshots)
    with tempfile.TemporaryDirectory(dir=generate.DATA) as tmp:
        store = Path(tmp) / "store.duckdb"
        score = runner.measure(
            "score", runner.rfmkit_command(source, Path(tmp) / "s.parquet", last.isoformat())
        )
        backfill = runner.measure(
            "snapshot",
            [runner.RFMKIT, "snapshot", str(source), "--every", "quarter", "--from",
             first.isoformat(), "--to", last.isoformat(), "--store", str(store),
             "--scheme", "cn8"],
        )  # fmt: skip
        moves = runner.measure(
            "migration", [runner.RFMKIT, "migration", "--store", str(store), "-o", f"{tmp}/m.csv"]
        )
        stored = _stored(store) if backfill.ok else []
        size = store.stat().st_size if store.exists() else 0
    return {
        "rows": rows,
        "snapshots": snapshots,
        "runs": [score, backfill, moves],
        "stored": stored,
        "store_bytes": size,
    }


def _stored(store: Path) -> list[tuple[str, int]]:
    """The stored snapshots' dates and sizes, read by a fresh process (the rfmkit that wrote them)."""
    script = (
        "import json, sys; from rfmkit.store import open_store\n"
        "with open_store(sys.argv[1], read_only=True) as s:\n"
        "    print(json.dumps([[i.as_of.isoformat(), i.customers] for i in s.snapshots()]))"
    )
    done = subprocess.run(
        [runner.PYTHON, "-c", script, str(store)], capture_output=True, text=True, check=True
    )
    return [(day, int(n)) for day, n in json.loads(done.stdout)]


def report(result: dict[str, Any]) -> bool:
    score, backfill, moves = result["runs"]
    runner.print_table(
        f"{result['rows']:,} rows, {result['snapshots']} snapshots", result["runs"], "score"
    )
    ok = all(r.ok for r in result["runs"]) and len(result["stored"]) == result["snapshots"]
    if not ok:
        print(f"  FAILED: stored {result['stored']}")
        return False
    wall = (backfill.seconds + moves.seconds) / score.seconds
    cpu = (backfill.cpu_seconds + moves.cpu_seconds) / score.cpu_seconds
    customers = sum(n for _, n in result["stored"])
    size = result["store_bytes"]
    print(f"  back-fill + migration / score: wall {wall:.2f}x, CPU {cpu:.2f}x")
    print(
        f"  store: {size / 2**20:.1f} MiB, {size / 2**20 / result['snapshots']:.1f} MiB per "
        f"snapshot, {size / max(customers, 1):.1f} bytes per customer row"
    )
    if result["rows"] >= 10**6:
        print(f"  target (<= {MAX_RATIO}x wall): {'met' if wall <= MAX_RATIO else 'MISSED'}")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description="rfmkit back-fill benchmark.")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=8)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_ROWS:,} rows only")
    parser.add_argument("--json", type=Path, help="also save the results here")
    args = parser.parse_args()
    result = run(SMOKE_ROWS if args.smoke else args.rows, args.snapshots)
    ok = report(result)
    if args.json:
        saved = {**result, "runs": [r.as_dict() for r in result["runs"]]}
        args.json.write_text(json.dumps(saved, indent=2, default=str))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
