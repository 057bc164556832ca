"""Cell values made safe and exact for the people who open the files.

Applied to each Arrow record batch on its way to a writer (vectorised with
``pyarrow.compute``, never cell by cell in Python):

* **money** columns (:data:`MONEY_COLUMNS`) are rounded to the currency's
  minor unit (``money_decimals``, half away from zero); in CSV they are
  written with exactly that many decimals (``86.10``);
* **non-finite** floats (NaN, infinity) become empty cells / JSON ``null``;
* **formula injection** (OWASP "CSV injection"): in CSV a text cell that
  starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading single quote (``'=1+1``), so no spreadsheet runs it as a formula.
  Numbers are not text and stay numbers (a refund of ``-5.00`` is not a
  formula). In .xlsx every text cell is written as a string, never a
  formula, and such cells also get Excel's own quote prefix (the value
  stays as it was). ``raw_cells=True`` turns the quoting off: unsafe for
  files opened in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Collection

import pyarrow as pa
import pyarrow.compute as pc

#: Columns holding amounts of money, rounded to the minor unit in every output.
MONEY_COLUMNS = frozenset(
    {
        "monetary",
        "avg_order_value",
        "revenue",
        "mean_monetary",
        "expected_order_value",
        "clv",
        "at_risk_revenue",
    }
)
DEFAULT_MONEY_DECIMALS = 2

#: First characters that make a spreadsheet read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_PATTERN = "^[=+\\-@\t\r]"


def is_text(kind: pa.DataType) -> bool:
    """Whether Arrow type ``kind`` holds text."""
    return bool(
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )


def is_money(name: str, kind: pa.DataType, money_columns: Collection[str]) -> bool:
    """Whether column ``name`` of type ``kind`` is an amount of money."""
    return name in money_columns and (pa.types.is_floating(kind) or pa.types.is_decimal(kind))


def neutralise(column: pa.Array) -> pa.Array:
    """Text cells that a spreadsheet would run as a formula, prefixed with ``'``."""
    risky = pc.match_substring_regex(column, FORMULA_PATTERN)
    quote, nothing = pa.scalar("'", column.type), pa.scalar("", column.type)
    quoted = pc.binary_join_element_wise(quote, column, nothing)
    return pc.if_else(risky, quoted, column)


def finite(column: pa.Array) -> pa.Array:
    """Floats with NaN and infinities made null."""
    return pc.if_else(pc.is_finite(column), column, pa.scalar(None, column.type))


def round_money(column: pa.Array, decimals: int) -> pa.Array:
    """Amounts rounded to ``decimals`` places (half away from zero), as float64.

    Scaled to minor units, rounded there and divided back, so the result is
    the float nearest to the decimal (``86.1``; Arrow's own ``round`` gives
    ``86.10000000000001``), as DuckDB's ``round`` does.
    """
    unit = float(10**decimals)
    values = finite(pc.cast(column, pa.float64()))
    minor = pc.round(pc.multiply(values, unit), 0, round_mode="half_towards_infinity")
    return pc.divide(minor, unit)


def money_text(column: pa.Array, decimals: int) -> pa.Array:
    """Amounts as decimals of exactly ``decimals`` places (CSV shows ``86.10``)."""
    return pc.cast(round_money(column, decimals), pa.decimal128(38, decimals))


def prepare(
    batch: pa.RecordBatch,
    *,
    money_columns: Collection[str],
    money_decimals: int,
    exact_money: bool,
    neutralise_text: bool,
) -> pa.RecordBatch:
    """One batch made ready for a writer (see the module's rules).

    ``exact_money`` writes money as decimals (for text formats that should
    show every decimal); otherwise money stays float64, rounded.
    """
    columns = []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        kind = column.type
        if pa.types.is_dictionary(kind):
            column = pc.cast(column, kind.value_type)
            kind = column.type
        if is_money(name, kind, money_columns):
            column = (money_text if exact_money else round_money)(column, money_decimals)
        elif pa.types.is_floating(kind):
            column = finite(column)
        elif neutralise_text and is_text(kind):
            column = neutralise(column)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
