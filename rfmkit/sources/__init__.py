"""Turn what users bring (files, frames, tables) into the canonical transactions table.

The canonical table has the columns of :mod:`rfmkit.glossary`
(``customer_id, order_date, amount, order_id, source``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend

from rfmkit import glossary as g
from rfmkit.backend import as_table
from rfmkit.errors import ColumnNotFoundError, InputError
from rfmkit.sources.options import LoadOptions

__all__ = ["LoadOptions", "Loaded", "load_transactions"]

_ALIASES = {"customer": g.CUSTOMER_ID, "date": g.ORDER_DATE, "order": g.ORDER_ID}


@dataclass
class Loaded:
    """The canonical transactions and what loading them found."""

    transactions: ibis.Table
    quality: dict[str, Any] = field(default_factory=dict)


def load_transactions(
    inputs: Any, *, con: BaseBackend, options: LoadOptions | None = None
) -> Loaded:
    """Read ``inputs`` (paths, a frame or an Ibis table) into canonical transactions."""
    options = options or LoadOptions()
    raw = _read(inputs, con)
    return Loaded(transactions=standardize(raw, options.mapping))


def _read(inputs: Any, con: BaseBackend) -> ibis.Table:
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    if isinstance(inputs, list | tuple):
        tables = [_read_file(Path(p), con) for p in inputs]
        return ibis.union(*tables) if len(tables) > 1 else tables[0]
    return as_table(inputs, con)


def _read_file(path: Path, con: BaseBackend) -> ibis.Table:
    if not path.exists():
        raise InputError(f"File not found: {path}", file=str(path), fix="Check the path.")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return con.read_parquet(path)
    if suffix in {".csv", ".tsv", ".txt"}:
        return con.read_csv(path)
    raise InputError(
        f"Unsupported file type {suffix!r}.", file=str(path), fix="Use .csv or .parquet."
    )


def standardize(raw: ibis.Table, mapping: dict[str, str] | None = None) -> ibis.Table:
    """Rename mapped columns to canonical names and cast them to canonical types."""
    mapping = {_ALIASES.get(k, k): v for k, v in (mapping or {}).items()}
    columns = {}
    for name in (*g.REQUIRED_COLUMNS, g.ORDER_ID, g.SOURCE):
        source = mapping.get(name, name)
        if source in raw.columns:
            columns[name] = raw[source]
        elif name in g.REQUIRED_COLUMNS:
            raise ColumnNotFoundError(
                f"No {name} column in the input.",
                column=name,
                fix=f"Name the column with --map {name}=COLUMN.",
                details={"found": list(raw.columns)},
            )
    return raw.select(
        customer_id=columns[g.CUSTOMER_ID].cast("string").strip(),
        order_date=columns[g.ORDER_DATE].cast("date"),
        amount=columns[g.AMOUNT].cast("float64"),
        order_id=columns[g.ORDER_ID].cast("string")
        if g.ORDER_ID in columns
        else ibis.null("string"),
        source=columns[g.SOURCE].cast("string") if g.SOURCE in columns else ibis.literal("input"),
    )
