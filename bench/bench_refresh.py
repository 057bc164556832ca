"""Time an incremental ``rfmkit refresh`` of 1 % new rows against one full ``rfmkit score``.

    python bench/bench_refresh.py --rows 10000000 [--json out.json] [--steps]
    python bench/bench_refresh.py --smoke          # 20k rows, for CI

In the same benchmark run, on the generated order log of ``--rows`` rows
(cached in ``bench/data/``) and a batch of 1 % more rows dated the day after
it -- new orders of returning customers, new customers, and refunds of old
orders -- each as its own process:

* ``rfmkit refresh`` of the whole log into a fresh store (the initial load);
* ``rfmkit refresh`` of the batch (the incremental refresh, frozen edges);
* ``rfmkit score`` of the log and the batch together, at the same date
  (the baseline: a full run over all the rows).

Printed: wall seconds, CPU seconds and peak memory of each, the ratio of the
incremental refresh to the full score (target: at most 0.15x at 10M rows),
the store's size on disk per 10M rows, and whether the refreshed snapshot
and the full run agree (customers, frequency, monetary, recency). Exits 1
when a run fails or they disagree. ``--steps`` also times each step of the
incremental refresh (wall and CPU seconds, imports included), in a process of
its own on a copy of the store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import generate
import runner

SMOKE_ROWS = 20_000
MAX_RATIO = 0.15
#: The batch's day and the analysis date after it.
NEW_DAY = generate.AS_OF
NEW_AS_OF = NEW_DAY + dt.timedelta(days=1)

_BATCH = """
WITH n AS (SELECT i, hash(i * 7 + 1) AS h FROM range({batch}) t(i)),
old AS (
    SELECT customer_id, order_id, amount, row_number() OVER () AS i
    FROM read_parquet('{history}') WHERE amount > 0
    USING SAMPLE reservoir({refunds} ROWS) REPEATABLE (42)
)
SELECT
    CASE WHEN h % 4 = 0 THEN 'N' || lpad(i::VARCHAR, 9, '0')          -- a new customer
         ELSE 'C' || lpad((h % {customers})::VARCHAR, {width}, '0') END AS customer_id,
    'R' || lpad(i::VARCHAR, 10, '0') AS order_id,
    DATE '{day}' AS order_date,
    round(5 + (h >> 20) % 20000 / 100.0, 2) AS amount
