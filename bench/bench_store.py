"""Measure the snapshot store: bytes per snapshot and seconds per save and per analysis.

    python bench/bench_store.py --customers 1000000 --snapshots 4 [--json out.json]
    python bench/bench_store.py --smoke            # 20k customers, for CI
    python bench/bench_store.py --postgres postgresql://postgres@127.0.0.1/test

A scored customer table of N customers (random metrics and scores in
tier5's segments, built by DuckDB) is saved as K snapshots, each with
different values, into a fresh DuckDB store file; printed are the file's
size per snapshot and per customer, the save time, the time to replace a
snapshot, and the migration matrix between the last two. Exits 1 when a
number read back disagrees with what was saved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from rfmkit.history import migration
from rfmkit.store import open_store

SMOKE_CUSTOMERS = 20_000
START = dt.date(2024, 1, 1)


def customers(n: int, seed: int) -> pa.Table:
    """A scored customer table of ``n`` customers; ``seed`` changes every value."""
    con = duckdb.connect()
    con.execute(f"SELECT setseed({(seed % 100) / 100})")
    return con.sql(
        f"""
        WITH base AS (
          SELECT i, random() AS u, random() AS v, random() AS w FROM range({n}) t(i)
        )
        SELECT 'C' || lpad(i::VARCHAR, 9, '0') AS customer_id,
               (u * 720)::BIGINT AS recency_days,
               (1 + v * v * 30)::BIGINT AS frequency,
               round(w * w * 5000, 2) AS monetary,
               (1 + (1 - u) * 4.999)::BIGINT AS r_score,
               (1 + v * 4.999)::BIGINT AS f_score,
               (1 + w * 4.999)::BIGINT AS m_score,
               r_score::VARCHAR || f_score::VARCHAR || m_score::VARCHAR AS rfm_code,
               round(r_score * 0.4 + f_score * 0.3 + m_score * 0.3, 2) AS rfm_score,
               ['diamond', 'gold', 'silver', 'active', 'sleeping'][1 + ((u + w) * 2.499)::INTEGER]
                 AS segment,
               ['钻石客户', '黄金客户', '银牌客户', '活跃客户', '沉睡客户'][1 + ((u + w) * 2.499)::INTEGER]
                 AS segment_label,
               DATE '2022-01-01' + (v * 300)::INTEGER AS first_purchase,
               DATE '2025-01-01' - (u * 720)::INTEGER AS last_purchase,
               (1000 - v * 300)::BIGINT AS tenure_days,
               round(w * w * 5000 / (1 + v * v * 30)::BIGINT, 2) AS avg_order_value
        FROM base
        """
    ).to_arrow_table()


def run(n: int, snapshots: int, location: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = location or str(Path(tmp) / "store.duckdb")
        days = [START + dt.timedelta(days=91 * k) for k in range(snapshots)]
        tables = [customers(n, k) for k in range(snapshots)]
        record = {"settings": {"scheme": "tier5"}, "breakpoints_mode": "frozen"}
        saves = []
        with open_store(path) as store:
            for day, table in zip(days, tables, strict=True):
                start = time.perf_counter()
                store.save_snapshot(table, record, as_of=day)
                saves.append(time.perf_counter() - start)
            start = time.perf_counter()
            store.save_snapshot(tables[-1], record, as_of=days[-1])
            replace = time.perf_counter() - start
            start = time.perf_counter()
            moves = migration(store, days[-2], days[-1])
            migrate = time.perf_counter() - start
            ok = [s.customers for s in store.snapshots()] == [n] * snapshots
            ok = ok and int(moves.matrix.customers.sum()) == n  # the same ids: none new, none left
        size = Path(path).stat().st_size if location is None else None
    return {
        "customers": n,
        "snapshots": snapshots,
        "file_bytes": size,
        "bytes_per_snapshot": size / snapshots if size else None,
        "bytes_per_customer_row": size / snapshots / n if size else None,
        "save_seconds": saves,
        "replace_seconds": replace,
        "migration_seconds": migrate,
        "ok": ok,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=4)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_CUSTOMERS:,} customers only")
    parser.add_argument("--postgres", help="a PostgreSQL URL: time the store there instead")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    n = SMOKE_CUSTOMERS if args.smoke else args.customers
    location = None
    if args.postgres:
        location = f"{args.postgres}?schema=rfm_bench_{uuid.uuid4().hex[:8]}"
    result = run(n, 2 if args.smoke else args.snapshots, location)
    if result["bytes_per_snapshot"]:
        print(
            f"{n:,} customers x {result['snapshots']} snapshots: "
            f"{result['bytes_per_snapshot'] / 2**20:.1f} MiB per snapshot "
            f"({result['bytes_per_customer_row']:.1f} bytes per customer row)"
        )
    saves = ", ".join(f"{s:.2f}" for s in result["save_seconds"])
    print(
        f"save: {saves} s; replace: {result['replace_seconds']:.2f} s; "
        f"migration matrix: {result['migration_seconds']:.2f} s"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if not result["ok"]:
        print("FAILED: the snapshots read back differ from what was saved", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
