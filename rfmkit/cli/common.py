"""What every rfmkit command shares: the console, option types, error handling."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console


def console() -> Console:
    """The terminal for results (made on use, so the current width is honoured)."""
    return Console(highlight=False)


def err_console() -> Console:
    """The terminal for errors."""
    return Console(stderr=True, highlight=False)


# -- options shared by the commands that read transactions ---------------------

Inputs = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Transaction files, globs or folders (CSV, Excel, Parquet, JSON).", show_default=False
    ),
]
Output = Annotated[
    Path, typer.Option("--output", "-o", help="Output file: .csv, .parquet, .xlsx or .json.")
]
AsOf = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Analysis date (default: day after the last transaction).",
    ),
]
Map = Annotated[
    str | None,
    typer.Option("--map", help="Column names: customer=COL,date=COL,amount=COL,order=COL."),
]
Config = Annotated[
    Path | None, typer.Option("--config", help="TOML or YAML file with any of these options.")
]
Sheet = Annotated[str | None, typer.Option("--sheet", help="Excel sheet to read.")]
Encoding = Annotated[
    str | None, typer.Option("--encoding", help="Text encoding of CSV files (default: detect).")
]
Timezone = Annotated[
    str | None, typer.Option("--timezone", help="Business time zone for timestamps.")
]
Strict = Annotated[
    bool | None, typer.Option("--strict/--lenient", help="Fail on any rejected or excluded row.")
]
FromDb = Annotated[
    str | None,
    typer.Option("--from-db", help="Database URL (postgresql://, mysql://, sqlite:///)."),
]
Table = Annotated[str | None, typer.Option("--table", help="Table to read with --from-db.")]
Query = Annotated[str | None, typer.Option("--query", help="SQL query to read with --from-db.")]
Delimiter = Annotated[
    str | None, typer.Option("--delimiter", help="CSV field separator (default: sniff).")
]
Dayfirst = Annotated[
    bool | None, typer.Option("--dayfirst/--monthfirst", help="Read 05/01/2024 as 5 January.")
]
ExcludeCustomers = Annotated[
    str | None,
    typer.Option("--exclude-customers", help="Regular expression of customer ids to leave out."),
]
KeepDuplicates = Annotated[
    bool | None,
    typer.Option("--keep-duplicates", help="Keep exact duplicate rows (dropped by default)."),
]
KeepFuture = Annotated[
    bool | None,
    typer.Option("--keep-future", help="Keep rows dated after today (left out by default)."),
]
MaxAmount = Annotated[
    float | None, typer.Option("--max-amount", help="Leave out rows above this amount.")
]
OutlierIqr = Annotated[
    float | None,
    typer.Option("--outlier-iqr", help="Leave out amounts beyond K inter-quartile ranges."),
]
Level = Annotated[
    str | None,
    typer.Option("--level", help="auto, transactions or customers (already aggregated)."),
]
QualityReport = Annotated[
    Path | None, typer.Option("--quality-report", help="Write the data-quality report as JSON.")
]
Rejects = Annotated[
    Path | None,
    typer.Option("--rejects", help="Write the rows left out (file, line, reason) as CSV."),
]
Scheme = Annotated[
    str | None,
    typer.Option("--scheme", help="cn8, classic11, value4, tier5 or a scheme YAML file."),
]
Method = Annotated[str | None, typer.Option("--method", help="quantile or thresholds.")]
Levels = Annotated[int | None, typer.Option("--levels", help="Score levels, 3-10 (default 5).")]
Weights = Annotated[
    str | None,
    typer.Option("--weights", help="R,F,M weights (e.g. 1,2,1) or a preset (fmcg, luxury, ...)."),
]
Split = Annotated[str | None, typer.Option("--split", help="mean or median, for high/low schemes.")]
TopPercent = Annotated[
    float | None,
    typer.Option("--top-percent", help="Pareto: revenue share of the top N% (default 20)."),
]
Engine = Annotated[str | None, typer.Option("--engine", help="duckdb (default) or spark.")]
Lang = Annotated[str | None, typer.Option("--lang", help="Language of labels: zh or en.")]


# -- option groups shared by commands ---------------------------------------------------


def reading_options(
    as_of: AsOf = None,
    map: Map = None,
    config: Config = None,
    sheet: Sheet = None,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
    timezone: Timezone = None,
    dayfirst: Dayfirst = None,
    strict: Strict = None,
    exclude_customers: ExcludeCustomers = None,
    keep_duplicates: KeepDuplicates = None,
    keep_future: KeepFuture = None,
    max_amount: MaxAmount = None,
    outlier_iqr: OutlierIqr = None,
    level: Level = None,
    from_db: FromDb = None,
    table: Table = None,
    query: Query = None,
    engine: Engine = None,
    quality_report: QualityReport = None,
    rejects: Rejects = None,
) -> None:
    """The options of every command that reads transactions (declarations only)."""


def scoring_options(
    scheme: Scheme = None,
    method: Method = None,
    levels: Levels = None,
    weights: Weights = None,
    lang: Lang = None,
    split: Split = None,
    top_percent: TopPercent = None,
) -> None:
    """The options of every command that scores customers (declarations only)."""


def with_options(
    *groups: Callable[..., None],
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the options of ``groups`` besides its own.

    The command declares its own parameters and takes the shared ones as
    ``**options``; Typer sees one signature with all of them, so every
    command spells a shared option the same way.
    """

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [
            p
            for p in inspect.signature(command, eval_str=True).parameters.values()
            if p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        shared = [
            p for g in groups for p in inspect.signature(g, eval_str=True).parameters.values()
        ]
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own + shared]

        @functools.wraps(command)
        def run(**kwargs: Any) -> None:
            command(**kwargs)

        run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        return run

    return decorate


def as_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def paths_or_none(inputs: list[Path] | None) -> list[str] | None:
    return [str(p) for p in inputs] if inputs else None
