"""Write tables and reports to files: format from the extension, never a partial file.

One path for every file rfmkit writes (the customer table, the segment
summary, the rejected rows, the data-quality and validation reports):

* :func:`check_outputs` checks every output before any work;
* :func:`write_table` writes a table (an Ibis table, a pandas DataFrame or
  an Arrow table) as .csv, .parquet, .xlsx or .json, :func:`write_workbook`
  several tables as the sheets of one .xlsx, :func:`write_json` a report;
* all of them write atomically (:mod:`rfmkit.export.files`) and make cells
  safe and exact (:mod:`rfmkit.export.cells`): money rounded to the
  currency's minor unit, no NaN, no formula in a CSV or workbook.

Rows are written sorted by ``customer_id`` when the table has it (two runs
on the same data write byte-identical files); ``order_by`` chooses other
columns, or None to keep the table's own order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rfmkit.backend import engine_name
from rfmkit.errors import OutputError
from rfmkit.export import writers
from rfmkit.export.cells import DEFAULT_MONEY_DECIMALS, MONEY_COLUMNS, prepare
from rfmkit.export.files import (
    FORMATS,
    OUTPUT_FORMATS,
    atomic_file,
    atomic_path,
    atomic_write,
    check_output,
    check_outputs,
)
from rfmkit.export.workbook import EXCEL_MAX_ROWS, Book

#: A table to write: an Ibis table (run on its engine), a DataFrame or an Arrow table.
Data: TypeAlias = ir.Table | pd.DataFrame | pa.Table
#: Default row order: by customer id, when the table has that column.
DEFAULT_ORDER = ("customer_id",)


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its name, its table and the columns to sort it by."""

    name: str
    data: Data
    order_by: Sequence[str] | None = DEFAULT_ORDER


@dataclass(frozen=True)
class _Options:
    raw_cells: bool
    money_decimals: int
    money_columns: Collection[str]


def write_table(
    data: Data,
    path: str | Path,
    *,
    order_by: Sequence[str] | None = DEFAULT_ORDER,
    raw_cells: bool = False,
    money_decimals: int = DEFAULT_MONEY_DECIMALS,
    money_columns: Collection[str] = MONEY_COLUMNS,
    sheet: str = "customers",
    sheets: Sequence[Sheet] = (),
) -> Path:
    """Write ``data`` to ``path``; the format follows the extension.

    Parameters
    ----------
    data
        An Ibis table, a pandas DataFrame or an Arrow table.
    path
        A .csv (UTF-8 with a byte-order mark, for Excel), .parquet, .xlsx or
        .json (an array of objects) file; it is replaced atomically.
    order_by
        Rows are sorted by those of these columns that the table has
        (default: ``customer_id``); None keeps the table's order.
    raw_cells
        Write text cells exactly as they are, without the quote that stops
        a spreadsheet from running ``=...`` as a formula. Unsafe for files
        opened in a spreadsheet.
    money_decimals
        Decimals of the currency's minor unit: money columns are rounded to
        it in every format (CSV shows exactly that many).
    money_columns
        The columns holding money (default :data:`MONEY_COLUMNS`).
    sheet, sheets
        For .xlsx: the name of the sheet of ``data``, and further sheets
        (for example :func:`rfmkit.export.sheets.report_sheets`). Other
        formats hold one table and take ``data`` only.

    Returns
    -------
    Path
        The file written.
    """
    target = check_output(path)
    options = _Options(raw_cells, money_decimals, money_columns)
    if target.suffix.lower() == ".xlsx":
        _write_book(target, [Sheet(sheet, data, order_by), *sheets], options)
    else:
        _write_one(data, target, order_by, options)
    return target


def write_rows(
    data: Data,
    path: str | Path,
    *,
    order_by: Sequence[str] | None = DEFAULT_ORDER,
    raw_cells: bool = False,
    money_decimals: int = DEFAULT_MONEY_DECIMALS,
) -> int:
    """:func:`write_table` for one table; return the number of rows written."""
    target = check_output(path)
    options = _Options(raw_cells, money_decimals, MONEY_COLUMNS)
    if target.suffix.lower() == ".xlsx":
        return _write_book(target, [Sheet("rows", data, order_by)], options)[0]
    return _write_one(data, target, order_by, options)


def write_frame(
    frame: Data,
    path: str | Path,
    *,
    order_by: Sequence[str] | None = None,
    sheet: str = "summary",
    **options: Any,
) -> Path:
    """Write a small table such as the segment summary, in its own row order.

    The same writers and options as :func:`write_table` (``raw_cells``,
    ``money_decimals``, ...); only the defaults differ: rows keep their
    order (a summary's segments stay in the scheme's order).
    """
    return write_table(frame, path, order_by=order_by, sheet=sheet, **options)


