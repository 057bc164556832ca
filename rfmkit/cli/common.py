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
Engine = Annotated[str | None, typer.Option("--engine", help="duckdb (default) or spark.")]
Lang = Annotated[str | None, typer.Option("--lang", help="Language of labels: zh or en.")]


def as_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def paths_or_none(inputs: list[Path] | None) -> list[str] | None:
    return [str(p) for p in inputs] if inputs else None
