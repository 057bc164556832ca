"""Time ``rfmkit score`` writing .xlsx against the same run writing .parquet.

    python bench/bench_xlsx.py                  # 300,000 rows (about 60,000 customers)
    python bench/bench_xlsx.py --rows 1000000 --repeat 3
    python bench/bench_xlsx.py --smoke          # 20k rows, for CI

The order log is generated (cached in ``bench/data/``) and ``rfmkit score``
runs as its own process twice per round, once per output format, on the
same data. Printed: wall seconds, CPU seconds and peak memory of each run,
and the ratio xlsx / parquet, which the target is about (at most
:data:`MAX_RATIO`). Exits 1 when a run fails or the workbook does not hold
one row per customer of the Parquet file.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import generate
import runner

SMOKE_ROWS = 20_000
DEFAULT_ROWS = 300_000
FORMATS = ("parquet", "xlsx")
MAX_RATIO = 2.0


def run_size(rows: int, repeat: int = 1) -> dict[str, Any]:
    """Score ``rows`` rows to each format, ``repeat`` rounds in turn; keep each one's fastest."""
    source = generate.write_parquet(rows)
    as_of = generate.AS_OF.isoformat()
    tries: dict[str, list[runner.Run]] = {name: [] for name in FORMATS}
    with tempfile.TemporaryDirectory(dir=generate.DATA) as tmp:
        outputs = {name: Path(tmp) / f"customers.{name}" for name in FORMATS}
        for _ in range(repeat):
            for name in FORMATS:
                command = runner.rfmkit_command(source, outputs[name], as_of)
                tries[name].append(runner.measure(name, command))
        ok = all(r.ok for runs in tries.values() for r in runs)
        agree = ok and _same_customers(outputs["parquet"], outputs["xlsx"])
    return {"rows": rows, "runs": [runner.fastest(tries[n]) for n in FORMATS], "agree": agree}


def _same_customers(parquet: Path, xlsx: Path) -> bool:
    """Whether the workbook's customer sheet has as many rows as the Parquet file."""
    from openpyxl import load_workbook

    expected = duckdb.sql(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchone()
    book = load_workbook(xlsx, read_only=True)
    found = book.worksheets[0].max_row - 1
    book.close()
    same = expected is not None and found == expected[0]
    if not same:
        print(f"  the workbook has {found} rows, the Parquet file {expected}")
    return same


def report(result: dict[str, Any]) -> bool:
    """Print one size's table and ratio; False if something failed."""
    runs: list[runner.Run] = result["runs"]
    runner.print_table(f"{result['rows']:,} rows", runs, "parquet")
    value = runner.ratio(runs, "xlsx", "parquet")
    if value is not None:
        met = "met" if value <= MAX_RATIO else "MISSED"
        print(f"  xlsx / parquet {value:.2f} (target <= {MAX_RATIO}: {met})")
    return all(r.ok for r in runs) and bool(result["agree"])


def main() -> None:
    parser = argparse.ArgumentParser(description="rfmkit .xlsx output benchmark.")
    parser.add_argument("--rows", type=int, action="append", default=[])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_ROWS:,} rows only")
    parser.add_argument("--repeat", type=int, default=1, help="rounds, fastest kept")
    parser.add_argument("--json", type=Path, help="also save the results here")
    args = parser.parse_args()
    sizes = [SMOKE_ROWS] if args.smoke else args.rows or [DEFAULT_ROWS]
    results, ok = [], True
    for rows in sizes:
        result = run_size(rows, args.repeat)
        ok = report(result) and ok
        results.append(result)
    if args.json:
        saved = [{**r, "runs": [run.as_dict() for run in r["runs"]]} for r in results]
        args.json.write_text(json.dumps(saved, indent=2, default=str))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
