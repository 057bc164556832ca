"""Inputs that Spark reads itself: paths and URIs, folders, globs and catalog tables.

On a remote session (Spark Connect, or a cluster's master) no input is read
on this machine: ``s3a://``, ``hdfs://``, ``abfss://``, ``file://`` URIs,
globs and folders of CSV, JSON or Parquet files are handed to Spark's own
readers, and catalog tables (``db.orders``) are read from Spark's catalog.
Only a few lines are sampled, through Spark, to decide a text file's
encoding, delimiter and header line exactly as for DuckDB
(:mod:`rfmkit.sources.textfiles`); every column is then read as text and
parsed on the executors by the same Ibis expressions as on DuckDB.

Rows are numbered where they lie (:mod:`rfmkit.spark.numbering`), so the
rejects name their lines (for a single file; across the files of a folder
the numbers count rows of the whole input).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import ibis
from ibis.backends import BaseBackend

from rfmkit.backend import is_remote
from rfmkit.errors import InputError
from rfmkit.sources.base import RawSource
from rfmkit.sources.encodings import decide
from rfmkit.sources.paths import (
    EXCEL_SUFFIXES,
    JSON_SUFFIXES,
    PARQUET_SUFFIXES,
    TEXT_SUFFIXES,
)
from rfmkit.sources.textfiles import _layout, quoted_line_breaks
from rfmkit.spark.numbering import numbered
from rfmkit.spark.session import functions, session_of

#: Lines sampled (through Spark) to decide a text file's encoding and layout.
SAMPLE_LINES = 200
#: An Excel workbook is read on the driver (then sent to Spark) only up to this size.
DRIVER_EXCEL_BYTES = 20 << 20
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:/")
#: Python's names of encodings as Java (Spark's reader) spells them.
JAVA_ENCODINGS = {
    "utf-8": "UTF-8",
    "gb18030": "GB18030",
    "latin-1": "ISO-8859-1",
    "cp1252": "windows-1252",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "big5": "Big5",
    "shift_jis": "Shift_JIS",
}


def has_scheme(item: str | Path) -> bool:
    """Whether ``item`` is a URI (``s3a://``, ``hdfs://``, ``file:/`` ...), not a local path."""
    return isinstance(item, str) and bool(_SCHEME.match(item))


def spark_reads(item: str | Path, con: BaseBackend) -> bool:
    """Whether Spark itself reads ``item``: a URI, or any path on a remote session."""
    return has_scheme(item) or is_remote(con)


def spark_path(item: str | Path) -> str:
    """``item`` as Spark's readers take it: URIs as given, local paths made absolute."""
    text = str(item)
    if has_scheme(text):
        return text
    return "file://" + str(Path(text).expanduser().absolute())


def read_input(
    item: str | Path,
    con: BaseBackend,
    *,
    mapping: Mapping[str, str],
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> RawSource:
    """One input (a file, folder, glob or URI) read by Spark into a :class:`RawSource`.

    Raises
    ------
    InputError
        When the input holds no readable file, mixes formats, is an Excel
        workbook Spark cannot read at scale, or cannot be read.
    """
    uri = spark_path(item)
    kind = _kind(item, uri, con)
    name = _stem(uri)
    if kind == "excel":
        return _small_excel(item, con, mapping=mapping, sheet=sheet)
    session = session_of(con)
    info: dict[str, Any] = {}
    header = 0
    try:
        if kind == "parquet":
            frame = session.read.parquet(uri)
        elif kind == "json":
            frame = _json(session, uri)
        else:
            frame, header, info = _csv(session, uri, name, mapping, encoding, delimiter)
        table = _view(con, numbered(frame))
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"Spark cannot read the input: {_first_line(exc)}",
            file=uri,
            fix="Check the path or URI, the format and the cluster's access to it.",
        ) from exc
    file = uri if has_scheme(item) else str(item)
    return RawSource(name, table, file, header, "csv" if kind == "text" else kind, info)


def read_catalog(con: BaseBackend, table: str) -> RawSource:
    """A table of Spark's catalog (``db.orders``, ``catalog.db.orders``), read where it lies."""
    session = session_of(con)
    try:
        frame = session.table(table)
        view = _view(con, numbered(frame))
    except Exception as exc:
        raise InputError(
            f"Spark has no table {table!r}: {_first_line(exc)}",
            file=table,
            fix="Name a table of Spark's catalog (SHOW TABLES), e.g. --table sales.orders.",
        ) from exc
    return RawSource(table.rsplit(".", 1)[-1], view, table, 0, "database", {})


def _view(con: BaseBackend, frame: Any) -> ibis.Table:
    name = ibis.util.gen_name("rfm_spark_input")
    frame.createOrReplaceTempView(name)
    return con.table(name)


def _kind(item: str | Path, uri: str, con: BaseBackend) -> str:
    """``text``, ``parquet``, ``json`` or ``excel``: from the name, or the files of a folder."""
    suffixes = {_suffix(uri)} - {""}
    if not suffixes:
        suffixes = _folder_suffixes(item, uri, con)
    kinds = {_KINDS.get(s) for s in suffixes}
    kinds.discard(None)
    if len(kinds) != 1:
        found = ", ".join(sorted(suffixes)) or "none"
        raise InputError(
            f"The input holds no single kind of readable file (found: {found}).",
            file=uri,
            fix="Name one folder or glob of CSV, JSON or Parquet files, e.g. orders/*.parquet.",
        )
    return str(kinds.pop())


_KINDS: dict[str, str] = {
    **{s: "text" for s in TEXT_SUFFIXES},
    **{s: "parquet" for s in PARQUET_SUFFIXES},
    **{s: "json" for s in JSON_SUFFIXES},
    **{s: "excel" for s in EXCEL_SUFFIXES},
}


def _suffix(uri: str) -> str:
    last = uri.rstrip("/").rsplit("/", 1)[-1]
    return PurePosixPath(last).suffix.lower()


def _stem(uri: str) -> str:
    parts = [p for p in uri.rstrip("/").split("/") if p and not any(c in p for c in "*?[{")]
    return PurePosixPath(parts[-1]).stem if parts else "input"


def _folder_suffixes(item: str | Path, uri: str, con: BaseBackend) -> set[str]:
    """The file suffixes of a folder: listed here when local, else by Spark (names only)."""
    local = Path(str(item))
    if not has_scheme(item) and local.is_dir():
        return {p.suffix.lower() for p in local.rglob("*") if p.is_file() and p.suffix}
    F = functions(session_of(con))
    listing = (
        session_of(con)
        .read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(uri)
        .select(F.col("path"))
        .limit(1000)
        .collect()
    )
    return {_suffix(row["path"]) for row in listing if not _hidden(row["path"])} - {""}


def _hidden(path: str) -> bool:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name.startswith(("_", "."))


def _json(session: Any, uri: str) -> Any:
    """JSON Lines, or one array of records per file (``multiLine``)."""
    first = session.read.text(uri).limit(1).collect()
    array = bool(first) and str(first[0][0]).lstrip("\ufeff \t").startswith("[")
    return session.read.option("multiLine", str(array).lower()).json(uri)


def _csv(
    session: Any,
    uri: str,
    name: str,
    mapping: Mapping[str, str],
    encoding: str | None,
    delimiter: str | None,
) -> tuple[Any, int, dict[str, Any]]:
    """A delimited text input, every column as text, its title and header lines left out."""
    sample = _sample(session, uri)
    if not sample.strip():
        raise InputError("The file is empty.", file=uri, fix="Export the data again.")
    found = decide(sample, Path(name), encoding)
    python_name = {"utf-8": "utf-8-sig"}.get(found.name, found.name)
    lines = sample.decode(python_name, errors="replace").splitlines()
    layout = _layout(
        lines[:50], found.name, delimiter, mapping, Path(uri.rsplit("/", 1)[-1]), False
    )
    columns = _names(layout.columns)
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(f"_c{i}", StringType()) for i in range(len(columns))])
    multiline = quoted_line_breaks(lines)
    frame = (
        session.read.format("csv")
        .schema(schema)
        .option("header", "false")
        .option("sep", layout.delimiter or "\u0001")
        .option("encoding", JAVA_ENCODINGS.get(found.name, found.name))
        .option("quote", '"')
        .option("escape", '"')
        .option("multiLine", str(multiline).lower())
        .option("mode", "PERMISSIVE")
        .load(uri)
    )
    above = lines[: layout.skip + 1]  # title lines and the header, in every file
    frame = frame.filter(~_any_line(functions(session), above, layout.delimiter, len(columns)))
    frame = frame.toDF(*columns)
    info: dict[str, Any] = {
        "encoding": found.name,
        "delimiter": layout.delimiter,
        "skip": layout.skip,
    }
    if multiline:
        info["multiline"] = True
    if found.note:
        info["encoding_note"] = found.note
    return frame, layout.skip + 1, info


