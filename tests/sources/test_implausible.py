"""Values that used to pass but must not: placeholder ids, impossible dates, huge amounts."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.sources.conftest import write

AS_OF = dt.date(2024, 7, 1)


def _counts(loaded) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {r.rule: r.count for r in loaded.quality.rules if r.count}


def test_placeholder_ids_are_missing(load, tmp_path: Path) -> None:
    ids = ["NULL", "N/A", "None", "-", "null", "nan", "#N/A", "  ", "", "c1"]
    text = "customer_id,order_date,amount\n" + "".join(f"{i},2024-01-05,10\n" for i in ids)
    path = write(tmp_path / "ids.csv", text)
    loaded = load(path, as_of=AS_OF)
    assert _counts(loaded) == {"missing_customer": 9}
    assert loaded.transactions.to_pandas().customer_id.tolist() == ["c1"]
    custom = load(path, as_of=AS_OF, missing_ids="c1, NULL")
    # c1, NULL and null (any case), and both blanks
    assert custom.quality.rule("missing_customer").count == 5
    assert sorted(custom.transactions.to_pandas().customer_id) == [
        "#N/A",
        "-",
        "N/A",
        "None",
        "nan",
    ]


def test_placeholder_ids_in_a_typed_source_are_cleaned(load, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["c1", "NULL", "N/A", "c2"],
            "order_date": pd.to_datetime(["2024-01-05"] * 4),
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    frame.to_parquet(tmp_path / "orders.parquet")
    loaded = load(tmp_path / "orders.parquet", as_of=AS_OF)
    assert _counts(loaded) == {"missing_customer": 2}
    assert sorted(loaded.transactions.to_pandas().customer_id) == ["c1", "c2"]


def test_implausible_dates_are_quarantined(load, tmp_path: Path) -> None:
    days = ["0001-01-01", "1900-01-01", "1969-12-31", "12345-01-01", "9999-12-31", "2024-01-05"]
    text = "customer_id,order_date,amount\n" + "".join(f"c{i},{d},10\n" for i, d in enumerate(days))
    path = write(tmp_path / "dates.csv", text)
    loaded = load(path, as_of=AS_OF, keep_future=True)
    assert _counts(loaded) == {"implausible_date": 5}
    assert loaded.quality.date_min == loaded.quality.date_max == dt.date(2024, 1, 5)
    rejects = loaded.rejects().to_pandas()  # no year-12345 date reaches Python
    assert dict(zip(rejects.date, rejects.reason, strict=True))["9999-12-31"] == "implausible_date"
    assert [e["date"] for e in loaded.quality.rule("implausible_date").examples] == [
        "0001-01-01",
        "1900-01-01",
        "1969-12-31",
        "12345-01-01",
        "9999-12-31",
    ]
    earlier = load(path, as_of=AS_OF, keep_future=True, min_date=dt.date(1900, 1, 1))
    assert earlier.quality.rule("implausible_date").count == 3


def test_typed_extreme_dates_and_float_ids(load, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [1001.0, np.nan, 1e19, np.inf, 1002.0],
            "order_date": [
                dt.date(1, 1, 1),
                dt.date(2024, 1, 5),
                dt.date(2024, 1, 6),
                dt.date(2024, 1, 7),
                dt.date(9999, 12, 31),
            ],
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    frame.to_parquet(tmp_path / "odd.parquet")
    loaded = load(tmp_path / "odd.parquet", as_of=AS_OF, keep_future=True)
    assert _counts(loaded) == {"implausible_date": 2, "missing_customer": 2}
    assert loaded.transactions.to_pandas().customer_id.tolist() == ["10000000000000000000"]
    assert len(loaded.rejects().to_pandas()) == 4


def test_huge_and_infinite_amounts_are_quarantined(load, tmp_path: Path) -> None:
    text = (
        "customer_id,order_date,amount\n"
        "c1,2024-01-05,1e308\nc1,2024-01-06,1e308\nc1,2024-01-07,-2e15\n"
        "c1,2024-01-08,inf\nc1,2024-01-09,1000000000000000\nc2,2024-01-05,5\n"
    )
    loaded = load(write(tmp_path / "amounts.csv", text), as_of=AS_OF)
    assert _counts(loaded) == {"implausible_amount": 3, "unparsable_amount": 1}
    totals = loaded.transactions.to_pandas().groupby("customer_id").amount.sum()
    assert totals.to_dict() == {"c1": 1e15, "c2": 5.0}
    assert math.isfinite(loaded.quality.amount["sum"])
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "order_date": pd.to_datetime(["2024-01-05"] * 3),
            "amount": [np.inf, 1e308, 1.0],
        }
    )
    typed = load(frame, as_of=AS_OF)
    assert _counts(typed) == {"unparsable_amount": 1, "implausible_amount": 1}


def test_yuan_in_every_spelling_is_one_currency(load, tmp_path: Path) -> None:
    amounts = ["￥10", "10元", "RMB10", "CNY 10", "¥10", "人民币10"]
    text = "customer_id,order_date,amount\n" + "".join(
        f"c{i},2024-01-05,{a}\n" for i, a in enumerate(amounts)
    )
    loaded = load(write(tmp_path / "yuan.csv", text), as_of=AS_OF)
    assert loaded.quality.rows_used == 6
    assert loaded.quality.currencies == {"CNY": 6}
    assert not [w for w in loaded.quality.warnings if "currencies" in w]


@pytest.mark.parametrize("keep_future", [False, True])
def test_scoring_survives_placeholder_dates(con, tmp_path: Path, keep_future: bool) -> None:
    import rfmkit

    text = (
        "customer_id,order_date,amount\n"
        "c1,2024-01-05,10\nc1,9999-12-31,10\nc2,0001-01-01,5\nc2,2024-02-01,5\nc3,12345-01-01,1\n"
    )
    result = rfmkit.score(
        write(tmp_path / "s.csv", text), con=con, as_of=AS_OF, keep_future=keep_future
    )
    frame = result.to_pandas().set_index("customer_id")
    assert sorted(frame.index) == ["c1", "c2"]
    assert frame.loc["c1", "monetary"] == 10.0
