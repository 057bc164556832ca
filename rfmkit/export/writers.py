"""One writer per text or columnar format, fed with Arrow record batches.

Each writer takes a :class:`pyarrow.RecordBatchReader` whose batches are
already prepared (see :mod:`rfmkit.export.cells`) and an open binary file,
and returns the number of rows it wrote.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

#: UTF-8 byte-order mark: Excel then shows Chinese text in a CSV correctly;
#: every CSV reader (and rfmkit) accepts it.
BOM = b"\xef\xbb\xbf"


def write_csv(batches: pa.RecordBatchReader, out: IO[bytes]) -> int:
    """UTF-8 CSV with a byte-order mark; every text cell is quoted (CR and LF included)."""
    out.write(BOM)
    rows = 0
    options = pacsv.WriteOptions(quoting_style="needed")
    with pacsv.CSVWriter(out, batches.schema, write_options=options) as writer:
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def write_parquet(batches: pa.RecordBatchReader, out: IO[bytes]) -> int:
    """Parquet, one row group per batch or so."""
    rows = 0
    with pq.ParquetWriter(out, batches.schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def write_json_rows(batches: pa.RecordBatchReader, out: IO[bytes]) -> int:
    """A JSON array of one object per row (dates as ISO text, never NaN)."""
    rows = 0
    out.write(b"[")
    for batch in batches:
        for record in batch.to_pylist():
            out.write((b"\n" if rows == 0 else b",\n") + dumps(record).encode("utf-8"))
            rows += 1
    out.write(b"\n]\n")
    return rows


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text of ``value``: ISO dates, NaN and infinities as null, never ``NaN``."""
    return json.dumps(
        jsonable(value), indent=indent, ensure_ascii=False, allow_nan=False, default=_default
    )


def jsonable(value: Any) -> Any:
    """``value`` with non-finite floats made None, at any depth."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        return jsonable(value.item())
    return value


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return str(value)
