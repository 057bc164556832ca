"""Read files (CSV/TSV/TXT, Excel, Parquet, JSON) into raw tables inside the engine.

Paths may be files, globs or folders. Text files are read by DuckDB's
``read_csv`` with every column as text (``all_varchar``) so that ids keep
their leading zeros and no value is lost to a wrong type guess; the
cleaning expressions of :mod:`rfmkit.sources.values` parse them afterwards.
Each text source also offers a *typed* read (:attr:`RawSource.typed`):
DuckDB's sniffer types the date and amount columns (ISO dates only, so
``--dayfirst`` keeps its meaning) while ids stay text; loading tries it
first, as parsing typed columns is much cheaper, and falls back to the text
read when a value does not fit the sniffed type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import ibis
from ibis.backends import BaseBackend

from rfmkit.backend import engine_name
from rfmkit.errors import InputError
from rfmkit.sources.base import RawSource
from rfmkit.sources.delimited import read_delimited
from rfmkit.sources.excel import read_excel
from rfmkit.sources.handover import via_duckdb
from rfmkit.sources.jsonfiles import read_json
from rfmkit.sources.paths import (
    EXCEL_SUFFIXES,
    JSON_SUFFIXES,
    PARQUET_SUFFIXES,
    TEXT_SUFFIXES,
    engine_path,
    expand_inputs,
)
from rfmkit.sources.textfiles import sniff_text


def expand_paths(inputs: Iterable[str | Path]) -> list[Path]:
    """Files named by ``inputs``, each once (see :func:`rfmkit.sources.paths.expand_inputs`).

    Raises
    ------
    InputError
        When a path does not exist or a glob or folder holds no readable file.
    """
    return expand_inputs(inputs).paths


def read_file(
    path: Path,
    con: BaseBackend,
    *,
    mapping: Mapping[str, str],
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> RawSource:
    """Read one file into a :class:`RawSource` (not executed yet)."""
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise InputError("The file is empty.", file=str(path), fix="Export the data again.")
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path, con, sheet=sheet, mapping=mapping)
    if suffix == ".xls":
        raise InputError(
            "Old Excel .xls files are not supported.",
            file=str(path),
            fix="Open the file in Excel or WPS and save it as .xlsx or CSV.",
        )
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, con)
    if suffix in JSON_SUFFIXES:
        return read_json(path, con)
    if suffix in TEXT_SUFFIXES or suffix == "":
        return read_text(path, con, mapping=mapping, encoding=encoding, delimiter=delimiter)
    raise InputError(
        f"Unsupported file type {suffix!r}.",
        file=str(path),
        fix="Use CSV/TSV/TXT, Excel .xlsx, Parquet or JSON files.",
    )


def read_text(
    path: Path,
    con: BaseBackend,
    *,
    mapping: Mapping[str, str],
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RawSource:
    """Read a delimited text file, every column as text (see :mod:`.delimited`)."""
    if engine_name(con) != "duckdb":  # read as on DuckDB, handed over (see handover.py)
        return via_duckdb(
            lambda duck: read_text(
                path, duck, mapping=mapping, encoding=encoding, delimiter=delimiter
            ),
            con,
        )
    layout = sniff_text(path, encoding=encoding, delimiter=delimiter, mapping=mapping)
    return read_delimited(path, con, layout)


def _read_parquet(path: Path, con: BaseBackend) -> RawSource:
    try:
        if engine_name(con) == "duckdb":  # numbered while scanned, in parallel
            table = con.sql(
                "SELECT file_row_number + 1 AS _row, * EXCLUDE (file_row_number) "
                f"FROM read_parquet({_sql_string(engine_path(path))}, file_row_number = true)"
            )
        else:
            table = con.read_parquet(str(path))
    except Exception as exc:
        raise InputError(
            f"The Parquet file cannot be read: {_first_line(exc)}",
            file=str(path),
            fix="Check that the file is complete (not cut off while copying).",
        ) from exc
    return RawSource(path.stem, table, str(path), 0, "parquet", {})


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def read_frame(data: object, con: BaseBackend, name: str = "input") -> RawSource:
    """A pandas/polars/pyarrow frame or an Ibis table as a :class:`RawSource`."""
    from rfmkit.backend import as_table

    table = as_table(data, con)
    kind = "table" if isinstance(data, ibis.Table) else "frame"
    return RawSource(name, table, None, 0, kind, {})
