"""The run record: what one run did, serialisable, for the store, the report and audits.

Every verb result carries a :class:`RunRecord`: the effective settings (with
the resolved ``as_of``, the breakpoints and weights used; database
credentials masked), rfmkit's version, a fingerprint of the inputs (paths
with sizes and modification times, or a content hash of a frame), row counts
and the duration of each step. ``RunRecord.from_json(record.to_json())``
gives the record back unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RECORD_VERSION = 1


@dataclass
class RunRecord:
    """What one run of a verb did.

    Attributes
    ----------
    verb
        ``check``, ``score``, ``predict`` ...
    rfmkit_version
        The version of rfmkit that ran.
    started_at
        When the run began (UTC, ISO 8601).
    settings
        The effective settings (every setting, defaults included), JSON-ready.
    as_of
        The resolved analysis date (ISO), when the verb has one.
    breakpoints
        Per metric, the edges used and whether higher is better.
    weights
        The R, F, M weights of ``rfm_score``.
    splits
        The high/low split value of each metric, for schemes that split.
    inputs
        One entry per input: ``{"path", "size", "modified"}`` for files,
        ``{"kind", "sha256", "rows"}`` for in-memory frames, ``{"database"}``
        (masked URL) or ``{"table"}`` for engine tables.
    rows
        Row and customer counts (``read``, ``used``, ``customers``, ``scored`` ...).
    timings
        Seconds per step, in the order the steps ran.
    warnings
        Things the user should know about the run (e.g. an empty segment side).
    models
        The fitted models' parameters (``predict``).
    """

    verb: str
    rfmkit_version: str
    started_at: str
    settings: dict[str, Any] = field(default_factory=dict)
    as_of: str | None = None
    breakpoints: dict[str, Any] = field(default_factory=dict)
    weights: list[float] = field(default_factory=list)
    splits: dict[str, float] | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    models: dict[str, Any] = field(default_factory=dict)
    record_version: int = RECORD_VERSION

    @classmethod
    def start(cls, verb: str) -> RunRecord:
        from rfmkit import __version__

        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        return cls(verb=verb, rfmkit_version=__version__, started_at=now.isoformat())

    @contextmanager
    def step(self, name: str, progress: Callable[[str], None] | None = None) -> Iterator[None]:
        """Time a step (and announce it to ``progress``)."""
        if progress is not None:
            progress(name)
        began = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - began, 4)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @classmethod
    def from_json(cls, text: str) -> RunRecord:
        return cls.from_dict(json.loads(text))


def fingerprint(inputs: Any, files: list[str] | None = None) -> list[dict[str, Any]]:
    """The inputs' fingerprint: files by path, size and mtime; frames by content hash.

    ``files`` are the files actually read (folders and globs expanded), when known.
    """
    if files:
        return [_file_entry(Path(f)) for f in files]
    items = inputs if isinstance(inputs, list | tuple) else [inputs]
    return [_entry(item) for item in items if item is not None]


def _file_entry(path: Path) -> dict[str, Any]:
    try:
        stat = path.stat()
    except OSError:
        return {"path": str(path)}
    modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).isoformat()
    return {"path": os.path.abspath(path), "size": stat.st_size, "modified": modified}


def _entry(item: Any) -> dict[str, Any]:
    if isinstance(item, str | Path):
        return _file_entry(Path(item))
    try:
        import ibis

        if isinstance(item, ibis.Table):
            return {"kind": "ibis_table", "name": _table_name(item)}
    except ImportError:  # pragma: no cover - ibis is a dependency
        pass
    return _frame_entry(item)


def _table_name(table: Any) -> str | None:
    try:
        return str(table.get_name())
    except Exception:  # an expression, not a named table
        return None


def _frame_entry(frame: Any) -> dict[str, Any]:
    """A content hash of an in-memory frame, through Arrow's IPC form."""
    import pyarrow as pa

    try:
        table = frame if isinstance(frame, pa.Table) else pa.table(frame)
    except Exception:
        return {"kind": type(frame).__name__}
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    digest = hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()
    return {"kind": type(frame).__name__, "rows": table.num_rows, "sha256": digest}
