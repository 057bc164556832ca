"""Time ``rfmkit score FILE.csv`` against DuckDB's own ``read_csv`` of the same file.

    python bench/bench_load.py                 # 10M rows, UTF-8 and GBK
    python bench/bench_load.py --smoke         # 20k rows, for CI

The same order log is written as a UTF-8 CSV and as a GBK CSV with the
Chinese header of a typical shop export (客户ID, 订单号, 下单时间, 实付金额).
For each, rfmkit (column and encoding detection left to it, as a user would)
and the ``duckdb-best`` query reading the file with ``read_csv`` (told the
encoding; GBK through the ``encodings`` extension as gb18030) go from the
file to the scored Parquet output, each in its own process. For GBK,
``duckdb-transcode`` (re-encode to UTF-8 in Python, then the same query) runs
too: the extension is slow and, in DuckDB 1.5.5, corrupts rows of large files.
Target: rfmkit at most 1.5x DuckDB's time on the UTF-8 file.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import generate
import runner

SMOKE_ROWS = 20_000
DEFAULT_ROWS = 10_000_000
MAX_VS_DUCKDB = 1.5
#: File writer and the encoding DuckDB is told, per file kind.
FILES = {"utf-8": (generate.write_csv, "utf-8"), "gbk": (generate.write_gbk, "gb18030")}


def run_file(rows: int, kind: str, repeat: int) -> dict[str, Any]:
    """rfmkit and DuckDB ``read_csv`` on one CSV, competitors taking turns."""
    write, duckdb_encoding = FILES[kind]
    source = write(rows)
    as_of = generate.AS_OF.isoformat()
    prints = {}
    with tempfile.TemporaryDirectory(dir=generate.DATA) as tmp:
        out = Path(tmp)
        commands = {
            "rfmkit": runner.rfmkit_command(source, out / "rfmkit.parquet", as_of),
            "duckdb-read_csv": runner.baseline_command(
                "duckdb-best",
                source,
                out / "duckdb-read_csv.parquet",
                as_of,
                encoding=duckdb_encoding,
            ),
        }
        if kind != "utf-8":
            commands["duckdb-transcode"] = runner.baseline_command(
                "duckdb-transcode",
                source,
                out / "duckdb-transcode.parquet",
                as_of,
                encoding=duckdb_encoding,
            )
        tries: dict[str, list[runner.Run]] = {name: [] for name in commands}
        for _ in range(repeat):
            for name, command in commands.items():
                run = runner.measure(name, command)
                tries[name].append(run)
                if run.ok:
                    prints[name] = runner.fingerprint(out / f"{name}.parquet")
    runs = [runner.fastest(found) for found in tries.values()]
    return {"rows": rows, "encoding": kind, "runs": runs, "fingerprints": prints}


def report(result: dict[str, Any]) -> bool:
    """Print one file's table and ratio; False if a run failed or outputs disagree."""
    runs = result["runs"]
    title = f"{result['rows']:,} rows, CSV {result['encoding']}"
    runner.print_table(title, runs, "duckdb-read_csv")
    for other in ("duckdb-read_csv", "duckdb-transcode"):
        value = runner.ratio(runs, "rfmkit", other)
        cpu = runner.ratio(runs, "rfmkit", other, cpu=True)
        if value is not None and cpu is not None:
            target = f" (target <= {MAX_VS_DUCKDB})" if result["encoding"] == "utf-8" else ""
            print(f"  rfmkit / {other:<20} {value:.2f} wall, {cpu:.2f} cpu{target}")
    prints = list(result["fingerprints"].values())
    agree = all(runner.same(p, prints[0]) for p in prints[1:])
    if not agree:
        print(f"  outputs DISAGREE: {result['fingerprints']}")
    return agree and all(r.ok for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description="rfmkit CSV loading benchmark.")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_ROWS:,} rows only")
    parser.add_argument("--encoding", choices=sorted(FILES), action="append")
    parser.add_argument("--repeat", type=int, default=1, help="runs each, fastest kept")
    parser.add_argument("--json", type=Path, help="also save the results here")
    args = parser.parse_args()
    rows = SMOKE_ROWS if args.smoke else args.rows
    results, ok = [], True
    for kind in args.encoding or list(FILES):
        result = run_file(rows, kind, args.repeat)
        ok = report(result) and ok
        results.append(result)
    if args.json:
        saved = [{**r, "runs": [run.as_dict() for run in r["runs"]]} for r in results]
        args.json.write_text(json.dumps(saved, indent=2, default=str))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
