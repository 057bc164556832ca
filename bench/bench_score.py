"""Time ``rfmkit score`` end to end against hand-written DuckDB, Polars and pandas.

    python bench/bench_score.py --rows 1000000 --rows 10000000 [--json out.json]
    python bench/bench_score.py --smoke          # 20k rows, for CI

For each size the order log is generated (cached in ``bench/data/``), then
every competitor runs once as its own process: read Parquet, compute R/F/M,
scores and cn8 segments, write Parquet. Printed: seconds and peak memory per
competitor, the ratios the targets are about, and whether the outputs agree.
Exits 1 when a run fails or a correct competitor disagrees with duckdb-best.
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
ORDER = ("rfmkit", "rfmkit-keep", "duckdb-best", "duckdb-naive", "polars", "pandas")
#: rfmkit's runs: its defaults, and without the exact-duplicate check (the
#: competitors' work plus the data-quality report).
RFMKIT = {"rfmkit": (), "rfmkit-keep": ("--keep-duplicates",)}
REFERENCE = "duckdb-best"
#: Competitors whose numbers differ by design (see ``baselines.py``).
APPROXIMATE = {"duckdb-naive"}
#: The targets of the issue: rfmkit within 1.5x duckdb-best (1.3x from 100M rows),
#: rfmkit-keep within 1.2x, 3x faster than pandas, at most 6 GiB at 100M rows.
MAX_VS_DUCKDB, MAX_VS_DUCKDB_100M, MAX_KEEP_VS_DUCKDB = 1.5, 1.3, 1.2
MIN_PANDAS_SPEEDUP, MAX_PEAK_MIB = 3.0, 6 * 1024


def run_size(
    rows: int,
    names: list[str],
    repeat: int = 1,
    max_mib: float | None = None,
    *,
    int_ids: bool = False,
    trees: dict[str, Path] | None = None,
) -> dict[str, Any]:
    """Generate (cached) and run every competitor on ``rows`` rows.

    With ``repeat`` > 1 the competitors take turns, round after round, and
    each keeps its fastest time: noise from other work on the machine then
    falls on all of them alike. ``int_ids`` takes the log with BIGINT ids;
    ``trees`` adds ``rfmkit@REV`` (and ``rfmkit-keep@REV``) runs of other
    source trees, for A/B comparisons in the same run.
    """
    source = generate.write_parquet(rows, int_ids)
    as_of = generate.AS_OF.isoformat()
    commands = {}
    with tempfile.TemporaryDirectory(dir=generate.DATA) as tmp:
        for name in names:
            output = Path(tmp) / f"{name}.parquet"
            if name in RFMKIT:
                commands[name] = runner.rfmkit_command(source, output, as_of, *RFMKIT[name])
                for rev, code in (trees or {}).items():
                    other = Path(tmp) / f"{name}@{rev}.parquet"
                    commands[f"{name}@{rev}"] = runner.rfmkit_command(
                        source, other, as_of, *RFMKIT[name], code=code
                    )
            else:
                commands[name] = runner.baseline_command(name, source, output, as_of)
        tries: dict[str, list[runner.Run]] = {name: [] for name in commands}
        prints = {}
        for _ in range(repeat):
            for name, command in commands.items():
                run = runner.measure(name, command, max_mib)
                tries[name].append(run)
                if run.ok:
                    prints[name] = runner.fingerprint(Path(tmp) / f"{name}.parquet")
    runs = [runner.fastest(found) for found in tries.values()]
    shape = "integer ids" if int_ids else "string ids"
    return {"rows": rows, "shape": shape, "runs": runs, "fingerprints": prints}


def report(result: dict[str, Any]) -> bool:
    """Print one size's table, ratios (wall and CPU) and agreement; False if something failed."""
    runs: list[runner.Run] = result["runs"]
    runner.print_table(f"{result['rows']:,} rows, {result['shape']}", runs, REFERENCE)
    pairs = [
        ("rfmkit", REFERENCE),
        ("rfmkit-keep", REFERENCE),
        ("rfmkit", "polars"),
        ("pandas", "rfmkit"),
        ("duckdb-naive", REFERENCE),
    ]
    pairs += [(r.name, REFERENCE) for r in runs if "@" in r.name]
    print(f"  {'':<34} {'wall':>6} {'cpu':>6}")
    for a, b in pairs:
        wall, cpu = runner.ratio(runs, a, b), runner.ratio(runs, a, b, cpu=True)
        if wall is not None and cpu is not None:
            print(f"  {a + ' / ' + b:<34} {wall:>6.2f} {cpu:>6.2f}")
    if result["rows"] >= 10**6:
        _targets(runs, result["rows"])
    return all(r.ok for r in runs) and agree(result["fingerprints"])


