"""rfmkit through Spark Connect (a local[2] server) against rfmkit on DuckDB, same run.

    python bench/bench_spark.py                  # the 10M-row log
    python bench/bench_spark.py --smoke          # 20k rows, for CI
    python bench/bench_spark.py --rows 1000000 --json out.json

The order log of ``generate.py`` is scored and written twice in this process:
by rfmkit on DuckDB (``-o customers.parquet``) and by rfmkit as a client of a
Spark Connect server started on 127.0.0.1 (``--master``, default ``local[2]``;
the input read by Spark from ``file://``, the customers written by Spark as a
Parquet folder). Printed: seconds per step and in all, the Spark/DuckDB ratio
(for information: one machine is DuckDB's home ground), the shuffles of the
Spark plans behind the customer metrics and the duplicate check (``explain``),
and the cost per million rows per core. Exits 1 when the two disagree on the
segments.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import generate

import rfmkit
from rfmkit.backend import connect
from rfmkit.spark.server import ConnectServer

SMOKE_ROWS = 20_000


def run_duckdb(source: Path, folder: Path) -> dict[str, Any]:
    start = time.perf_counter()
    result = rfmkit.score(str(source), as_of=generate.AS_OF, scheme="cn8")
    rfmkit.save(result, output=folder / "duckdb.parquet")
    return {
        "seconds": time.perf_counter() - start,
        "steps": dict(result.record.timings),
        "segments": _counts(result.summary),
    }


def run_spark(source: Path, folder: Path, con: Any) -> dict[str, Any]:
    start = time.perf_counter()
    result = rfmkit.score(f"file://{source}", con=con, as_of=generate.AS_OF, scheme="cn8")
    rfmkit.save(result, output=folder / "spark-customers")
    return {
        "seconds": time.perf_counter() - start,
        "steps": dict(result.record.timings),
        "segments": _counts(result.summary),
        "shuffles": _shuffles(result, con),
    }


def _counts(summary: Any) -> dict[str, int]:
    return {str(s): int(n) for s, n in zip(summary["segment"], summary["customers"], strict=True)}


def _shuffles(result: Any, con: Any) -> dict[str, int]:
    """Exchanges (shuffles) in the physical plans of the main per-customer queries."""
    from rfmkit.sources.totals import customer_totals

    totals = customer_totals(result.loaded, result.as_of, 2)
    stage = result.loaded.stage
    plans = {
        "customer metrics (group by customer)": totals.metrics,
        "duplicate check (sort by row hash)": stage.select("_hash").order_by("_hash"),
    }
    found = {}
    for name, expr in plans.items():
        frame = con._session.sql(con.compile(expr))
        text = frame._explain_string() if hasattr(frame, "_explain_string") else ""
        found[name] = len(re.findall(r"Exchange", text))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_ROWS:,} rows, for CI")
    parser.add_argument("--master", default="local[2]", help="the server's Spark master")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    rows = SMOKE_ROWS if args.smoke else args.rows
    cores = int(re.sub(r"\D", "", args.master) or 1)
    source = generate.write_parquet(rows)
    with tempfile.TemporaryDirectory(dir=generate.DATA) as tmp:
        folder = Path(tmp)
        duck = run_duckdb(source, folder)
        conf = {"spark.driver.memory": "6g", "spark.sql.shuffle.partitions": str(2 * cores)}
        with ConnectServer(args.master, conf=conf) as server:
            con = connect("spark", remote=server.url)
            spark = run_spark(source, folder, con)
            con._session.stop()
        written = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{folder}/spark-customers/*.parquet')"
        ).fetchone()
    figures = {
        "rows": rows,
        "master": args.master,
        "duckdb": duck,
        "spark": spark,
        "spark_over_duckdb": spark["seconds"] / duck["seconds"],
        "spark_seconds_per_million_rows_per_core": spark["seconds"] * cores / (rows / 1e6),
        "spark_rows_written": written[0] if written else None,
    }
    _print(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    same = duck["segments"] == spark["segments"]
    print("segments agree" if same else "SEGMENTS DISAGREE")
    return 0 if same else 1


def _print(f: dict[str, Any]) -> None:
    print(f"{f['rows']:,} rows; Spark Connect server {f['master']}")
    for name in ("duckdb", "spark"):
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in f[name]["steps"].items())
        print(f"  {name:7} {f[name]['seconds']:8.1f} s   ({steps})")
    print(f"  spark / duckdb: {f['spark_over_duckdb']:.1f}x")
    print(
        "  spark cost: "
        f"{f['spark_seconds_per_million_rows_per_core']:.1f} core-seconds per million rows"
    )
    for plan, count in f["spark"]["shuffles"].items():
        print(f"  shuffles in {plan}: {count}")


if __name__ == "__main__":
    sys.exit(main())
