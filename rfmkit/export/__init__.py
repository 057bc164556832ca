"""Write tables to files: format from the extension, never a partial file.

Every writer writes to a temporary name beside the target and renames it
at the end, so an interrupted or failed run leaves no corrupt output.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rfmkit.backend import engine_name
from rfmkit.errors import OutputError

FORMATS = (".csv", ".parquet", ".xlsx", ".json")
EXCEL_MAX_ROWS = 1_048_575
_BOM = b"\xef\xbb\xbf"


def write_table(table: ir.Table, path: str | Path) -> Path:
    """Write ``table`` to ``path``; the format follows the extension.

    CSV is written as UTF-8 with a byte-order mark so that Excel shows
    Chinese text correctly; every CSV reader (and rfmkit) accepts it.
    """
    target = check_output(path)
    with atomic_path(target) as tmp:
        _WRITERS[target.suffix.lower()](table, tmp)
    return target


def check_output(path: str | Path) -> Path:
    """Fail early (before any work) when ``path`` cannot be an output file."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(
            f"Cannot write {suffix or 'files without an extension'}.",
            file=str(target),
            fix=f"Name the output with one of: {', '.join(FORMATS)}.",
        )
    if not target.parent.exists():
        raise OutputError(
            f"The output folder {target.parent} does not exist.",
            file=str(target),
            fix="Create the folder first or choose another output path.",
        )
    return target


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed onto it on success."""
    if not target.parent.exists():
        raise OutputError(
            f"The output folder {target.parent} does not exist.",
            file=str(target),
            fix="Create the folder first or choose another output path.",
        )
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(
            f"Cannot write the output: {exc.strerror or exc}", file=str(target)
        ) from exc
    finally:
        if tmp.exists():
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink()


def _write_parquet(table: ir.Table, path: Path) -> None:
    if engine_name(table.get_backend()) == "duckdb":
        table.to_parquet(path)
        return
    batches = table.to_pyarrow_batches()
    with pq.ParquetWriter(path, batches.schema) as writer:
        for batch in batches:
            writer.write_batch(batch)


def _write_csv(table: ir.Table, path: Path) -> None:
    with path.open("wb") as out:
        out.write(_BOM)
        batches = table.to_pyarrow_batches()
        with pacsv.CSVWriter(out, batches.schema) as writer:
            for batch in batches:
                writer.write_batch(batch)


def _write_xlsx(table: ir.Table, path: Path) -> None:
    rows = int(table.count().execute())
    if rows > EXCEL_MAX_ROWS:
        raise OutputError(
            f"{rows:,} rows do not fit in an Excel sheet (at most {EXCEL_MAX_ROWS:,}).",
            file=str(path),
            fix="Write .parquet or .csv instead.",
        )
    table.to_pandas().to_excel(path, index=False, engine="openpyxl")


def _write_json(table: ir.Table, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        first = True
        for batch in table.to_pyarrow_batches():
            for record in batch.to_pylist():
                out.write(
                    ("\n" if first else ",\n") + json.dumps(record, ensure_ascii=False, default=str)
                )
                first = False
        out.write("\n]\n")


_WRITERS: dict[str, Any] = {
    ".parquet": _write_parquet,
    ".csv": _write_csv,
    ".xlsx": _write_xlsx,
    ".json": _write_json,
}

__all__ = ["FORMATS", "atomic_path", "check_output", "write_table"]