def _targets(runs: list[runner.Run], rows: int) -> None:
    """Each target of the issue: met or missed (wall-clock ratios, as the issue measures)."""
    limit = MAX_VS_DUCKDB_100M if rows >= 10**8 else MAX_VS_DUCKDB
    rfm = next((r for r in runs if r.name == "rfmkit" and r.ok), None)
    checks = [
        (f"rfmkit <= {limit}x duckdb-best", runner.ratio(runs, "rfmkit", REFERENCE), limit, 1),
        (
            f"rfmkit-keep <= {MAX_KEEP_VS_DUCKDB}x duckdb-best",
            runner.ratio(runs, "rfmkit-keep", REFERENCE),
            MAX_KEEP_VS_DUCKDB,
            1,
        ),
        (
            f"pandas / rfmkit >= {MIN_PANDAS_SPEEDUP}",
            runner.ratio(runs, "pandas", "rfmkit"),
            MIN_PANDAS_SPEEDUP,
            -1,
        ),
        (f"rfmkit peak <= {MAX_PEAK_MIB} MiB", rfm.peak_mib if rfm else None, MAX_PEAK_MIB, 1),
    ]
    for label, value, bound, sign in checks:
        if value is not None:
            met = value * sign <= bound * sign
            print(f"  target {label:<34} {value:>8.2f}  {'met' if met else 'MISSED'}")


def agree(prints: dict[str, tuple[Any, ...]]) -> bool:
    """Compare every output's fingerprint with the reference's."""
    reference = prints.get(REFERENCE)
    ok = True
    for name, values in prints.items():
        if reference is None or name == REFERENCE:
            continue
        if not runner.same(values, reference):
            note = "differs by design" if name in APPROXIMATE else "DISAGREES"
            ok = ok and name in APPROXIMATE
            print(f"  {name}: {note} with {REFERENCE}: {values} vs {reference}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description="rfmkit scoring benchmark.")
    parser.add_argument("--rows", type=int, action="append", default=[])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_ROWS:,} rows only")
    parser.add_argument("--only", help="comma-separated competitors, e.g. rfmkit,duckdb-best")
    parser.add_argument("--repeat", type=int, default=1, help="runs each, fastest kept")
    parser.add_argument("--max-mib", type=float, help="kill a run above this memory")
    parser.add_argument("--json", type=Path, help="also save the results here")
    parser.add_argument(
        "--int-ids", action="store_true", help="also the log with BIGINT customer and order ids"
    )
    parser.add_argument("--only-int-ids", action="store_true", help="only the log with BIGINT ids")
    parser.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="REV",
        help="also run rfmkit with files as of this git revision: REV (the files changed "
        "since) or REV:a.py,b.py (those files under rfmkit/), A/B in the same run",
    )
    args = parser.parse_args()
    sizes = [SMOKE_ROWS] if args.smoke else args.rows or [1_000_000]
    names = [n for n in ORDER if not args.only or n in args.only.split(",")]
    shapes = [True] if args.only_int_ids else [False, True] if args.int_ids else [False]
    results, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        labels = {rev: rev.split(":")[0] + ("*" if ":" in rev else "") for rev in args.against}
        trees = {
            labels[rev]: runner.checkout(rev, Path(tmp) / f"tree{i}")
            for i, rev in enumerate(args.against)
        }
        for rows in sizes:
            for int_ids in shapes:
                result = run_size(
                    rows, names, args.repeat, args.max_mib, int_ids=int_ids, trees=trees
                )
                ok = report(result) and ok
                results.append(result)
    if args.json:
        saved = [{**r, "runs": [run.as_dict() for run in r["runs"]]} for r in results]
        args.json.write_text(json.dumps(saved, indent=2, default=str))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