def write_workbook(
    path: str | Path,
    sheets: Iterable[Sheet | tuple[str, Data]],
    *,
    raw_cells: bool = False,
    money_decimals: int = DEFAULT_MONEY_DECIMALS,
    money_columns: Collection[str] = MONEY_COLUMNS,
) -> Path:
    """Write several tables as the sheets of one .xlsx workbook (see :func:`write_table`)."""
    target = check_output(path, "workbook")
    if target.suffix.lower() != ".xlsx":
        raise OutputError(
            "A workbook is written as .xlsx.", file=str(target), fix="Name the file *.xlsx."
        )
    listed = [s if isinstance(s, Sheet) else Sheet(s[0], s[1]) for s in sheets]
    _write_book(target, listed, _Options(raw_cells, money_decimals, money_columns))
    return target


def write_json(data: Any, path: str | Path) -> Path:
    """Write ``data`` (a report's dict) as indented JSON: ISO dates, never NaN."""
    target = Path(path)
    with atomic_file(target) as out:
        out.write((writers.dumps(data, indent=2) + "\n").encode("utf-8"))
    return target


def _write_one(data: Data, target: Path, order_by: Sequence[str] | None, options: _Options) -> int:
    suffix = target.suffix.lower()
    if suffix == ".parquet" and _on_duckdb(data):
        assert isinstance(data, ir.Table)
        return _duckdb_parquet(data, target, order_by, options)
    write = {
        ".csv": writers.write_csv,
        ".parquet": writers.write_parquet,
        ".json": writers.write_json_rows,
    }[suffix]
    batches = _prepared(
        record_batches(data, order_by),
        options,
        exact_money=suffix == ".csv",
        neutralise_text=suffix == ".csv" and not options.raw_cells,
    )
    with atomic_file(target) as out:
        return write(batches, out)


def _write_book(target: Path, sheets: Sequence[Sheet], options: _Options) -> list[int]:
    counts = []
    with atomic_file(target) as out:
        book = Book(out, money_columns=options.money_columns, money_decimals=options.money_decimals)
        for sheet in sheets:
            batches = _prepared(
                record_batches(sheet.data, sheet.order_by),
                options,
                exact_money=False,
                neutralise_text=False,
            )
            counts.append(book.add_sheet(sheet.name, batches, raw_cells=options.raw_cells))
        book.close()
    return counts


def record_batches(data: Data, order_by: Sequence[str] | None) -> pa.RecordBatchReader:
    """``data`` as a stream of Arrow batches, sorted by the ``order_by`` columns it has."""
    if isinstance(data, pd.DataFrame):
        data = pa.Table.from_pandas(data, preserve_index=False)
    keys = [c for c in (order_by or ()) if c in data.columns]
    if isinstance(data, pa.Table):
        if keys:
            data = data.sort_by([(k, "ascending") for k in keys])
        return data.to_reader()
    if keys:
        data = data.order_by(keys)
    return data.to_pyarrow_batches()


def _prepared(
    batches: pa.RecordBatchReader, options: _Options, *, exact_money: bool, neutralise_text: bool
) -> pa.RecordBatchReader:
    def each() -> Iterable[pa.RecordBatch]:
        for batch in batches:
            yield prepare(
                batch,
                money_columns=options.money_columns,
                money_decimals=options.money_decimals,
                exact_money=exact_money,
                neutralise_text=neutralise_text,
            )

    schema = prepare(
        pa.RecordBatch.from_pylist([], schema=batches.schema),
        money_columns=options.money_columns,
        money_decimals=options.money_decimals,
        exact_money=exact_money,
        neutralise_text=neutralise_text,
    ).schema
    return pa.RecordBatchReader.from_batches(schema, each())


def _on_duckdb(data: Data) -> bool:
    if not isinstance(data, ir.Table):
        return False
    try:
        return engine_name(data.get_backend()) == "duckdb"
    except Exception:  # an unbound memtable
        return False


def _duckdb_parquet(
    table: ir.Table, target: Path, order_by: Sequence[str] | None, options: _Options
) -> int:
    """Parquet written by DuckDB itself (in parallel), with the same cell rules."""
    changes = {}
    for name, kind in table.schema().items():
        column = table[name]
        if not kind.is_floating() and not (kind.is_decimal() and name in options.money_columns):
            continue
        if name in options.money_columns:
            column = column.cast("float64").round(options.money_decimals)
        changes[name] = ibis.ifelse(column.isnan() | column.isinf(), ibis.null(), column)
    keys = [c for c in (order_by or ()) if c in table.columns]
    ready = table.mutate(**changes) if changes else table
    if keys:
        ready = ready.order_by(keys)
    with atomic_path(target) as tmp:
        ready.to_parquet(tmp, use_tmp_file=False)
    return int(pq.ParquetFile(target).metadata.num_rows)


__all__ = [
    "DEFAULT_ORDER",
    "EXCEL_MAX_ROWS",
    "FORMATS",
    "MONEY_COLUMNS",
    "OUTPUT_FORMATS",
    "Data",
    "Sheet",
    "atomic_file",
    "atomic_path",
    "atomic_write",
    "check_output",
    "check_outputs",
    "record_batches",
    "write_frame",
    "write_json",
    "write_rows",
    "write_table",
    "write_workbook",
]
