"""Files and frames load the same on Spark as on DuckDB (Spark's own readers, no Python rows)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from rfmkit.sources import LoadOptions, load_transactions
from tests.sources.conftest import TODAY, rfm, write

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

AS_OF = dt.date(2024, 7, 1)
ORDERS = pd.DataFrame(
    {
        "customer_id": ["1", "1", "1", "2", None, "3"],
        "order_id": ["A1", "A2", "A2", "B1", "C1", "D1"],
        "order_date": pd.to_datetime(
            ["2024-01-05", "2024-03-01", "2024-03-01", "2024-02-10", "2024-02-11", "2024-08-01"]
        ),
        "amount": [10.0, 5.0, 5.0, -2.5, 1.0, 3.0],
    }
)
EXPECTED = {
    "1": ((AS_OF - dt.date(2024, 3, 1)).days, 2, 15.0),
    "2": (-1, 0, -2.5),
}
COUNTS = {"missing_customer": 1, "duplicate": 1, "after_as_of": 1, "refunds": 1}


def _inputs(tmp_path: Path) -> dict[str, object]:
    ORDERS.to_parquet(tmp_path / "orders.parquet")
    text = ORDERS.assign(order_date=ORDERS.order_date.dt.strftime("%Y-%m-%d"))
    csv = write(tmp_path / "orders.csv", text.to_csv(index=False))
    return {"parquet": tmp_path / "orders.parquet", "csv": csv, "frame": ORDERS}


@pytest.mark.parametrize("kind", ["parquet", "csv", "frame"])
def test_sources_load_the_same_on_spark(spark_con, con, tmp_path: Path, kind: str) -> None:
    source = _inputs(tmp_path)[kind]
    options = LoadOptions(today=TODAY)
    duck = load_transactions(source, con=con, options=options, as_of=AS_OF)
    spark = load_transactions(source, con=spark_con, options=options, as_of=AS_OF)
    for loaded in (duck, spark):
        assert rfm(loaded, AS_OF) == EXPECTED
        counts = {r.rule: r.count for r in loaded.quality.rules if r.count}
        assert counts == COUNTS
        assert (loaded.quality.rows_read, loaded.quality.rows_used) == (6, 3)
    lines = spark.rejects().to_pandas().sort_values("line")
    assert lines[["line", "reason"]].values.tolist() == (
        duck.rejects().to_pandas().sort_values("line")[["line", "reason"]].values.tolist()
    )


# A corpus of small messy inputs: each must load on Spark exactly as on DuckDB.
CN_DATES = (
    "客户ID,订单号,下单时间,实付金额\n"
    "c1,o1,2024-01-05,10\nc2,o2,2024/2/5,20\nc3,o3,2024年3月5日,30\n"
    "c4,o4,20240306,40\nc5,o5,2024-03-07 10:00:00,50\n"
)
GBK_TITLE = (
    "订单导出（2024年上半年）\n"
    "会员ID,订单号,支付时间,订单金额\n"
    '1001,A1,2024/1/5 13:05,"￥1,234.50"\n'
    "1002,A2,2024年2月5日,99元\n"
    "1001.0,A3,20240306,RMB 20\n"
    "NULL,A4,2024-03-07,5\n"
    "1003,A5,不是日期,5\n"
    "1004,A6,2024-03-08,(12.00)\n"
    "1005,A7,1900-01-01,7\n"
    "1006,A8,2024-03-09,1e308\n"
    "1002,A2,2024年2月5日,99元\n"
)
BOM_ZONES = (
    "\ufeffcustomer_id;order_date;amount\n"
    " 7 ;2024-01-05T23:30:00Z;1.234,50\n"
    "8;05/01/2024;3,5\n"
    "N/A;2024-01-05;1\n"
    "9;45296;12 EUR\n"
)


def _corpus(tmp_path: Path, name: str) -> Path:
    if name == "cn_dates.csv":
        return write(tmp_path / name, CN_DATES)
    if name == "gbk_title.csv":
        return write(tmp_path / name, GBK_TITLE, encoding="gbk")
    if name == "bom_zones.csv":
        return write(tmp_path / name, BOM_ZONES)
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表由系统导出"])
    q1 = book.create_sheet("Q1")
    for row in (["客户ID", "下单时间", "实付金额"], [2001, dt.datetime(2024, 1, 5, 13, 5), 12.5]):
        q1.append(row)
    q1.append(["2002", 45352, "￥1,234.50"])
    q2 = book.create_sheet("Q2")
    for row in (["订单导出"], ["会员ID", "下单时间", "实付金额"], ["2001", "2024/4/1", "-3"]):
        q2.append(row)
    q2.append(["2003", "不是日期", "5"])
    book.save(tmp_path / name)
    return tmp_path / name


def _summary(loaded) -> dict[str, object]:  # type: ignore[no-untyped-def]
    q = loaded.quality
    rows = loaded.transactions.to_pandas()
    rows["order_date"] = [str(pd.Timestamp(d).date()) for d in rows.order_date]
    rows = rows.sort_values(["source", "customer_id", "order_date", "amount"])
    return {
        "rows": rows.astype(str).values.tolist(),
        "counts": {r.rule: r.count for r in q.rules},
        "examples": {r.rule: [(e["line"], e.get("date")) for e in r.examples] for r in q.rules},
        "read_used": (q.rows_read, q.rows_used, q.customers),
        "dates": (q.date_min, q.date_max),
        "currencies": q.currencies,
        "warnings": q.warnings,
        "detected": [s.detected for s in q.sources],
        "rejects": loaded.rejects().to_pandas().sort_values(["source", "line"]).values.tolist(),
    }


@pytest.mark.parametrize("name", ["cn_dates.csv", "gbk_title.csv", "bom_zones.csv", "book.xlsx"])
def test_messy_files_load_the_same_on_spark(spark_con, con, tmp_path: Path, name: str) -> None:
    path = _corpus(tmp_path, name)
    options = LoadOptions(today=TODAY, timezone="Asia/Shanghai")
    duck = load_transactions(path, con=con, options=options, as_of=AS_OF)
    spark = load_transactions(path, con=spark_con, options=options, as_of=AS_OF)
    expected = _summary(duck)
    assert _summary(spark) == expected
    assert expected["read_used"][1] >= {"cn_dates.csv": 5, "gbk_title.csv": 4}.get(name, 3)


@pytest.mark.parametrize("name", ["gbk_title.csv", "book.xlsx"])
def test_messy_files_score_the_same_on_spark(spark_con, con, tmp_path: Path, name: str) -> None:
    import rfmkit

    path = _corpus(tmp_path, name)
    kwargs = {"as_of": AS_OF, "today": TODAY, "lang": "en"}
    duck = rfmkit.score(path, con=con, **kwargs).to_pandas()
    spark = rfmkit.score(path, con=spark_con, **kwargs).to_pandas()
    key = "customer_id"
    pd.testing.assert_frame_equal(
        duck.sort_values(key).reset_index(drop=True),
        spark.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
