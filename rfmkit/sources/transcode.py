"""Re-encode a text file to UTF-8, streaming, for encodings DuckDB reads badly.

DuckDB 1.5's ``encodings`` extension corrupts or rejects bytes at its buffer
boundaries in large GB18030 files (seen on a 10M-row export: an ASCII byte
read as ``?`` at line 858,573). rfmkit therefore decodes such files itself,
16 MB at a time with Python's incremental decoder, into a private temporary
UTF-8 file that DuckDB then reads at full speed. Line breaks are kept, so line
numbers are those of the original file.
"""

from __future__ import annotations

import atexit
import codecs
import shutil
import tempfile
from pathlib import Path

from rfmkit.errors import InputError

CHUNK = 16 << 20
_folder: Path | None = None


def to_utf8(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of ``path`` (decoded from ``encoding``), removed when Python exits.

    Raises
    ------
    InputError
        With the line of the first byte that is not valid ``encoding``.
    """
    target = _temp_folder() / f"{len(list(_temp_folder().iterdir()))}-{path.stem}.csv"
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 1
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while True:
            chunk = src.read(CHUNK)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                line = lines + chunk[: exc.start].count(b"\n")
                raise InputError(
                    f"The file is not valid {encoding} text.",
                    file=str(path),
                    row=line,
                    fix="Give the right encoding with --encoding, or save the file as UTF-8.",
                ) from exc
            dst.write(text)
            lines += chunk.count(b"\n")
            if final:
                return target


def _temp_folder() -> Path:
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="rfmkit-utf8-"))
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    return _folder
