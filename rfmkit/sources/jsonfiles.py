"""Read JSON (an array of records, or JSON Lines) with every field as text, like a CSV.

Two hazards of reading JSON as typed: an id beyond 64 bits
(``12345678901234567890``) breaks the cast of the whole column, and a
field given sometimes as a number and sometimes as a string (``20.5`` and
``"20.5"``) becomes a JSON column whose strings keep their quotes. Reading
every field as text lets :mod:`rfmkit.sources.values` parse them all the
same way. Nesting is measured before any parser sees the file: very deep
nesting crashes the engine (and Python's own parser), so it is refused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ibis.backends import BaseBackend

from rfmkit.backend import engine_name
from rfmkit.errors import InputError
from rfmkit.sources.base import RawSource
from rfmkit.sources.paths import engine_path

#: Deepest nesting accepted (a record of records of lists is 3 or 4).
MAX_DEPTH = 64
CHUNK = 16 << 20

_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPEN, _CLOSE = (ord("["), ord("{")), (ord("]"), ord("}"))


def read_json(path: Path, con: BaseBackend) -> RawSource:
    """The JSON file ``path`` as a raw source, every field as text."""
    check_depth(path)
    literal = _sql_string(engine_path(path))
    try:
        if engine_name(con) != "duckdb":
            return RawSource(path.stem, con.read_json(str(path)), str(path), 0, "json", {})
        names = con.sql(f"SELECT * FROM read_json({literal}, maximum_depth = 1)").columns
        columns = ", ".join(f"{_sql_string(n)}: 'VARCHAR'" for n in names)
        table = con.sql(f"SELECT * FROM read_json({literal}, columns = {{{columns}}})")
    except Exception as exc:
        raise InputError(
            f"The JSON file cannot be read: {_first_line(exc)}",
            file=str(path),
            fix="Use an array of records ([{...}, ...]) or JSON Lines (one record per line).",
        ) from exc
    return RawSource(path.stem, table, str(path), 0, "json", {})


def check_depth(path: Path, limit: int = MAX_DEPTH) -> None:
    """Raise :class:`InputError` when brackets nest deeper than ``limit`` outside strings.

    One vectorised pass, 16 MB at a time: a quote not escaped by an odd run
    of backslashes toggles "in a string"; brackets outside strings add or
    remove a level.
    """
    depth, in_string, slashes = 0, False, 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            data = np.frombuffer(chunk, dtype=np.uint8)
            quotes = _unescaped_quotes(data, slashes)
            toggles = np.zeros(len(data), dtype=np.int64)
            toggles[quotes] = 1
            inside = (np.cumsum(toggles) + in_string) % 2 == 1
            inside[quotes] = True  # the quote itself is not a bracket anyway
            step = np.zeros(len(data), dtype=np.int64)
            step[np.isin(data, _OPEN) & ~inside] = 1
            step[np.isin(data, _CLOSE) & ~inside] = -1
            levels = depth + np.cumsum(step)
            if len(levels) and levels.max() > limit:
                raise InputError(
                    f"The JSON file nests deeper than {limit} levels: it is not a table of records.",
                    file=str(path),
                    fix="Export the data as an array of flat records or as JSON Lines.",
                )
            depth = int(levels[-1]) if len(levels) else depth
            in_string = bool((in_string + len(quotes)) % 2)
            slashes = _trailing_backslashes(data, slashes)


def _unescaped_quotes(data: np.ndarray, carried: int) -> np.ndarray:
    """Positions of the quotes not preceded by an odd run of backslashes."""
    positions = np.flatnonzero(data == _QUOTE)
    if not len(positions):
        return positions
    slash = data == _BACKSLASH
    index = np.arange(len(data))
    last_other = np.maximum.accumulate(np.where(slash, -1, index))
    before = positions - 1
    runs = np.where(before >= 0, before - last_other[np.maximum(before, 0)], 0)
    runs = np.where(before - runs < 0, runs + carried, runs)  # a run from the last chunk
    return positions[runs % 2 == 0]


def _trailing_backslashes(data: np.ndarray, carried: int) -> int:
    others = np.flatnonzero(data != _BACKSLASH)
    if not len(others):
        return carried + len(data)
    return len(data) - 1 - int(others[-1])


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
