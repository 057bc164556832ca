"""Money is exact: summed as decimals in the engine, written with the currency's decimals."""

from __future__ import annotations

import csv
import json

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from rfmkit import engine
from rfmkit.backend import as_table
from rfmkit.export import write_table
from tests.helpers import d, transactions_frame

# Customer A: four orders netting 86.10 (one of 203 lines of 0.10, whose float
# sum is 20.29999999999996 in any order) and a fully refunded order.
ORDERS = [
    ("A", "1", "2024-01-01", 40.29),
    ("A", "2", "2024-01-02", 0.1),
    ("A", "2", "2024-01-02", 0.2),
    ("A", "3", "2024-01-03", 25.21),
    *[("A", "4", "2024-01-04", 0.1)] * 203,
    *[("A", "5", "2024-01-05", x) for x in (0.66, 3.25, 4.20, 2.40, -10.51)],
]
AS_OF = d("2024-02-01")


def test_the_fixture_is_noisy_in_floating_point():
    assert sum(r[3] for r in ORDERS) != 86.1
    assert 10.51 - 0.66 - 3.25 - 4.20 - 2.40 != 0


def test_monetary_and_average_are_exact_in_the_engine(con):
    row = engine.metrics(as_table(transactions_frame(ORDERS), con), AS_OF).to_pandas().iloc[0]
    assert row.frequency == 4  # the fully refunded order does not count
    assert row.monetary == 86.1
    assert row.avg_order_value == 21.53  # 21.525 rounded half away from zero


def test_rounding_follows_money_decimals(con):
    rows = [("A", "1", "2024-01-01", 10.004), ("A", "2", "2024-01-02", 10.004)]
    table = as_table(transactions_frame(rows), con)
    assert engine.metrics(table, AS_OF).to_pandas().monetary[0] == 20.0
    exact = engine.metrics(table, AS_OF, money_decimals=3).to_pandas()
    assert exact.monetary[0] == 20.008


def test_customer_level_monetary_is_rounded(con):
    totals = pd.DataFrame(
        {
            "customer_id": ["A"],
            "frequency": [3],
            "monetary": [671807.2700000005],
            "first_purchase": [d("2024-01-01")],
            "last_purchase": [d("2024-01-05")],
        }
    )
    row = engine.metrics_from_totals(as_table(totals, con), AS_OF).to_pandas().iloc[0]
    assert (row.monetary, row.avg_order_value) == (671807.27, 223935.76)


@pytest.fixture
def scored(con):
    return engine.metrics(as_table(transactions_frame(ORDERS), con), AS_OF)


def test_every_format_writes_the_exact_amounts(tmp_path, scored):
    write_table(scored, tmp_path / "c.csv")
    with open(tmp_path / "c.csv", encoding="utf-8-sig", newline="") as handle:
        row = dict(zip(*csv.reader(handle), strict=False))
    assert (row["monetary"], row["avg_order_value"]) == ("86.10", "21.53")
    write_table(scored, tmp_path / "c.parquet")
    assert pq.read_table(tmp_path / "c.parquet").column("monetary").to_pylist() == [86.1]
    write_table(scored, tmp_path / "c.json")
    assert json.loads((tmp_path / "c.json").read_text())[0]["monetary"] == 86.1
    assert '"monetary": 86.1,' in (tmp_path / "c.json").read_text()
    write_table(scored, tmp_path / "c.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx").active
    header = [c.value for c in sheet[1]]
    money = sheet.cell(2, header.index("monetary") + 1)
    assert (money.value, money.number_format) == (86.1, "#,##0.00")


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json", ".xlsx"])
def test_writers_round_float_noise_of_other_money_columns(tmp_path, con, suffix):
    frame = pd.DataFrame({"customer_id": ["a"], "clv": [671807.2700000005], "p_alive": [0.123456]})
    target = tmp_path / f"c{suffix}"
    write_table(as_table(frame, con), target)
    if suffix == ".csv":
        assert "671807.27,0.123456" in target.read_text(encoding="utf-8-sig")
    elif suffix == ".parquet":
        assert pq.read_table(target).column("clv").to_pylist() == [671807.27]
    elif suffix == ".json":
        assert json.loads(target.read_text())[0]["clv"] == 671807.27
    else:
        assert openpyxl.load_workbook(target).active["B2"].value == 671807.27