def _sample(session: Any, uri: str) -> bytes:
    """The first lines of the input as bytes (read through Spark as Latin-1, byte for byte)."""
    rows = (
        session.read.format("csv")
        .schema("line string")
        .option("header", "false")
        .option("sep", "\u0001")
        .option("quote", "")
        .option("encoding", "ISO-8859-1")
        .load(uri)
        .limit(SAMPLE_LINES)
        .collect()
    )
    return b"\n".join((row["line"] or "").encode("latin-1") for row in rows)


def _any_line(F: Any, lines: list[str], delimiter: str | None, width: int) -> Any:
    """Whether a row (of ``_c0`` ...) is one of ``lines`` (cells compared trimmed)."""
    found = F.lit(False)
    for line in lines:
        cells = _cells(line, delimiter)[:width]
        same = F.lit(True)
        for i in range(width):
            cell = cells[i].strip() if i < len(cells) else ""
            column = F.col(f"_c{i}")
            if i == 0:
                column = F.regexp_replace(column, "^\ufeff", "")
            same = same & (F.trim(column).isNull() if cell == "" else F.trim(column) == cell)
        found = found | same
    return F.coalesce(found, F.lit(False))


def _cells(line: str, delimiter: str | None) -> list[str]:
    if not delimiter:
        return [line]
    return next(csv.reader(io.StringIO(line), delimiter=delimiter), [])


