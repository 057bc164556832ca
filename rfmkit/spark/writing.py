"""Outputs that Spark writes itself: a Parquet folder where the cluster writes.

``-o s3a://bucket/rfm/customers/`` (a URI, or a path without a file suffix)
on Spark writes the customer table as a folder of Parquet files from the
executors (optionally one sub-folder per segment): no row passes through
this machine. Money columns are rounded to the currency's minor unit and
NaN/infinite values written as null, as in every rfmkit output.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

import ibis
import ibis.expr.types as ir

from rfmkit.errors import OutputError
from rfmkit.export.cells import DEFAULT_MONEY_DECIMALS, MONEY_COLUMNS
from rfmkit.spark.session import session_of

_COLLAPSED = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):/(?!/)")


def output_uri(target: str | Path) -> str:
    """``target`` as Spark's writers take it.

    A URI that went through ``pathlib`` lost a slash (``s3a:/bucket``): it
    gets it back; a local path is made absolute (``file:///...``).
    """
    text = str(target)
    collapsed = _COLLAPSED.match(text)
    if collapsed:
        scheme = collapsed.group(1)
        return text if scheme == "file" else f"{scheme}://{text[collapsed.end() :]}"
    if "://" in text:
        return text
    return "file://" + str(Path(text).expanduser().absolute())


def is_folder_target(target: str | Path) -> bool:
    """Whether ``target`` names a Parquet folder: a URI, ends with ``/``, or has no suffix."""
    text = str(target)
    return (
        bool(_COLLAPSED.match(text)) or "://" in text or text.endswith("/") or not Path(text).suffix
    )


def write_parquet_folder(
    table: ir.Table,
    target: str | Path,
    *,
    partition_by: str | None = None,
    money_decimals: int = DEFAULT_MONEY_DECIMALS,
    money_columns: Collection[str] = MONEY_COLUMNS,
) -> str:
    """Write ``table`` (on Spark) as a Parquet folder at ``target``, replacing it; its URI.

    Raises
    ------
    OutputError
        When ``partition_by`` is not a column, or Spark cannot write there.
    """
    if partition_by is not None and partition_by not in table.columns:
        raise OutputError(
            f"Cannot partition the output by {partition_by!r}: no such column.",
            fix=f"Use one of: {', '.join(table.columns)}.",
        )
    uri = output_uri(target)
    con = table.get_backend()
    frame = session_of(con).sql(con.compile(_cells(table, money_columns, money_decimals)))
    writer = frame.write.mode("overwrite").format("parquet")
    if partition_by is not None:
        writer = writer.partitionBy(partition_by)
    try:
        writer.save(uri)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OutputError(
            f"Spark cannot write the output: {first}",
            file=uri,
            fix="Check the URI and that the cluster may write there.",
        ) from exc
    return uri


def _cells(table: ir.Table, money: Collection[str], decimals: int) -> ir.Table:
    """Money rounded to its minor unit, NaN and infinity as null (as every rfmkit output)."""
    changes = {}
    for name, kind in table.schema().items():
        if not (kind.is_floating() or (kind.is_decimal() and name in money)):
            continue
        column = table[name].cast("float64")
        if name in money:
            column = column.round(decimals)
        changes[name] = ibis.ifelse(column.isnan() | column.isinf(), ibis.null(), column)
    return table.mutate(**changes) if changes else table
