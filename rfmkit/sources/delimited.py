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

A file with lines that do not decode in its encoding (seen in the sample,
or met by DuckDB further on) is read from a UTF-8 copy in which those lines
carry U+FFFD; loading quarantines them (``undecodable_line``, see
:mod:`.transcode`). Errors DuckDB reports without their cause (a line
beyond its size limit, a row with a field too many) are explained with
their line (:mod:`.csverrors`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from pathlib import Path

import duckdb
import ibis
from ibis.backends import BaseBackend

from rfmkit.errors import InputError
from rfmkit.sources.base import RawSource
from rfmkit.sources.combine import read_error
from rfmkit.sources.csverrors import explain
from rfmkit.sources.paths import engine_path
from rfmkit.sources.textfiles import TextLayout
from rfmkit.sources.transcode import Utf8Copy, to_utf8

#: Line numbers of undecodable lines kept in the report (the rule counts them all).
SHOWN_LINES = 20

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
    utf8: Utf8Copy | None = None,
) -> RawSource:
    """Read the text file ``path`` laid out as ``layout``, every column as text.

    ``serial`` forces the single-threaded, quote-aware read (default: when
    the sniffed sample holds a quoted cell spanning lines); ``utf8`` is a
    UTF-8 copy of ``path`` already made.

    Raises
    ------
    InputError
        When DuckDB cannot read the file, naming the line when it can be found.
    """
    serial = layout.multiline if serial is None else serial
    copy = utf8
    if copy is None and (layout.mixed or layout.encoding not in DUCKDB_ENCODINGS):
        copy = to_utf8(path, layout.encoding, quarantine=True)  # GB18030 & co.: transcode.py
    readable, encoding = (path, layout.encoding) if copy is None else (copy.path, "utf-8")
    info = _info(layout, serial, copy, path)
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

    def retry(exc: Exception) -> RawSource | None:
        """The file read again as ``exc`` asks, or None; raises when the cause is known."""
        text = str(exc)
        if "quoted new lines" in text and not serial:
            return read_delimited(path, con, layout, serial=True, utf8=copy)
        if copy is None and ("Invalid unicode" in text or "byte sequence mismatch" in text):
            return read_delimited(path, con, dataclasses.replace(layout, mixed=True), serial=serial)
        width = len(layout.columns)
        explained = explain(
            exc,
            file=str(path),
            readable=readable,
            delimiter=layout.delimiter,
            skip=layout.skip,
            width=width,
        )
        if explained is not None:
            raise explained from exc
        return None

    try:
        source.table = con.sql(_query([*args, "all_varchar = true"], header, serial))
    except duckdb.Error as exc:
        again = retry(exc)
        if again is not None:
            return again
        raise read_error(exc, source) from exc
    except Exception as exc:
        raise read_error(exc, source) from exc
    if encoding == "utf-8":
        source.typed = lambda text: _typed_csv(con, args, text, header, serial)
    if not serial:
        source.serial = lambda: read_delimited(path, con, layout, serial=True, utf8=copy)
    source.retry = retry
    return source


def _info(layout: TextLayout, serial: bool, copy: Utf8Copy | None, path: Path) -> dict[str, object]:
    """What the report shows of the read: encoding, delimiter, lines that did not decode."""
    info: dict[str, object] = {
        "encoding": layout.encoding,
        "delimiter": layout.delimiter,
        "skip": layout.skip,
    }
    if serial:
        info["multiline"] = True
    if layout.note:
        info["encoding_note"] = layout.note
    if copy is not None and copy.undecodable:
        if layout.skip + 1 in copy.undecodable:
            raise InputError(
                f"The header line is not valid {layout.encoding} text, unlike most of the file.",
                file=str(path),
                row=layout.skip + 1,
                fix="Save the file again in one encoding (UTF-8), or give the header's "
                "encoding with --encoding.",
            )
        info["undecodable_lines"] = list(copy.undecodable[:SHOWN_LINES])
    return info


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
