"""Look at the first bytes of a text file: is it text, which encoding, which layout.

DuckDB reads the whole file; this module only decides how to call it, from a
sample of the first megabyte: the encoding (BOM, UTF-8, GB18030), the
delimiter and the line of the header (exports often start with a title line).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rfmkit.errors import InputError
from rfmkit.sources.columns import find_header_row, header_score

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")

#: Spellings users write, mapped to the names DuckDB's CSV reader knows.
ENCODING_NAMES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf8-sig": "utf-8",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "cp936": "gb18030",
    "gb-18030": "gb18030",
    "latin1": "latin-1",
    "latin-1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
    "utf-16": "utf-16",
    "utf16": "utf-16",
    "big5": "big5",
    "shift_jis": "shift_jis",
    "sjis": "shift_jis",
}

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


def duckdb_encoding(name: str) -> str:
    """The DuckDB name of encoding ``name`` (``gbk`` → ``gb18030``)."""
    return ENCODING_NAMES.get(name.strip().lower(), name.strip().lower())


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
    chosen = duckdb_encoding(encoding) if encoding else detect_encoding(sample, path)
    text = _decode(sample, chosen, path, whole)
    lines = text.splitlines()
    if not whole and len(lines) > 1:
        lines = lines[:-1]
    if not any(line.strip() for line in lines):
        raise InputError(
            "The file is empty.", file=str(path), fix="Export the data again, with its rows."
        )
    layout = _layout(lines[:50], chosen, delimiter, mapping or {}, path, whole)
    return dataclasses.replace(layout, multiline=quoted_line_breaks(lines))


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
    utf16 = sample.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in sample and not utf16:
        raise InputError(
            "The file is not text: it contains binary data (NUL bytes).",
            file=str(path),
            row=sample[: sample.index(b"\x00")].count(b"\n") + 1,
            fix="Check that this is the exported CSV and not a damaged or binary file.",
        )


def detect_encoding(sample: bytes, path: Path) -> str:
    """``utf-8`` (with or without BOM), ``utf-16`` (BOM) or ``gb18030``."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for name in ("utf-8", "gb18030"):
        if _decodes(sample, name):
            return name
    raise InputError(
        "Cannot tell the text encoding of the file: it is neither UTF-8 nor GBK/GB18030.",
        file=str(path),
        row=_first_bad_line(sample),
        fix="Give the encoding with --encoding (for example latin-1, cp1252, big5), "
        "or save the file as UTF-8.",
    )


def _decodes(sample: bytes, name: str) -> bool:
    for cut in range(4):  # the sample may end inside a character
        try:
            sample[: len(sample) - cut].decode(name)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _first_bad_line(sample: bytes) -> int:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return sample[: exc.start].count(b"\n") + 1
    return 1


def _decode(sample: bytes, encoding: str, path: Path, whole: bool) -> str:
    python_name = {"utf-8": "utf-8-sig"}.get(encoding, encoding)
    try:
        data = sample if whole else sample[: sample.rfind(b"\n") + 1] or sample
        return data.decode(python_name)
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
        if _decodes(sample, name):
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
    chosen = delim if (score or delimiter) else None
    return TextLayout(encoding, chosen, skip if score else 0, tuple(header))


def _split(lines: list[str], delimiter: str) -> list[list[str]]:
    try:
        reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error:
        return [line.split(delimiter) for line in lines]
