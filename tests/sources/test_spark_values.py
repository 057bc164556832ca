"""Every value form DuckDB parses is parsed the same on Spark (same expressions, two engines)."""

from __future__ import annotations

import pandas as pd
import pytest

from rfmkit.backend import as_table
from rfmkit.sources import values

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

DATES = [
    "2024-01-05",
    "2024/2/5",
    "2024/02/05",
    "2024.01.05",
    "2024年3月5日",
    "2024年3月5号",
    "2024年1月5日 13:05",
    "2024年1月5日 13时05分",
    "20240306",
    "2024-03-07 10:00:00",
    "2024-03-07T10:00:00",
    "2024-01-05T23:30:00Z",
    "2024-01-05T13:05:00+08:00",
    "2024-01-05 13:05:00 Asia/Shanghai",
    "1/13/2024",
    "05/01/2024",
    " 2024-01-05 ",
    "\u30002024-01-05\u3000",
    "45296",
    "45296.75",
    "2024-02-30",
    "2024",
    "2024-03",
    "soon",
    "",
    None,
]
AMOUNTS = [
    "1234.5",
    "￥1,234.50",
    "¥ 1,234.50",
    "$1,234.50",
    "12 EUR",
    "CNY 100",
    "RMB100",
    "100元",
    "人民币100",
    "(12.00)",
    "12.00-",
    "-￥12",
    "1.234,50",
    "3,5",
    "1 234,50",
    " 12 ",
    "1e3",
    "nan",
    "inf",
    "-Infinity",
    "12abc",
    "",
    None,
]
IDS = [" 1001 ", "1001.0", '="1001"', "'1001", "\t1002\t", "A1.0", "007", "10.50", "", None]


def _both(con, spark_con, column: list[object], parse) -> tuple[list[object], list[object]]:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame({"v": pd.Series(column, dtype=object)}).reset_index()
    got = []
    for connection in (con, spark_con):
        table = as_table(frame, connection)
        out = table.select("index", out=parse(table.v, connection)).to_pandas()
        out = out.sort_values("index")["out"]
        got.append([None if pd.isna(x) else x for x in out])
    return got[0], got[1]


@pytest.mark.parametrize("dayfirst", [False, True])
def test_dates_parse_the_same_on_spark(con, spark_con, dayfirst: bool) -> None:
    def parse(v, connection):  # type: ignore[no-untyped-def]
        engine = "duckdb" if connection is con else "spark"
        return values.order_date(v, timezone="Asia/Shanghai", dayfirst=dayfirst, engine=engine)

    duck, spark = _both(con, spark_con, DATES, parse)
    as_days = [
        [None if x is None else pd.Timestamp(x).date() for x in got] for got in (duck, spark)
    ]
    assert dict(zip(DATES, as_days[1], strict=True)) == dict(zip(DATES, as_days[0], strict=True))
    assert sum(x is not None for x in as_days[0]) >= 18


def test_amounts_and_ids_parse_the_same_on_spark(con, spark_con) -> None:
    duck, spark = _both(con, spark_con, AMOUNTS, lambda v, _: values.amount(v))
    assert dict(zip(AMOUNTS, spark, strict=True)) == dict(zip(AMOUNTS, duck, strict=True))
    duck, spark = _both(con, spark_con, AMOUNTS, lambda v, _: values.currency(v))
    assert dict(zip(AMOUNTS, spark, strict=True)) == dict(zip(AMOUNTS, duck, strict=True))
    duck, spark = _both(con, spark_con, IDS, lambda v, _: values.customer_id(v))
    assert dict(zip(IDS, spark, strict=True)) == dict(zip(IDS, duck, strict=True))
    assert duck[:4] == ["1001"] * 4
