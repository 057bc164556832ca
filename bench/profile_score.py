"""Where ``rfmkit score`` spends its time: every DuckDB query timed, and the Python around them.

    python bench/profile_score.py bench/data/orders_10000000.parquet [--keep-duplicates]
    python bench/profile_score.py IN --cprofile 25     # also the 25 costliest Python functions
    python bench/profile_score.py IN --explain DIR      # EXPLAIN ANALYZE of each query, in DIR
    python bench/profile_score.py IN --command "snapshot {input} --every quarter --from 2023-10-01 \
        --to 2025-07-01 --store {tmp}/s.duckdb"         # any other rfmkit command

Runs the ``rfmkit score`` command in this process (cn8 scheme, as-of
2025-07-01, output to a temporary file) with the DuckDB connection wrapped:
each statement rfmkit sends is logged with the seconds DuckDB took to run
it and to hand back its result, and the rfmkit function that sent it. The
rest of the wall time is Python (imports, Ibis compiling, pandas).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shlex
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START = time.perf_counter()


@dataclass
class Query:
    """One statement: its text, where it was sent from and the seconds it took."""

    sql: str
    caller: str
    seconds: float = 0.0
    cpu: float = 0.0
    plan: str = ""


LOG: list[Query] = []
#: With ``--explain``: statements run (not fetched) longer than this are analysed.
ANALYZE: list[float] = []
_FETCH = {
    "fetch_arrow_table",
    "to_arrow_table",
    "arrow",
    "fetchall",
    "fetchone",
    "fetchdf",
    "df",
    "fetch_df",
    "fetchnumpy",
    "pl",
    "show",
    "to_parquet",
    "write_parquet",
    "create",
    "to_table",
}


def _caller() -> str:
    """The innermost rfmkit frame of the current stack."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if "/rfmkit/" in frame.filename:
            return f"{frame.filename.split('/rfmkit/')[-1]}:{frame.lineno} {frame.name}"
    return "?"


class _Timed:
    """Forward everything to ``inner``; log statements, time the calls that run or fetch."""

    def __init__(self, inner: Any, query: Query) -> None:
        self._inner, self._query = inner, query

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name in _STATEMENT and callable(value):
            return self._statement(value)
        if name not in _FETCH or not callable(value):
            return value

        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return value(*args, **kwargs)
            finally:
                self._query.seconds += time.perf_counter() - start
                self._query.cpu += time.process_time() - cpu

        return timed

    def _statement(self, method: Any) -> Any:
        def logged(sql: Any, *args: Any, **kwargs: Any) -> Any:
            query = Query(str(sql), _caller())
            LOG.append(query)
            start, cpu = time.perf_counter(), time.process_time()
            result = method(sql, *args, **kwargs)
            query.seconds += time.perf_counter() - start
            query.cpu += time.process_time() - cpu
            if ANALYZE and query.seconds > ANALYZE[0]:
                query.plan = _analyze(self._inner, query.sql)
            return _Timed(result, query)

        return logged


_STATEMENT = {"execute", "sql", "query"}


def Connection(inner: Any) -> _Timed:
    """A DuckDB connection whose statements are logged and timed."""
    return _Timed(inner, Query("", ""))


def _wrap_connect() -> None:
    from ibis.backends.duckdb import Backend

    original = Backend.do_connect

    def do_connect(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.con = Connection(self.con)

    Backend.do_connect = do_connect  # type: ignore[method-assign]


def _analyze(con: Any, sql: str) -> str:
    """EXPLAIN ANALYZE of ``sql`` run again right away (its temporary tables still there)."""
    try:
        rows = con.sql(f"EXPLAIN ANALYZE {_select_of(sql)}").fetchall()
    except Exception as exc:
        return f"not analysed: {str(exc).splitlines()[0]}"
    return "\n".join(str(row[-1]) for row in rows)


def _explain(log: list[Query], folder: Path) -> None:
    """Write each analysed statement with its plan to ``folder``, costliest first."""
    folder.mkdir(parents=True, exist_ok=True)
    ranked = sorted((q for q in log if q.plan), key=lambda q: -q.seconds)
    for index, query in enumerate(ranked):
        (folder / f"q{index:02d}.txt").write_text(
            f"-- {query.seconds:.3f} s  {query.caller}\n{query.sql}\n\n{query.plan}\n"
        )


def _select_of(sql: str) -> str:
    text = sql.strip()
    upper = text.upper()
    if upper.startswith("INSERT"):
        cut = min(i for i in (upper.find(") SELECT"), upper.find(") WITH")) if i >= 0)
        return text[cut + 1 :]
    if upper.startswith("COPY ("):
        return text[len("COPY (") : text.rfind(") TO ")]
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("--keep-duplicates", action="store_true")
    parser.add_argument("--cprofile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument(
        "--explain", type=Path, help="write EXPLAIN ANALYZE of the costliest queries here"
    )
    parser.add_argument("--sql", action="store_true", help="print each query in full")
    parser.add_argument(
        "--command", help="another rfmkit command line ({input} and {tmp} are filled in)"
    )
    parser.add_argument("--explain-over", type=float, default=0.1, help="seconds (0.1)")
    args, extra = parser.parse_known_args()
    if args.explain:
        ANALYZE.append(args.explain_over)
    _wrap_connect()
    imported = time.perf_counter()
    from rfmkit.cli import app

    imports = time.perf_counter() - imported
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["score", args.input, "-o", f"{tmp}/out.parquet", "--as-of", "2025-07-01"]
        argv += ["--scheme", "cn8", *(["--keep-duplicates"] if args.keep_duplicates else [])]
        if args.command:
            argv = shlex.split(args.command.format(input=args.input, tmp=tmp))
        profile = cProfile.Profile() if args.cprofile else None
        began = time.perf_counter()
        if profile:
            profile.enable()
        try:
            app(argv + extra, standalone_mode=False)
        finally:
            if profile:
                profile.disable()
        ran = time.perf_counter() - began
    if args.explain:
        _explain(LOG, args.explain)
    total = time.perf_counter() - START
    in_duckdb = sum(q.seconds for q in LOG)
    cpu = time.process_time()
    print(
        f"\nwall {total:.2f} s: import rfmkit.cli {imports:.2f} s, command {ran:.2f} s",
        file=sys.stderr,
    )
    print(
        f"{len(LOG)} statements, {in_duckdb:.2f} s in DuckDB "
        f"({sum(q.cpu for q in LOG):.2f} CPU-s); Python {ran - in_duckdb:.2f} s; "
        f"process {cpu:.2f} CPU-s",
        file=sys.stderr,
    )
    for query in sorted(LOG, key=lambda q: -q.cpu):
        if query.seconds < 0.02 and not args.sql:
            continue
        text = " ".join(query.sql.split())
        shown = text if args.sql else text[:150]
        print(
            f"{query.seconds:7.3f} s {query.cpu:7.3f} cpu  {query.caller}\n{'':20}{shown}",
            file=sys.stderr,
        )
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.cprofile)
        print(out.getvalue(), file=sys.stderr)


if __name__ == "__main__":
    main()
