"""Synthetic order logs for the benchmarks, generated inside DuckDB.

``python bench/generate.py --rows 10000000 [--csv] [--gbk]`` writes
``bench/data/orders_10000000.parquet`` (and the CSV copies) unless they are
already there. Every value is a hash of the row's numbers, so a file is the
same on every machine and DuckDB streams it to disk in bounded memory
(100M rows stay well under 4 GB).

The log covers the 730 days up to :data:`LAST_DAY`: about ``rows / 10``
customers with a skewed purchase rate (a few whales, many one-off buyers),
orders numbered in date order, a quarter of them with 2-4 line items and
about 3% of the rows refunds (negative, same ``order_id``, 1-14 days later;
half of the refunded single-line orders are refunded in full, so their net
is exactly zero in any summation order, which keeps competitors comparable).
The last cent of a line's amount is its line number, so no two rows are
exact duplicates (which rfmkit would drop as a data-quality problem).
"""

from __future__ import annotations

import argparse
import math
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

DATA = Path(__file__).resolve().parent / "data"
LAST_DAY = date(2025, 6, 30)
#: The analysis date: rfmkit scores the rows dated strictly before it.
AS_OF = LAST_DAY + timedelta(days=1)
DAYS = 730
ROWS_PER_ORDER = 1.5 + 0.0464  # 0.75 * 1 + 0.25 * 3 line items, plus refunds
GBK_HEADER = ("客户ID", "订单号", "下单时间", "实付金额")

_MACROS = """
CREATE OR REPLACE MACRO rnd(x, k) AS (hash(x * 128 + k) >> 11)::DOUBLE / 9007199254740992.0;
CREATE OR REPLACE MACRO gauss(x, k) AS
    sqrt(-2 * ln(1 - rnd(x, k))) * cos(2 * pi() * rnd(x, k + 1));
CREATE OR REPLACE MACRO line_amount(c, o, k) AS
    round(round(exp(3.2 + 0.7 * gauss(c, 100) + 0.45 * gauss(o, 10 + 2 * k)), 1) + k / 100, 2);
"""

_ROWS = """
WITH orders AS (
    SELECT o,
        floor({customers} * pow(rnd(o, 0), 1.6))::BIGINT AS c,
        DATE '{start}' + least(o * {days} // {expected}, {days} - 1)::INTEGER AS d,
        CASE WHEN rnd(o, 1) < 0.25 THEN 2 + floor(rnd(o, 2) * 3)::INTEGER ELSE 1 END AS n,
        rnd(o, 3) < 0.0464 AS refunded,
        rnd(o, 4) < 0.5 AS full_refund
    FROM range({orders}) t(o)
), rows AS (
    SELECT *, unnest(range(n + refunded::INTEGER)) AS k FROM orders
)
SELECT
    {customer_id} AS customer_id,
    {order_id} AS order_id,
    CASE WHEN k < n THEN d
         ELSE least(d + 1 + floor(rnd(o, 5) * 14)::INTEGER, DATE '{as_of}') END AS order_date,
    CASE WHEN k < n THEN line_amount(c, o, k)
         WHEN full_refund AND n = 1 THEN -line_amount(c, o, 0)
         ELSE -round(line_amount(c, o, 0) * (0.2 + 0.8 * rnd(o, 6)), 2) END AS amount
FROM rows
LIMIT {rows}
"""


#: The id columns of the two log shapes: text (``C0042``, ``O0000000007``) or BIGINT.
_IDS = {
    False: ("'C' || lpad(c::VARCHAR, {width}, '0')", "'O' || lpad(o::VARCHAR, 10, '0')"),
    True: ("c + 1", "o + 1"),
}


def parquet_path(rows: int, int_ids: bool = False) -> Path:
    return DATA / f"orders_{rows}{'_int' if int_ids else ''}.parquet"


def csv_path(rows: int, encoding: str = "utf-8") -> Path:
    suffix = "" if encoding == "utf-8" else f"_{encoding}"
    return DATA / f"orders_{rows}{suffix}.csv"


def rows_sql(rows: int, int_ids: bool = False) -> str:
    """The SELECT producing ``rows`` order-log rows (BIGINT ids with ``int_ids``)."""
    customers = max(rows // 10, 1)
    customer_id, order_id = _IDS[int_ids]
    return _ROWS.format(
        customer_id=customer_id.format(width=len(str(customers))),
        order_id=order_id,
        rows=rows,
        customers=customers,
        expected=max(round(rows / ROWS_PER_ORDER), 1),
        orders=math.ceil(rows / ROWS_PER_ORDER * 1.02) + 10,
        days=DAYS,
        start=LAST_DAY - timedelta(days=DAYS - 1),
        as_of=LAST_DAY,
    )


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"memory_limit": "3GB", "preserve_insertion_order": True})
    con.execute(_MACROS)
    return con


def write_parquet(rows: int, int_ids: bool = False) -> Path:
    """Generate the Parquet log of ``rows`` rows (cached); BIGINT ids with ``int_ids``."""
    path = parquet_path(rows, int_ids)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with _connect() as con:
            con.execute(f"COPY ({rows_sql(rows, int_ids)}) TO '{tmp}' (FORMAT parquet)")
        tmp.rename(path)
    return path


def write_csv(rows: int) -> Path:
    """The same log as a UTF-8 CSV with the canonical header (cached)."""
    path = csv_path(rows)
    if not path.exists():
        source = write_parquet(rows)
        tmp = path.with_suffix(".tmp")
        with _connect() as con:
            con.execute(
                f"COPY (FROM read_parquet('{source}')) TO '{tmp}' (FORMAT csv, HEADER true)"
            )
        tmp.rename(path)
    return path


def write_gbk(rows: int) -> Path:
    """The same CSV in GBK with the Chinese header of a typical shop export (cached).

    The data rows are ASCII, which is also valid GBK, so only the header is
    re-encoded and the rest is copied byte for byte.
    """
    path = csv_path(rows, "gbk")
    if not path.exists():
        source = write_csv(rows)
        tmp = path.with_suffix(".tmp")
        with source.open("rb") as src, tmp.open("wb") as dst:
            src.readline()
            dst.write((",".join(GBK_HEADER) + "\n").encode("gbk"))
            shutil.copyfileobj(src, dst, length=16 << 20)
        tmp.rename(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, action="append", required=True)
    parser.add_argument("--csv", action="store_true", help="also write the UTF-8 CSV")
    parser.add_argument("--gbk", action="store_true", help="also write the GBK CSV")
    parser.add_argument(
        "--int-ids", action="store_true", help="the Parquet log with BIGINT customer and order ids"
    )
    args = parser.parse_args()
    for rows in args.rows:
        print(write_parquet(rows, args.int_ids))
        if args.csv or args.gbk:
            print(write_csv(rows))
        if args.gbk:
            print(write_gbk(rows))


if __name__ == "__main__":
    main()