FROM n WHERE i >= {refunds}
UNION ALL
SELECT customer_id, order_id, DATE '{day}', -round(amount / 2, 2) FROM old   -- refunds of old orders
"""


def write_batch(rows: int) -> tuple[Path, Path]:
    """The batch of 1 % new rows and the log with it appended (both cached)."""
    history = generate.write_parquet(rows)
    batch = generate.DATA / f"refresh_batch_{rows}.parquet"
    combined = generate.DATA / f"refresh_all_{rows}.parquet"
    if not batch.exists() or not combined.exists():
        size = max(rows // 100, 10)
        customers = max(rows // 10, 1)
        query = _BATCH.format(
            batch=size,
            refunds=max(size // 20, 1),
            history=history,
            customers=customers,
            width=len(str(customers)),
            day=NEW_DAY.isoformat(),
        )
        con = duckdb.connect(config={"memory_limit": "3GB"})
        con.execute(f"COPY ({query}) TO '{batch}' (FORMAT parquet)")
        con.execute(
            f"COPY (SELECT * FROM read_parquet('{history}') UNION ALL "
            f"SELECT * FROM read_parquet('{batch}')) TO '{combined}' (FORMAT parquet)"
        )
        con.close()
    return batch, combined


def run(rows: int, steps: bool = False) -> dict[str, Any]:
    history = generate.write_parquet(rows)
    batch, combined = write_batch(rows)
    with tempfile.TemporaryDirectory(dir=generate.DATA) as tmp:
        store = Path(tmp) / "store.duckdb"
        refresh = [runner.RFMKIT, "refresh", "--store", str(store), "--scheme", "cn8"]
        initial = runner.measure(
            "refresh (initial)", [*refresh, str(history), "--as-of", generate.AS_OF.isoformat()]
        )
        size = store.stat().st_size if store.exists() else 0
        timed = _time_steps(store, batch) if steps and initial.ok else []
        incremental = runner.measure("refresh (+1 %)", [*refresh, str(batch)])
        output = Path(tmp) / "full.parquet"
        score = runner.measure(
            "score (all)",
            runner.rfmkit_command(combined, output, NEW_AS_OF.isoformat()),
        )
        stored = _stored_sums(store) if incremental.ok else ()
        full = _output_sums(output) if score.ok else ()
        after = store.stat().st_size if store.exists() else 0
    return {
        "rows": rows,
        "batch_rows": _count(batch),
        "runs": [initial, incremental, score],
        "store_bytes": size,
        "store_bytes_after": after,
        "same": bool(stored) and stored == full,
        "sums": {"refresh": stored, "score": full},
        "steps": timed,
    }


#: Times each step of one refresh (the steps ``progress`` announces), imports included.
_STEPS = """
import json, resource, sys, time
def now():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), r.ru_utime + r.ru_stime
marks = [("imports", now())]
from rfmkit.verbs.refresh import refresh
marks.append(("open the store, read the state", now()))
refresh(sys.argv[2], store=sys.argv[1], scheme="cn8", progress=lambda s: marks.append((s, now())))
marks.append(("", now()))
print(json.dumps([(a[0], b[1][0] - a[1][0], b[1][1] - a[1][1]) for a, b in zip(marks, marks[1:])]))
"""


def _time_steps(store: Path, batch: Path) -> list[tuple[str, float, float]]:
    """Each step of the incremental refresh, on a copy of the store (a process of its own)."""
    copy = store.with_name("steps.duckdb")
    shutil.copy(store, copy)
    done = subprocess.run(
        [runner.PYTHON, "-c", _STEPS, str(copy), str(batch)],
        capture_output=True,
        text=True,
        check=True,
    )
    copy.unlink()
    return [tuple(step) for step in json.loads(done.stdout.strip().splitlines()[-1])]


_SUMS = "count(*), sum(frequency), round(sum(monetary), 2), sum(recency_days), min(recency_days)"


def _stored_sums(store: Path) -> tuple[Any, ...]:
    """Sums of the refreshed snapshot, read by a fresh process."""
    script = (
        "import json, sys; from rfmkit.store import open_store\n"
        "with open_store(sys.argv[1], read_only=True) as s:\n"
        "    t = s.customers(s.snapshots()[-1].as_of)\n"
        "    f = t.aggregate(n=t.count(), f=t.frequency.sum(), m=t.monetary.sum().round(2),\n"
        "                    r=t.recency_days.sum(), r0=t.recency_days.min()).to_pandas()\n"
        "    print(json.dumps([float(v) for v in f.iloc[0]]))"
    )
    done = subprocess.run(
        [runner.PYTHON, "-c", script, str(store)], capture_output=True, text=True, check=True
    )
    return tuple(json.loads(done.stdout))


def _output_sums(output: Path) -> tuple[Any, ...]:
    row = duckdb.sql(f"SELECT {_SUMS} FROM read_parquet('{output}')").fetchone()
    return tuple(float(v) for v in row) if row else ()


def _count(path: Path) -> int:
    row = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()
    return int(row[0]) if row else 0


def report(result: dict[str, Any]) -> bool:
    _initial, incremental, score = result["runs"]
    title = f"{result['rows']:,} rows stored, refresh of {result['batch_rows']:,} new rows"
    runner.print_table(title, result["runs"], "score (all)")
    if not all(r.ok for r in result["runs"]):
        return False
    wall = incremental.seconds / score.seconds
    cpu = incremental.cpu_seconds / score.cpu_seconds
    per_10m = result["store_bytes"] / result["rows"] * 10**7 / 2**20
    print(f"  refresh / full score: wall {wall:.3f}x, CPU {cpu:.3f}x")
    print(
        f"  store after the initial load: {result['store_bytes'] / 2**20:.1f} MiB "
        f"({per_10m:.0f} MiB per 10M rows); after the refresh: "
        f"{result['store_bytes_after'] / 2**20:.1f} MiB"
    )
    print(f"  refreshed snapshot equals the full score: {result['same']} {result['sums']}")
    if result["steps"]:
        print("  the incremental refresh, step by step (wall s, CPU s):")
        for name, wall, cpu in result["steps"]:
            print(f"    {name:32s} {wall:6.2f} {cpu:6.2f}")
    if result["rows"] >= 10**6:
        print(f"  target (<= {MAX_RATIO}x wall): {'met' if wall <= MAX_RATIO else 'MISSED'}")
    return bool(result["same"])


def main() -> None:
    parser = argparse.ArgumentParser(description="rfmkit incremental refresh benchmark.")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_ROWS:,} rows only")
    parser.add_argument("--json", type=Path, help="also save the results here")
    parser.add_argument("--steps", action="store_true", help="also time each refresh step")
    args = parser.parse_args()
    result = run(SMOKE_ROWS if args.smoke else args.rows, args.steps)
    ok = report(result)
    if args.json:
        saved = {**result, "runs": [r.as_dict() for r in result["runs"]]}
        args.json.write_text(json.dumps(saved, indent=2, default=str))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
