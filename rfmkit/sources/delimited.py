"""DuckDB's ``read_csv`` over a sniffed text file: fast parallel read, quote-aware when needed.

DuckDB reads a CSV in parallel, but its parallel reader refuses quoted cells
that span lines together with ``null_padding`` (short rows padded with
NULL). A file whose sample shows such a cell is therefore read by the
single-threaded reader from the start; a file that shows one only further
on is read again that way when the parallel read meets it
(:attr:`RawSource.serial`). Plain files keep the parallel read.

In the single-threaded read every row gets ``_line``, the physical line
where its record starts: its position plus the line breaks inside the
records before it.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import ibis
from ibis.backends import BaseBackend

from rfmkit.sources.base import RawSource
from rfmkit.sources.combine import read_error
from rfmkit.sources.paths import engine_path
from rfmkit.sources.textfiles import TextLayout
from rfmkit.sources.transcode import to_utf8

#: Encodings DuckDB reads by itself (no extension needed).
DUCKDB_ENCODINGS = frozenset({"utf-8", "utf-16", "latin-1"})

#: Formats the sniffer may type as dates: ISO only, whatever ``dayfirst`` says.
TYPED_FORMATS = ("dateformat = '%Y-%m-%d'", "timestampformat = '%Y-%m-%d %H:%M:%S'")


def read_delimited(
    path: Path,
    con: BaseBackend,
    layout: TextLayout,
    *,
    serial: bool | None = None,
    utf8: Path | None = None,
) -> RawSource:
    """Read the text file ``path`` laid out as ``layout``, every column as text.

    ``serial`` forces the single-threaded, quote-aware read (default: when
    the sniffed sample holds a quoted cell spanning lines); ``utf8`` is a
    UTF-8 copy of ``path`` already made.
    """
    serial = layout.multiline if serial is None else serial
    info = {"encoding": layout.encoding, "delimiter": layout.delimiter, "skip": layout.skip}
    if serial:
        info["multiline"] = True
    readable, encoding = path, layout.encoding
    if utf8 is not None:
        readable, encoding = utf8, "utf-8"
    elif encoding not in DUCKDB_ENCODINGS:  # GB18030 & co.: decoded by Python (transcode.py)
        readable, encoding = to_utf8(path, encoding), "utf-8"
    args = [
        _sql_string(engine_path(readable)),
        "header = true",
        "null_padding = true",
        "quote = '\"'",  # else a sample without quotes reads later quoted cells as text
        f"encoding = {_sql_string(encoding)}",
        f"skip = {layout.skip}",
    ]
    if layout.delimiter:
        args.append(f"delim = {_sql_string(layout.delimiter)}")
    if serial:
        args.append("parallel = false")
    header = layout.skip + 1
    source = RawSource(path.stem, ibis.memtable({"_": [0]}), str(path), header, "csv", info)
    try:
        source.table = con.sql(_query([*args, "all_varchar = true"], header, serial))
    except Exception as exc:
        raise read_error(exc, source) from exc
    if encoding == "utf-8":
        source.typed = lambda text: _typed_csv(con, args, text, header, serial)
    if not serial:
        copy = readable if readable != path else None
        source.serial = lambda: read_delimited(path, con, layout, serial=True, utf8=copy)
    return source


def _query(args: list[str], header: int, serial: bool) -> str:
    scan = f"read_csv({', '.join(args)})"
    if not serial:
        return f"SELECT * FROM {scan}"
    cells = "concat_ws('', *COLUMNS(*))"
    breaks = f"length({cells}) - length(replace({cells}, chr(10), ''))"
    before = "ORDER BY _pos ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    return (
        "SELECT * EXCLUDE (_pos, _breaks), "
        f"CAST({header} + _pos + coalesce(sum(_breaks) OVER ({before}), 0) AS BIGINT) AS _line "
        f"FROM (SELECT *, row_number() OVER () AS _pos, {breaks} AS _breaks FROM {scan})"
    )


def _typed_csv(
    con: BaseBackend, args: list[str], text: Collection[str], header: int, serial: bool
) -> ibis.Table:
    """``read_csv`` with sniffed types, the columns ``text`` kept as text."""
    types = ", ".join(f"{_sql_string(c)}: 'VARCHAR'" for c in text)
    typed = [*args, *TYPED_FORMATS, f"types = {{{types}}}"] if text else [*args, *TYPED_FORMATS]
    return con.sql(_query(typed, header, serial))


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
