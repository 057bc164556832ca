"""Reading only the database rows past a stored watermark.

The watermark is a column whose values only grow as rows are added (an
insert timestamp, a serial id). A refresh first reads the column's largest
value past the stored watermark, then loads the rows past the stored value
up to and including that one: rows added meanwhile wait for the next
refresh. The new watermark is stored in the same transaction as the merge.
Rows whose watermark value is not greater than one already read (an update
in place, a late insert with an older timestamp) are never read again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from rfmkit.errors import ConfigError, InputError
from rfmkit.sources.databases import read_database


@dataclass(frozen=True)
class Pending:
    """The rows past the stored watermark (None when there are none) and the new watermark."""

    rows: ir.Table | None
    watermark: str | None


def pending_rows(
    con: BaseBackend,
    url: str,
    *,
    table: str | None,
    query: str | None,
    column: str,
    stored: str | None,
) -> Pending:
    """The rows of ``table`` (or ``query``) whose ``column`` is past ``stored``.

    Raises
    ------
    InputError
        When the table has no such column.
    """
    source = read_database(con, url, table=table, query=query).table
    if column not in source.columns:
        raise InputError(
            f"The watermark column {column!r} is not in the table.",
            fix=f"Name one of its columns: {', '.join(source.columns)}.",
        )
    value = source[column]
    after = source if stored is None else source.filter(value > _typed(stored, value))
    latest = after.aggregate(top=after[column].max()).to_pyarrow().to_pylist()[0]["top"]
    if latest is None:
        return Pending(None, stored)
    text = _text(latest)
    rows = after.filter(after[column] <= _typed(text, value))
    return Pending(rows, text)


def _text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _typed(text: str, column: ir.Value) -> ir.Value:
    kind = column.type()
    if not (kind.is_numeric() or kind.is_temporal() or kind.is_string()):
        raise ConfigError(
            f"A watermark column must hold numbers, dates or timestamps, not {kind}.",
            fix="Use an increasing id or an insert timestamp.",
        )
    return ibis.literal(text).cast(kind)
