"""Look at the first bytes of a text file: is it text, which encoding, which layout.

DuckDB reads the whole file; this module only decides how to call it, from a
sample of the first megabyte: the encoding (BOM, UTF-8, GB18030), the
delimiter and the line of the header (exports often start with a title line).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rfmkit.errors import InputError
from rfmkit.sources.columns import find_header_row, header_score
from rfmkit.sources.encodings import UTF8_BOM, decide, decodes, duckdb_encoding, utf16_without_bom

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")

_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx file?)",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls / Office file",
    b"PAR1": "a Parquet file",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "a program",
    b"SQLite format 3": "a SQLite database",
}


@dataclass(frozen=True)
class TextLayout:
    """How to read a delimited text file."""

    encoding: str
    delimiter: str | None
    skip: int
    columns: tuple[str, ...]
    #: Some quoted cell of the sample spans lines.
    multiline: bool = False
    #: Some line does not decode in ``encoding``: read through :mod:`.transcode`,
    #: such lines quarantined (``undecodable_line``).
    mixed: bool = False
    #: What the encoding decision saw, for the quality report (or None).
    note: str | None = None


__all__ = ["TextLayout", "duckdb_encoding", "quoted_line_breaks", "sniff_text"]


def sniff_text(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> TextLayout:
    """Decide encoding, delimiter and header line of the text file ``path``.

    Raises
    ------
    InputError
        For an empty, header-only, binary or undecodable file.
    """
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES + 1)
    whole = len(sample) <= SAMPLE_BYTES
    sample = sample[:SAMPLE_BYTES]
    _refuse_binary(sample, path)
    found = decide(sample, path, encoding)
    chosen = found.name
    text = _decode(sample, chosen, path, whole, replace=found.mixed)
    lines = text.splitlines()
    if not whole and len(lines) > 1:
        lines = lines[:-1]
    if not any(line.strip() for line in lines):
        raise InputError(
            "The file is empty.", file=str(path), fix="Export the data again, with its rows."
        )
    layout = _layout(lines[:50], chosen, delimiter, mapping or {}, path, whole)
    return dataclasses.replace(
        layout, multiline=quoted_line_breaks(lines), mixed=found.mixed, note=found.note
    )


def quoted_line_breaks(lines: list[str]) -> bool:
    """Whether a quoted cell spans lines: some line holds an odd number of quotes."""
    return any(line.count('"') % 2 for line in lines)


def _refuse_binary(sample: bytes, path: Path) -> None:
    for magic, what in _MAGIC.items():
        if sample.startswith(magic):
            raise InputError(
                f"The file is not text: it looks like {what}.",
                file=str(path),
                fix="Give the file its real extension (.xlsx, .parquet) or export it as CSV.",
            )
    utf16 = sample.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(sample)
    if b"\x00" in sample and not utf16:
        raise InputError(
            "The file is not text: it contains binary data (NUL bytes).",
            file=str(path),
            row=sample[: sample.index(b"\x00")].count(b"\n") + 1,
            fix="Check that this is the exported CSV and not a damaged or binary file.",
        )


def _decode(sample: bytes, encoding: str, path: Path, whole: bool, *, replace: bool) -> str:
    python_name = {"utf-8": "utf-8-sig", "utf-16": "utf-16"}.get(encoding, encoding)
    if encoding != "utf-8" and sample.startswith(UTF8_BOM):
        sample = sample[len(UTF8_BOM) :]
    try:  # an incremental decoder: the sample may end inside a character
        decoder = codecs.getincrementaldecoder(python_name)("replace" if replace else "strict")
        return str(decoder.decode(sample, final=whole))
    except LookupError as exc:
        raise InputError(
            f"Unknown text encoding {encoding!r}.",
            file=str(path),
            fix="Use utf-8, gbk, gb18030, latin-1, cp1252, big5 or shift_jis.",
        ) from exc
    except UnicodeDecodeError as exc:
        line = sample[: exc.start].count(b"\n") + 1
        raise InputError(
            f"The file is not valid {encoding} text.",
            file=str(path),
            row=line,
            fix=f"Give the right encoding with --encoding (detected: {_guess(sample)}).",
        ) from exc


def _guess(sample: bytes) -> str:
    for name in ("utf-8", "gb18030"):
        if decodes(sample, name):
            return name
    return "unknown"


def _layout(
    lines: list[str],
    encoding: str,
    delimiter: str | None,
    mapping: Mapping[str, str],
    path: Path,
    whole: bool,
) -> TextLayout:
    if delimiter is None and path.suffix.lower() == ".tsv":
        delimiter = "\t"
    candidates = (delimiter,) if delimiter else DELIMITERS
    best: tuple[int, int, str, int, list[str]] | None = None
    for delim in candidates:
        rows = _split(lines, delim)
        skip = find_header_row(rows, mapping)
        score = header_score(rows[skip], mapping) if rows else 0
        width = len(rows[skip]) if rows else 0
        key = (score, width, delim, skip, rows[skip] if rows else [])
        if best is None or key[:2] > best[:2]:
            best = key
    assert best is not None
    score, _, delim, skip, header = best
    if whole and not any(line.strip() for line in lines[skip + 1 :]):
        raise InputError(
            "The file has a header but no data rows.",
            file=str(path),
            row=skip + 2,
            fix="Export the data again, with its rows.",
        )
    if len(header) <= 1:
        _refuse_unsplit(lines, skip, delimiter, path)
    chosen = delim if (score or delimiter) else None
    return TextLayout(encoding, chosen, skip if score else 0, tuple(header))


#: Characters that never separate fields in a header (parts of names, dates, quotes).
_NOT_SEPARATORS = frozenset(" _-.()[]{}'\"/:%&+*（）【】")


def _refuse_unsplit(lines: list[str], skip: int, delimiter: str | None, path: Path) -> None:
    """A header of one column: when another character splits it, say so and name it."""
    rows = [line for line in lines[skip : skip + 6] if line.strip()]
    better = separator(rows, exclude=delimiter)
    if better is None:
        return
    header = rows[0] if len(rows[0]) <= 80 else rows[0][:77] + "..."
    where = f"line {skip + 1}: {header}"
    if delimiter:
        raise InputError(
            f"The delimiter {delimiter!r} given does not split the header ({where}); "
            f"{better!r} does.",
            file=str(path),
            row=skip + 1,
            fix=f"Give --delimiter {shell_quote(better)}, or leave --delimiter out to detect it.",
            details={"delimiter": better},
        )
    raise InputError(
        f"The header is one column ({where}): its fields seem separated by {better!r}.",
        file=str(path),
        row=skip + 1,
        fix=f"Give the separator: --delimiter {shell_quote(better)}.",
        details={"delimiter": better},
    )


def separator(rows: list[str], exclude: str | None = None) -> str | None:
    """The character that splits the first of ``rows`` into most fields, as it splits the rest.

    Candidates are the usual delimiters and every punctuation character of
    the header (``#``, ``~``, ``^`` ...); one counts only when it gives the
    header at least two fields and every following row as many.
    """
    if not rows:
        return None
    marks = [c for c in dict.fromkeys(rows[0]) if _punctuation(c)]
    best: tuple[int, str] | None = None
    for mark in dict.fromkeys([*DELIMITERS, *marks]):
        if mark == exclude:
            continue
        widths = {len(row) for row in _split(rows, mark)}
        width = len(_split(rows[:1], mark)[0])
        if width >= 2 and widths == {width} and (best is None or width > best[0]):
            best = (width, mark)
    return best[1] if best else None


def _punctuation(char: str) -> bool:
    return not char.isalnum() and not char.isspace() and char not in _NOT_SEPARATORS


def shell_quote(text: str) -> str:
    """``text`` as a shell word (a tab as ``$'\\t'``)."""
    if text == "\t":
        return "$'\\t'"
    return "'" + text.replace("'", "'\\''") + "'"


def _split(lines: list[str], delimiter: str) -> list[list[str]]:
    try:
        reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error:
        return [line.split(delimiter) for line in lines]
