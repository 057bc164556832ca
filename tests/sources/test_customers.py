"""Customer-level input: one row per customer, already aggregated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from rfmkit.errors import InputError
from tests.sources.conftest import write

TEXT = """客户ID,最近购买日期,购买次数,累计消费金额
c1,2024-05-01,3,"￥1,200.00"
c2,2024/6/1,1,99
c3,not a date,2,10
c4,2024-06-10,1.5,10
,2024-06-10,1,10
"""


def test_customer_level_file(load, tmp_path: Path) -> None:
    loaded = load(write(tmp_path / "customers.csv", TEXT), as_of=dt.date(2024, 7, 1))
    assert loaded.transactions is None
    got = loaded.customers.to_pandas().sort_values("customer_id")
    assert got.customer_id.tolist() == ["c1", "c2"]
    assert got.frequency.tolist() == [3, 1]
    assert got.monetary.tolist() == [1200.0, 99.0]
    assert [str(pd.Timestamp(d).date()) for d in got.last_purchase] == ["2024-05-01", "2024-06-01"]
    q = loaded.quality
    assert q.level == "customers"
    assert (q.rule("unparsable_date").count, q.rule("unparsable_amount").count) == (1, 1)
    assert q.rule("missing_customer").count == 1
    assert q.rows_read == q.rows_used + q.rows_left_out


def test_level_option_and_mixing(load, tmp_path: Path) -> None:
    customers = write(tmp_path / "c.csv", TEXT)
    orders = write(tmp_path / "o.csv", "customer_id,order_date,amount\n1,2024-01-01,5\n")
    with pytest.raises(InputError, match="cannot be mixed"):
        load([customers, orders])
    frame = pd.DataFrame(
        {
            "customer_id": ["x"],
            "last_purchase": ["2024-01-01"],
            "frequency": [2],
            "monetary": [10.0],
        }
    )
    assert load(frame, level="customers").customers.to_pandas().frequency.tolist() == [2]
