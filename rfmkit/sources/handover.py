"""Text and Excel files for Spark: read by the DuckDB readers, handed over as Parquet.

Spark's own CSV reader knows neither GB18030 detection, nor title lines
above the header, nor Excel. So that both engines read a file the same way
(same encoding, header line, delimiter, sheets and row numbers), the file is
read once by the DuckDB reader of :mod:`rfmkit.sources.files` or
:mod:`rfmkit.sources.excel`, every column as text, and streamed by DuckDB
into a private Parquet file (``COPY ... TO``, out of core) that Spark then
scans in parallel. The values are parsed afterwards on Spark, by the same
expressions as on DuckDB (:mod:`rfmkit.sources.values`).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import ibis
from ibis.backends import BaseBackend

from rfmkit.backend import connect
from rfmkit.errors import InputError, RfmError
from rfmkit.sources.base import RawSource

_folder: Path | None = None


def via_duckdb(read: Callable[[BaseBackend], RawSource], con: BaseBackend) -> RawSource:
    """Read with ``read`` on a private DuckDB connection; the rows as a table on ``con``.

    The rows keep their 1-based position in the file (``_row``) and, for
    Excel, their line (``_line``), so rejects point at the same lines on
    both engines.

    Raises
    ------
    InputError
        When DuckDB cannot read the file (the reader's own message otherwise).
    """
    duck = connect()
    try:
        raw = read(duck)
        target = _temp_folder() / f"{ibis.util.gen_name('rfm_handover')}.parquet"
        numbered = raw.table if "_row" in raw.table.columns else _numbered(raw.table)
        try:
            duck.to_parquet(numbered, target)
        except RfmError:
            raise
        except Exception as exc:
            from rfmkit.sources.combine import read_error

            raise read_error(exc, raw) from exc
    finally:
        duck.disconnect()
    if not target.exists():  # pragma: no cover - DuckDB writes a file or raises
        raise InputError("The file could not be handed to Spark.", file=raw.file)
    return replace(raw, table=_spark_table(con, target), typed=None)


def _spark_table(con: BaseBackend, target: Path) -> ibis.Table:
    """The handed-over rows on Spark: scanned from the file, or sent to a remote session.

    A remote session (Spark Connect, a cluster) cannot see this machine's
    files, so the (small: a workbook's) rows travel with the request.
    """
    from rfmkit.backend import as_table, is_remote

    if not is_remote(con):
        return con.read_parquet(str(target))
    import pyarrow.parquet as pq

    return as_table(pq.read_table(target), con)


def _numbered(table: ibis.Table) -> ibis.Table:
    """``table`` with ``_row`` first: DuckDB numbers a scan in input order."""
    name = ibis.util.gen_name("rfm_raw")
    return table.alias(name).sql(
        f'SELECT CAST(row_number() OVER () AS BIGINT) AS _row, * FROM "{name}"'
    )


def _temp_folder() -> Path:
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="rfmkit-spark-"))
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    return _folder
