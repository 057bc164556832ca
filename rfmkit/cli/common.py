"""What every rfmkit command shares: the console, option types, error handling."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)

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
Engine = Annotated[str | None, typer.Option("--engine", help="duckdb (default) or spark.")]
Lang = Annotated[str | None, typer.Option("--lang", help="Language of labels: zh or en.")]


def load_settings(
    *,
    delimiter: str | None,
    dayfirst: bool | None,
    exclude_customers: str | None,
    keep_duplicates: bool | None,
    keep_future: bool | None,
    max_amount: float | None,
    outlier_iqr: float | None,
    level: str | None,
) -> dict[str, object]:
    """The loading options given on the command line, as settings (None = not given)."""
    return {
        "delimiter": delimiter,
        "dayfirst": dayfirst,
        "exclude_customers": exclude_customers,
        "drop_duplicates": None if keep_duplicates is None else not keep_duplicates,
        "exclude_future": None if keep_future is None else not keep_future,
        "max_amount": max_amount,
        "outlier_iqr": outlier_iqr,
        "level": level,
    }


def as_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def paths_or_none(inputs: list[Path] | None) -> list[str] | None:
    return [str(p) for p in inputs] if inputs else None
