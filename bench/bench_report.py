"""Time the HTML report for many customers: wall, CPU seconds, file size, peak memory.

    python bench/bench_report.py                     # 1,000,000 customers
    python bench/bench_report.py --customers 200000 --lang en
    python bench/bench_report.py --smoke             # 20,000 customers, for CI

An order log of about 2.6 orders per customer (skewed: many one-time
buyers, a few regulars) is generated inside DuckDB, scored with rfmkit, and
the report written. Printed: each phase's wall and CPU seconds, the report's
size and the process's peak RSS, and whether the targets (report <= 15 s,
<= 10 MB, peak <= 2 GiB) are met. Exits 1 when one is missed at >= 1M customers.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import rfmkit
from rfmkit.backend import connect
from rfmkit.reporting import write_report

SMOKE_CUSTOMERS = 20_000
MAX_SECONDS, MAX_MB, MAX_PEAK_MIB = 15.0, 10.0, 2048.0
AS_OF = "2025-07-01"

_ORDERS = """
CREATE OR REPLACE MACRO rnd(x, k) AS (hash(x * 64 + k) >> 11)::DOUBLE / 9007199254740992.0;
CREATE TABLE orders AS
WITH customers AS (
    SELECT i, 1 + floor(-ln(1 - rnd(i, 0)) * 1.6)::INTEGER AS n FROM range({customers}) t(i)
), rows AS (SELECT i, unnest(range(n)) AS k FROM customers)
SELECT
    'C' || lpad(i::VARCHAR, 8, '0') AS customer_id,
    'O' || i::VARCHAR || '-' || k::VARCHAR AS order_id,
    DATE '2025-06-30' - floor(rnd(i * 31 + k, 1) * 730)::INTEGER AS order_date,
    round(exp(3.6 + 0.8 * sqrt(-2 * ln(1 - rnd(i, 2))) * cos(6.283185 * rnd(i * 31 + k, 3))), 2)
        AS amount
FROM rows
"""


def timed(phase: str, action: Callable[[], Any], times: dict[str, tuple[float, float]]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    value = action()
    times[phase] = (time.perf_counter() - wall, time.process_time() - cpu)
    return value


def run(customers: int, lang: str, folder: Path) -> dict[str, Any]:
    times: dict[str, tuple[float, float]] = {}
    con = connect("duckdb")

    def generate() -> Any:
        con.raw_sql(_ORDERS.format(customers=customers))
        return con.table("orders")

    orders = timed("generate", generate, times)
    result = timed("score", lambda: rfmkit.score(orders, as_of=AS_OF, lang=lang), times)
    path = timed("report", lambda: write_report(result, folder / "report.html", lang=lang), times)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "customers": result.scored_customers,
        "times": times,
        "mb": path.stat().st_size / 1e6,
        "peak_mib": peak_mib,
    }


def report(figures: dict[str, Any]) -> bool:
    print(f"{figures['customers']:,} customers")
    for phase, (wall, cpu) in figures["times"].items():
        print(f"  {phase:<9} wall {wall:6.2f} s   cpu {cpu:6.2f} s")
    wall = figures["times"]["report"][0]
    print(
        f"  report file {figures['mb']:.2f} MB   peak RSS (whole process) {figures['peak_mib']:.0f} MiB"
    )
    met = wall <= MAX_SECONDS and figures["mb"] <= MAX_MB and figures["peak_mib"] <= MAX_PEAK_MIB
    print(
        f"  targets (report <= {MAX_SECONDS:g} s, <= {MAX_MB:g} MB, <= {MAX_PEAK_MIB:.0f} MiB): "
        f"{'met' if met else 'MISSED'}"
    )
    return met or figures["customers"] < 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description="rfmkit report benchmark.")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_CUSTOMERS:,} customers")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    args = parser.parse_args()
    customers = SMOKE_CUSTOMERS if args.smoke else args.customers
    with tempfile.TemporaryDirectory() as tmp:
        ok = report(run(customers, args.lang, Path(tmp)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
