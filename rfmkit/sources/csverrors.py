"""Say what DuckDB's CSV reader met, in the user's terms: which line, what is wrong, what to do.

DuckDB's messages hide the cause: a 10 MB cell gives "CSV Error on Line: 1"
(the line of its sample, not of the file), a row with one field too many
gives "Error when sniffing file" with no line at all. When such an error
happens (never on a file that reads cleanly) the file is scanned once in
Python to find the line, and one :class:`InputError` names it.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from rfmkit.errors import InputError

_LINE_SIZE = re.compile(r"Maximum line size of (\d+) bytes exceeded")
_COLUMNS = re.compile(r"Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)")
_SNIFF = "Error when sniffing"
#: Characters of a line shown in a message.
SHOWN = 80


def explain(
    exc: Exception,
    *,
    file: str,
    readable: Path,
    delimiter: str | None,
    skip: int,
    width: int,
) -> InputError | None:
    """An :class:`InputError` naming the line behind DuckDB's error ``exc``, or None.

    ``readable`` is the UTF-8 file DuckDB read (the original or its copy),
    ``skip`` the lines before the header and ``width`` the header's fields.
    """
    text = str(exc)
    size = _LINE_SIZE.search(text)
    if size:
        return _too_long(file, readable, int(size.group(1)))
    if _COLUMNS.search(text) or _SNIFF in text:
        found = first_wide_record(readable, delimiter or ",", skip, width)
        if found is not None:
            line, fields, shown = found
            return InputError(
                f"Line {line} has {fields} fields where the header has {width}: {shown}",
                file=file,
                row=line,
                fix=f"A value holding the delimiter {delimiter or ','!r} must be quoted "
                '(for example "1,234.50"): fix or remove that line, or export the file '
                "again with quoted values.",
                details={"line": line, "fields": fields, "header_fields": width},
            )
    return None


def _too_long(file: str, readable: Path, limit: int) -> InputError:
    line, size = longest_line(readable, limit)
    if line is None:
        return InputError(
            f"A record is longer than the CSV reader's limit of {limit:,} bytes, though no "
            "line is: a quote opened in it is never closed.",
            file=file,
            fix="Find the cell whose opening quote has no closing quote, fix it and read again.",
            details={"limit": limit},
        )
    return InputError(
        f"Line {line} is {size:,} bytes long, longer than the CSV reader's limit of "
        f"{limit:,} bytes: one of its cells holds a very long text, or a quote opened "
        "there is never closed.",
        file=file,
        row=line,
        fix="Shorten or remove that cell (or close its quote) and read again; "
        "long free-text columns are best left out of the export.",
        details={"line": line, "bytes": size, "limit": limit},
    )


def longest_line(path: Path, limit: int) -> tuple[int | None, int]:
    """The first line of ``path`` longer than ``limit`` bytes and its length, else ``(None, 0)``."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if len(raw) > limit:
                return number, len(raw.rstrip(b"\r\n"))
    return None, 0


def first_wide_record(
    path: Path, delimiter: str, skip: int, width: int
) -> tuple[int, int, str] | None:
    """The first record of ``path`` with more than ``width`` fields: its line, fields and text."""
    previous = csv.field_size_limit(1 << 30)  # restored below: the limit is process-wide
    try:
        return _first_wide(path, delimiter, skip, width)
    finally:
        csv.field_size_limit(previous)


def _first_wide(path: Path, delimiter: str, skip: int, width: int) -> tuple[int, int, str] | None:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        for _ in range(skip + 1):  # the lines before the header, and the header
            handle.readline()
        reader = csv.reader(handle, delimiter=delimiter)
        start = skip + 2
        try:
            for cells in reader:
                if len(cells) > width:
                    shown = delimiter.join(cells)
                    shown = shown if len(shown) <= SHOWN else shown[: SHOWN - 3] + "..."
                    return start, len(cells), shown
                start = skip + 2 + reader.line_num
        except csv.Error:
            return None
    return None
