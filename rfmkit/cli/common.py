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


# -- arguments and options used by several commands ------------------------------

Inputs = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Transaction files, globs or folders (CSV, Excel, Parquet, JSON).", show_default=False
    ),
]
Output = Annotated[
    Path, typer.Option("--output", "-o", help="Output file: .csv, .parquet, .xlsx or .json.")
]
Lang = Annotated[str | None, typer.Option("--lang", help="Language of labels: zh or en.")]


# -- option groups shared by commands ---------------------------------------------------


def reading_options(
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Analysis date (default: day after the last transaction).",
        ),
    ] = None,
    map: Annotated[
        str | None,
        typer.Option("--map", help="Column names: customer=COL,date=COL,amount=COL,order=COL."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML or YAML file with any of these options.")
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Excel sheet to read.")] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Text encoding of CSV files (default: detect).")
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="CSV field separator (default: sniff).")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="Business time zone for timestamps.")
    ] = None,
    dayfirst: Annotated[
        bool | None, typer.Option("--dayfirst/--monthfirst", help="Read 05/01/2024 as 5 January.")
    ] = None,
    strict: Annotated[
        bool | None,
        typer.Option("--strict/--lenient", help="Fail on any rejected or excluded row."),
    ] = None,
    exclude_customers: Annotated[
        str | None,
        typer.Option(
            "--exclude-customers", help="Regular expression of customer ids to leave out."
        ),
    ] = None,
    keep_duplicates: Annotated[
        bool | None,
        typer.Option("--keep-duplicates", help="Keep exact duplicate rows (dropped by default)."),
    ] = None,
    keep_future: Annotated[
        bool | None,
        typer.Option("--keep-future", help="Keep rows dated after today (left out by default)."),
    ] = None,
    max_amount: Annotated[
        float | None, typer.Option("--max-amount", help="Leave out rows above this amount.")
    ] = None,
    outlier_iqr: Annotated[
        float | None,
        typer.Option("--outlier-iqr", help="Leave out amounts beyond K inter-quartile ranges."),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option("--level", help="auto, transactions or customers (already aggregated)."),
    ] = None,
    from_db: Annotated[
        str | None,
        typer.Option("--from-db", help="Database URL (postgresql://, mysql://, sqlite:///)."),
    ] = None,
    table: Annotated[
        str | None, typer.Option("--table", help="Table to read with --from-db.")
    ] = None,
    query: Annotated[
        str | None, typer.Option("--query", help="SQL query to read with --from-db.")
    ] = None,
    engine: Annotated[
        str | None, typer.Option("--engine", help="duckdb (default) or spark.")
    ] = None,
    quality_report: Annotated[
        Path | None, typer.Option("--quality-report", help="Write the data-quality report as JSON.")
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Write the rows left out (file, line, reason) as CSV."),
    ] = None,
) -> None:
    """The options of every command that reads transactions (declarations only)."""


def scoring_options(
    scheme: Annotated[
        str | None,
        typer.Option("--scheme", help="cn8, classic11, value4, tier5 or a scheme YAML file."),
    ] = None,
    method: Annotated[str | None, typer.Option("--method", help="quantile or thresholds.")] = None,
    levels: Annotated[
        int | None, typer.Option("--levels", help="Score levels, 3-10 (default 5).")
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights", help="R,F,M weights (e.g. 1,2,1) or a preset (fmcg, luxury, ...)."
        ),
    ] = None,
    lang: Lang = None,
    split: Annotated[
        str | None, typer.Option("--split", help="mean or median, for high/low schemes.")
    ] = None,
    top_percent: Annotated[
        float | None,
        typer.Option("--top-percent", help="Pareto: revenue share of the top N% (default 20)."),
    ] = None,
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
