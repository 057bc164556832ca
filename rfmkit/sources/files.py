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

import glob
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

import ibis
from ibis.backends import BaseBackend

from rfmkit.backend import engine_name
from rfmkit.errors import InputError
from rfmkit.sources.base import RawSource
from rfmkit.sources.combine import read_error
from rfmkit.sources.excel import read_excel
from rfmkit.sources.textfiles import sniff_text
from rfmkit.sources.transcode import to_utf8

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".dat"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES | JSON_SUFFIXES


def expand_paths(inputs: Iterable[str | Path]) -> list[Path]:
    """Files named by ``inputs``: files as they are, globs expanded, folders listed.

    Raises
    ------
    InputError
        When a path does not exist or a glob or folder holds no readable file.
    """
    paths: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if _readable(p))
            if not found:
                raise InputError(
                    "The folder holds no CSV, Excel, Parquet or JSON file.",
                    file=text,
                    fix="Point to the files, or put them in the folder.",
                )
            paths.extend(found)
        elif path.is_file():
            paths.append(path)
        elif glob.has_magic(text):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not matches:
                raise InputError(
                    "No file matches the pattern.", file=text, fix="Check the pattern."
                )
            paths.extend(matches)
        else:
            raise InputError("File not found.", file=text, fix="Check the path and its spelling.")
    return paths


def _readable(path: Path) -> bool:
    return (
        path.is_file() and path.suffix.lower() in KNOWN_SUFFIXES and not path.name.startswith(".")
    )


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
        return _read_json(path, con)
    if suffix in TEXT_SUFFIXES or suffix == "":
        return read_text(path, con, mapping=mapping, encoding=encoding, delimiter=delimiter)
    raise InputError(
        f"Unsupported file type {suffix!r}.",
        file=str(path),
        fix="Use CSV/TSV/TXT, Excel .xlsx, Parquet or JSON files.",
    )


#: Encodings DuckDB reads by itself (no extension needed).
_DUCKDB_ENCODINGS = frozenset({"utf-8", "utf-16", "latin-1"})


def read_text(
    path: Path,
    con: BaseBackend,
    *,
    mapping: Mapping[str, str],
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RawSource:
    """Read a delimited text file, every column as text."""
    layout = sniff_text(path, encoding=encoding, delimiter=delimiter, mapping=mapping)
    info = {"encoding": layout.encoding, "delimiter": layout.delimiter, "skip": layout.skip}
    if engine_name(con) != "duckdb":
        table = con.read_csv(str(path))
        return RawSource(path.stem, table, str(path), 1, "csv", info)
    readable, encoding = path, layout.encoding
    if encoding not in _DUCKDB_ENCODINGS:  # GB18030 & co.: decoded by Python, see transcode.py
        readable, encoding = to_utf8(path, encoding), "utf-8"
    args = [
        _sql_string(str(readable)),
        "header = true",
        "null_padding = true",
        f"encoding = {_sql_string(encoding)}",
        f"skip = {layout.skip}",
    ]
    if layout.delimiter:
        args.append(f"delim = {_sql_string(layout.delimiter)}")
    source = RawSource(
        path.stem, ibis.memtable({"_": [0]}), str(path), layout.skip + 1, "csv", info
    )
    try:
        source.table = con.sql(
            f"SELECT * FROM read_csv({', '.join([*args, 'all_varchar = true'])})"
        )
    except Exception as exc:
        raise read_error(exc, source) from exc
    if encoding == "utf-8":
        source.typed = lambda text: _typed_csv(con, args, text)
    return source


#: Formats the sniffer may type as dates: ISO only, whatever ``dayfirst`` says.
_TYPED_FORMATS = ("dateformat = '%Y-%m-%d'", "timestampformat = '%Y-%m-%d %H:%M:%S'")


def _typed_csv(con: BaseBackend, args: list[str], text: Collection[str]) -> ibis.Table:
    """``read_csv`` with sniffed types, the columns ``text`` kept as text."""
    types = ", ".join(f"{_sql_string(c)}: 'VARCHAR'" for c in text)
    typed = [*args, *_TYPED_FORMATS, f"types = {{{types}}}"] if text else [*args, *_TYPED_FORMATS]
    return con.sql(f"SELECT * FROM read_csv({', '.join(typed)})")


def _read_parquet(path: Path, con: BaseBackend) -> RawSource:
    try:
        if engine_name(con) == "duckdb":  # numbered while scanned, in parallel
            table = con.sql(
                "SELECT file_row_number + 1 AS _row, * EXCLUDE (file_row_number) "
                f"FROM read_parquet({_sql_string(str(path))}, file_row_number = true)"
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


def _read_json(path: Path, con: BaseBackend) -> RawSource:
    try:
        if engine_name(con) == "duckdb":
            table = con.sql(f"SELECT * FROM read_json_auto({_sql_string(str(path))})")
        else:
            table = con.read_json(str(path))
    except Exception as exc:
        raise InputError(
            f"The JSON file cannot be read: {_first_line(exc)}",
            file=str(path),
            fix="Use an array of records ([{...}, ...]) or JSON Lines (one record per line).",
        ) from exc
    return RawSource(path.stem, table, str(path), 0, "json", {})


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