def _names(header: tuple[str, ...]) -> list[str]:
    """Column names from the header cells: blanks named, repeats numbered."""
    names: list[str] = []
    for i, cell in enumerate(header):
        base = cell.strip().lstrip("\ufeff") or f"column{i}"
        name, n = base, 1
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return names


def _small_excel(
    item: str | Path, con: BaseBackend, *, mapping: Mapping[str, str], sheet: str | None
) -> RawSource:
    """A small local workbook read here and sent to Spark; anything else is refused."""
    path = Path(str(item))
    if has_scheme(item) or not path.is_file():
        raise InputError(
            "Spark cannot read Excel workbooks.",
            file=str(item),
            fix="Save the sheets as CSV (or Parquet) next to it, or read the workbook "
            "with --engine duckdb.",
        )
    size = path.stat().st_size
    if size > DRIVER_EXCEL_BYTES:
        raise InputError(
            f"The workbook is too large to read on this machine for Spark "
            f"({size >> 20} MB; at most {DRIVER_EXCEL_BYTES >> 20} MB).",
            file=str(path),
            fix="Save its sheets as CSV or Parquet where the cluster reads them.",
        )
    from rfmkit.sources.excel import read_excel

    raw = read_excel(path, con, sheet=sheet, mapping=mapping)
    raw.info["read_on_driver"] = True
    return raw


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
