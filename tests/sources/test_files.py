"""Messy files as shops and CRMs export them, with R/F/M worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.sources.conftest import rfm, write

AS_OF = dt.date(2024, 7, 1)

GBK_ORDERS = """订单导出 2024-06
客户ID,订单号,下单时间,实付金额,备注
1001,A1,2024年1月5日 13:05,"￥1,234.50",
1001,A2,2024/3/1,￥100,
1002.0,A3,2024.02.10,$50.00,
 1003 ,A4,20240601,(20.00),退款
1003,A5,2024-05-01,80,
,A6,2024-05-02,10,测试单
1004,A7,不是日期,10,
1004,A8,2024-05-03,abc,
1001,A2,2024/3/1,￥100,
1005,A9,2024-07-01,10,
1005,A10,2030-01-01,10,
"""


@pytest.fixture
def gbk_file(tmp_path: Path) -> Path:
    return write(tmp_path / "orders_gbk.csv", GBK_ORDERS, "gbk")


def test_gbk_chinese_headers_title_line(load, gbk_file: Path) -> None:
    loaded = load(gbk_file, as_of=AS_OF)
    # Worked out by hand: 1001 has A1 (1234.50, Jan 5) + A2 (100, Mar 1; its copy is a
    # duplicate); 1002 has A3; 1003 has A5 (80) and the refund A4 (-20).
    assert rfm(loaded, AS_OF) == {
        "1001": ((AS_OF - dt.date(2024, 3, 1)).days, 2, 1334.5),
        "1002": ((AS_OF - dt.date(2024, 2, 10)).days, 1, 50.0),
        "1003": ((AS_OF - dt.date(2024, 5, 1)).days, 1, 60.0),
    }
    q = loaded.quality
    assert q.sources[0].detected["encoding"] == "gb18030"
    assert (q.rows_read, q.rows_used) == (11, 5)
    counts = {r.rule: r.count for r in q.rules}
    assert counts == {
        "missing_customer": 1,
        "unparsable_date": 1,
        "unparsable_amount": 1,
        "implausible_date": 0,
        "implausible_amount": 0,
        "undecodable_line": 0,
        "excluded_customer": 0,
        "duplicate": 1,
        "after_as_of": 2,
        "future_date": 0,
        "outlier": 0,
        "refunds": 1,
    }
    # Title = line 1, header = line 2, first data row = line 3.
    assert q.rule("missing_customer").examples[0]["line"] == 8
    assert q.rule("unparsable_date").examples[0]["line"] == 9
    assert q.rule("unparsable_date").examples[0]["date"] == "不是日期"
    assert q.rule("unparsable_amount").examples[0]["line"] == 10
    assert q.rule("duplicate").examples[0]["line"] == 11
    assert [e["line"] for e in q.rule("after_as_of").examples] == [12, 13]
    assert q.rows_read == q.rows_used + q.rows_left_out
    assert q.currencies == {"CNY": 2, "$": 1}
    assert q.warnings  # two currencies


def test_line_numbers_without_title(load, tmp_path: Path) -> None:
    path = write(
        tmp_path / "o.csv", "customer_id,order_date,amount\n1,2024-01-01,5\n,2024-01-02,5\n"
    )
    loaded = load(path)
    example = loaded.quality.rule("missing_customer").examples[0]
    assert (example["file"], example["line"]) == (str(path), 3)
    rejects = loaded.rejects().to_pandas()
    assert rejects[["line", "reason"]].values.tolist() == [[3, "missing_customer"]]


def test_bom_semicolons_decimal_commas(load, tmp_path: Path) -> None:
    text = "\ufeffKunde;Datum;Betrag\n7;2024-01-05;1.234,50\n7;2024-02-05;3,5\n8;05/02/2024;€ 10\n"
    path = write(
        tmp_path / "bom.csv",
        text.replace("Kunde", "customer").replace("Datum", "date").replace("Betrag", "amount"),
    )
    loaded = load(path, as_of=AS_OF, dayfirst=True)
    assert loaded.quality.sources[0].detected["delimiter"] == ";"
    frame = loaded.transactions.to_pandas().sort_values(["customer_id", "order_date"])
    assert frame.amount.tolist() == [1234.5, 3.5, 10.0]
    assert frame.order_date.astype(str).tolist() == ["2024-01-05", "2024-02-05", "2024-02-05"]


def test_tsv_and_txt(load, tmp_path: Path) -> None:
    tsv = write(tmp_path / "a.tsv", "member_id\tdate\tsales\nm1\t2024-01-01\t5\n")
    txt = write(tmp_path / "b.txt", "user_id|order_date|amount\nm2|2024-01-02|6\n")
    loaded = load([tsv, txt])
    frame = loaded.transactions.to_pandas().sort_values("customer_id")
    assert frame[["customer_id", "amount", "source"]].values.tolist() == [
        ["m1", 5.0, "a"],
        ["m2", 6.0, "b"],
    ]


def test_line_items_quantity_times_price(load, tmp_path: Path) -> None:
    text = "客户编号,订单编号,订单日期,数量,单价\nc1,o1,2024-01-01,2,9.5\nc1,o1,2024-01-01,1,1\nc2,o2,2024-01-02,3,￥2\n"
    loaded = load(write(tmp_path / "items.csv", text), as_of=AS_OF)
    assert rfm(loaded, AS_OF) == {
        "c1": ((AS_OF - dt.date(2024, 1, 1)).days, 1, 20.0),
        "c2": ((AS_OF - dt.date(2024, 1, 2)).days, 1, 6.0),
    }


def _excel(path: Path) -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["本表由系统导出，请勿修改"])
    sheet = book.create_sheet("订单明细")
    sheet.append(["订单导出"])
    sheet.append([])
    sheet.append(["会员ID", "订单号", "支付时间", "订单金额"])
    sheet.append([2001, "X1", dt.datetime(2024, 1, 5, 13, 5), 12.5])
    sheet.append([])
    sheet.append(["2002", "X2", "2024/1/6", "￥1,234.50"])
    sheet.append([2001.0, "X3", 45352, 7])  # Excel serial 45352 = 2024-03-01
    sheet.append([2003, "X4", "2024-01-07", None])
    book.save(path)
    return path


def test_excel_with_notes_sheet(load, tmp_path: Path) -> None:
    loaded = load(_excel(tmp_path / "crm.xlsx"), as_of=AS_OF)
    assert loaded.quality.sources[0].detected["sheet"] == "订单明细"
    assert rfm(loaded, AS_OF) == {
        "2001": ((AS_OF - dt.date(2024, 3, 1)).days, 2, 19.5),
        "2002": ((AS_OF - dt.date(2024, 1, 6)).days, 1, 1234.5),
    }
    example = loaded.quality.rule("unparsable_amount").examples[0]
    assert example["line"] == 8  # the blank row 5 is still counted as a line
    assert example["file"].endswith("crm.xlsx[订单明细]")


def test_excel_sheet_option(load, tmp_path: Path) -> None:
    path = _excel(tmp_path / "crm.xlsx")
    from rfmkit.errors import InputError

    with pytest.raises(InputError, match="no data rows"):
        load(path, sheet="说明")
    with pytest.raises(InputError, match="no sheet"):
        load(path, sheet="nope")
    assert load(path, sheet="2").quality.rows_read == 4


def test_parquet_json_jsonl_and_folder(load, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [1.5, 2.5],
        }
    )
    folder = tmp_path / "exports"
    folder.mkdir()
    frame.to_parquet(folder / "p.parquet")
    (folder / "j.json").write_text(
        json.dumps([{"customer": "3", "date": "2024-01-03", "amount": "￥3"}]), encoding="utf-8"
    )
    (folder / "l.jsonl").write_text(
        '{"customer": 4, "date": "2024-01-04", "amount": 4}\n', encoding="utf-8"
    )
    loaded = load(folder)
    got = loaded.transactions.to_pandas().sort_values("customer_id")
    assert got[["customer_id", "amount", "source"]].values.tolist() == [
        ["1", 1.5, "p"],
        ["2", 2.5, "p"],
        ["3", 3.0, "j"],
        ["4", 4.0, "l"],
    ]
    assert load(str(folder / "*.json*")).quality.rows_read == 2


def test_frames_and_ids_normalised_across_sources(load, tmp_path: Path) -> None:
    import polars as pl
    import pyarrow as pa

    online = pd.DataFrame(
        {"customer_id": [1001.0, 1002.0], "order_date": ["2024-01-01"] * 2, "amount": [10.0, 20.0]}
    )
    stores = write(tmp_path / "stores.csv", "客户ID,交易日期,销售额\n 1001 ,2024-02-01,5\n")
    loaded = load([online, stores], as_of=AS_OF)
    assert rfm(loaded, AS_OF)["1001"] == ((AS_OF - dt.date(2024, 2, 1)).days, 2, 15.0)
    assert set(loaded.transactions.to_pandas().source) == {"input", "stores"}
    assert load(pl.from_pandas(online)).quality.rows_used == 2
    assert load(pa.Table.from_pandas(online)).quality.rows_used == 2


def test_timezone_conversion(load, tmp_path: Path) -> None:
    text = "customer,paid_at,amount\na,2024-01-05T20:30:00Z,1\nb,2024-01-05 10:00:00+08:00,1\n"
    path = write(tmp_path / "tz.csv", text)
    shanghai = load(path, timezone="Asia/Shanghai").transactions.to_pandas()
    dates = dict(zip(shanghai.customer_id, shanghai.order_date.astype(str), strict=True))
    assert dates == {"a": "2024-01-06", "b": "2024-01-05"}
    utc = load(path).transactions.to_pandas()
    assert dict(zip(utc.customer_id, utc.order_date.astype(str), strict=True)) == {
        "a": "2024-01-05",
        "b": "2024-01-05",
    }


def test_mapping_short_and_canonical_names(load, tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", "who,when,what,ref\nx,2024-01-01,3,r1\n")
    loaded = load(
        path, map={"customer": "who", "order_date": "when", "amount": "what", "order": "ref"}
    )
    assert loaded.transactions.to_pandas().order_id.tolist() == ["r1"]
