"""Re-encode a text file to UTF-8, streaming, for encodings DuckDB reads badly.

DuckDB 1.5's ``encodings`` extension corrupts or rejects bytes at its buffer
boundaries in large GB18030 files (seen on a 10M-row export: an ASCII byte
read as ``?`` at line 858,573). rfmkit therefore decodes such files itself,
16 MB at a time, into a private temporary UTF-8 file that DuckDB then reads
at full speed. Line breaks are kept, so line numbers are those of the
original file.

Each block of whole lines is decoded in one call (no work per line). Only a
block that fails to decode is looked at line by line: with ``quarantine``
the lines that do not decode are written with U+FFFD in place of their bad
bytes, so that the row stays where it was and loading quarantines it
(:func:`undecodable_rows`, rule ``undecodable_line``); without it the first
such line stops the run.

The copy lives in one private folder, removed when Python exits; a copy
left half-written by an error, Ctrl-C or SIGTERM is removed at once.
"""

from __future__ import annotations

import atexit
import codecs
import functools
import operator
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

import ibis

from rfmkit.errors import InputError
from rfmkit.sources.encodings import UTF8_BOM

CHUNK = 16 << 20
#: More lines than this that do not decode: the file is in another encoding, not "mixed".
MAX_UNDECODABLE = 1000
REPLACEMENT = "\ufffd"
_folder: Path | None = None


@dataclass(frozen=True)
class Utf8Copy:
    """A UTF-8 copy of a text file and the lines of the original that did not decode."""

    path: Path
    undecodable: tuple[int, ...] = field(default=())


def to_utf8(path: Path, encoding: str, *, quarantine: bool = False) -> Utf8Copy:
    """A UTF-8 copy of ``path`` (decoded from ``encoding``), removed when Python exits.

    With ``quarantine``, lines that do not decode are kept with U+FFFD in
    place of their bad bytes and listed in :attr:`Utf8Copy.undecodable`.

    Raises
    ------
    InputError
        With the line of the first byte that is not valid ``encoding``
        (with ``quarantine``: when more than :data:`MAX_UNDECODABLE` lines fail).
    """
    folder = _temp_folder()
    handle, name = tempfile.mkstemp(prefix=f"{path.stem[:40]}-", suffix=".csv", dir=folder)
    target = Path(name)
    try:
        with path.open("rb") as src, open(handle, "w", encoding="utf-8", newline="") as dst:
            if _by_lines(encoding):
                bad = _copy_lines(src, dst, encoding, path, quarantine)
            else:
                bad = []
                _copy_stream(src, dst, encoding, path)
    except BaseException:  # an error, Ctrl-C or SIGTERM: leave nothing behind
        target.unlink(missing_ok=True)
        raise
    return Utf8Copy(target, tuple(bad))


def _by_lines(encoding: str) -> bool:
    """Whether ``encoding`` writes a line break as the byte ``\\n`` (blocks of lines decode alone)."""
    try:
        return "\n".encode(encoding) == b"\n" and not encoding.lower().startswith("utf-16")
    except LookupError:
        return False


def _blocks(src: BinaryIO) -> Iterator[bytes]:
    """The file in blocks of whole lines (the last one may lack its line break)."""
    rest = src.read(len(UTF8_BOM))
    if rest == UTF8_BOM:  # a byte-order mark is not text, in UTF-8 or before GBK
        rest = b""
    while True:
        chunk = src.read(CHUNK)
        if not chunk:
            if rest:
                yield rest
            return
        data = rest + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        rest = data[cut:]
        yield data[:cut]


def _copy_lines(
    src: BinaryIO, dst: TextIO, encoding: str, path: Path, quarantine: bool
) -> list[int]:
    python_name = "utf-8-sig" if encoding == "utf-8" else encoding
    bad: list[int] = []
    line = 1
    for block in _blocks(src):
        try:
            dst.write(block.decode(python_name))
        except UnicodeDecodeError as exc:
            if not quarantine:
                raise _not_valid(encoding, path, line + block[: exc.start].count(b"\n")) from exc
            dst.write(_decode_lines(block, python_name, line, bad))
            if len(bad) > MAX_UNDECODABLE:
                raise _too_many(encoding, path, bad) from exc
        python_name = encoding  # a BOM only at the very start
        line += block.count(b"\n")
    return bad


def _decode_lines(block: bytes, encoding: str, first: int, bad: list[int]) -> str:
    """``block`` decoded line by line; lines that fail get U+FFFD and are added to ``bad``."""
    parts = []
    pieces = block.split(b"\n")
    ends = [b"\n"] * (len(pieces) - 1) + [b""]
    for number, (piece, end) in enumerate(zip(pieces, ends, strict=True), first):
        raw = piece + end
        try:
            parts.append(raw.decode(encoding))
        except UnicodeDecodeError:
            bad.append(number)
            parts.append(raw.decode(encoding, errors="replace"))
    return "".join(parts)


def _copy_stream(src: BinaryIO, dst: TextIO, encoding: str, path: Path) -> None:
    """UTF-16 and other encodings whose line break is not one byte: an incremental decoder."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 1
    while True:
        chunk = src.read(CHUNK)
        pending = decoder.getstate()[0] + chunk  # what the decoder sees
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            done = pending[: exc.start - exc.start % 2].decode(encoding, errors="ignore")
            raise _not_valid(encoding, path, lines + done.count("\n")) from exc
        dst.write(text)
        if not chunk:
            return
        lines += text.count("\n")


def _not_valid(encoding: str, path: Path, line: int) -> InputError:
    return InputError(
        f"The file is not valid {encoding} text.",
        file=str(path),
        row=line,
        fix="Give the right encoding with --encoding, or save the file as UTF-8.",
    )


def _too_many(encoding: str, path: Path, bad: list[int]) -> InputError:
    shown = ", ".join(str(n) for n in bad[:5])
    return InputError(
        f"The file is not {encoding} text: more than {MAX_UNDECODABLE:,} lines do not decode "
        f"(lines {shown} ...), too many to be a few stray lines.",
        file=str(path),
        row=bad[0],
        fix="Give the right encoding with --encoding (utf-8, gbk ...), or save the file "
        "again in one encoding (files joined from exports in different encodings?).",
    )


def undecodable_rows(table: ibis.Table) -> ibis.Value:
    """Whether each row of ``table`` holds U+FFFD in a text column (a line that did not decode)."""
    marks = [table[c].contains(REPLACEMENT) for c in table.columns if table[c].type().is_string()]
    found = functools.reduce(operator.or_, marks) if marks else ibis.literal(False)
    return found.fill_null(False)


def _temp_folder() -> Path:
    global _folder
    if _folder is None or not _folder.exists():
        _folder = Path(tempfile.mkdtemp(prefix="rfmkit-utf8-"))
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    return _folder
