"""What every reader hands on: one raw input table and where it came from."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import ibis


@dataclass
class RawSource:
    """One input as read, before its columns are recognised.

    Attributes
    ----------
    name
        The value of the ``source`` column for its rows (file stem, table name).
    table
        The raw columns (text for CSV and Excel; typed for Parquet and databases).
        It may carry ``_row``, the 1-based position of each row in the input,
        and ``_line``, the line of each row in the file (Excel).
    file
        The file, sheet or database table, for messages; None for frames.
    header_line
        Line of the header (0 when there is none): data row ``k`` (1-based)
        sits on line ``header_line + k``.
    kind
        ``csv``, ``excel``, ``parquet``, ``json``, ``frame``, ``table`` or ``database``.
    info
        What was detected while reading (encoding, delimiter, sheet ...), for the report.
    typed
        For text files: read the file again with the engine typing its columns,
        except the given ones, kept as text (None when the engine cannot).
    serial
        For text files read in parallel: the same file read again by the
        single-threaded, quote-aware reader (see :mod:`rfmkit.sources.delimited`).
    retry
        For text files: given the engine's error while reading, the file read
        again the way the error asks (quote-aware, undecodable lines
        quarantined), or None; raises an ``InputError`` naming the line when
        the cause is known.
    """

    name: str
    table: ibis.Table
    file: str | None = None
    header_line: int = 0
    kind: str = "frame"
    info: dict[str, Any] = field(default_factory=dict)
    typed: Callable[[Collection[str]], ibis.Table] | None = field(default=None, repr=False)
    serial: Callable[[], RawSource] | None = field(default=None, repr=False)
    retry: Callable[[Exception], RawSource | None] | None = field(default=None, repr=False)
