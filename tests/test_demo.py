"""The demo order log: seeded, well-typed and realistic enough to segment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from rfmkit.demo_data import DEMO_COLUMNS, generate_orders, write_demo

START, END = date(2023, 7, 1), date(2025, 6, 30)


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return generate_orders(2000, start=START, end=END, seed=7)


def test_same_seed_same_log(orders: pd.DataFrame) -> None:
    again = generate_orders(2000, start=START, end=END, seed=7)
    pd.testing.assert_frame_equal(orders, again)


def test_other_seed_other_log(orders: pd.DataFrame) -> None:
    other = generate_orders(2000, start=START, end=END, seed=8)
    assert not orders.equals(other)


def test_columns_and_types(orders: pd.DataFrame) -> None:
    assert tuple(orders.columns) == DEMO_COLUMNS
    assert orders["order_date"].dtype == pd.ArrowDtype(pa.date32())
    assert orders["amount"].dtype == "float64"
    assert orders["customer_id"].str.fullmatch(r"C\d{6}").all()
    assert orders["order_id"].str.fullmatch(r"O\d{7}").all()
    assert (orders["amount"].round(2) == orders["amount"]).all()
    assert orders.notna().all().all()


def test_dates_within_range(orders: pd.DataFrame) -> None:
    assert orders["order_date"].min() >= START
    assert orders["order_date"].max() <= END


def test_every_customer_appears(orders: pd.DataFrame) -> None:
    assert orders["customer_id"].nunique() == 2000
    per_customer = orders.groupby("customer_id")["order_id"].nunique()
    assert 2 < per_customer.mean() < 8


def test_line_items(orders: pd.DataFrame) -> None:
    sales = orders[orders["amount"] > 0]
    lines = sales.groupby("order_id").size()
    assert 0.18 < (lines > 1).mean() < 0.32
    assert lines.max() <= 4
    assert (sales.groupby("order_id")["customer_id"].nunique() == 1).all()


def test_refunds_follow_their_order(orders: pd.DataFrame) -> None:
    refunds = orders[orders["amount"] < 0]
    assert 0.02 < len(refunds) / len(orders) < 0.04
    sales = (
        orders[orders["amount"] > 0]
        .groupby("order_id")
        .agg(customer=("customer_id", "first"), day=("order_date", "min"), total=("amount", "sum"))
    )
    matched = refunds.join(sales, on="order_id")
    assert (matched["customer"] == matched["customer_id"]).all()
    assert (matched["order_date"] >= matched["day"]).all()
    assert (-matched["amount"] <= matched["total"] + 0.01).all()
    full = (matched["amount"] + matched["total"]).abs() < 0.005
    assert full.any() and not full.all()


def test_year_end_is_busier(orders: pd.DataFrame) -> None:
    days = pd.to_datetime(orders["order_date"].astype(str))
    per_month = days.dt.month.value_counts()
    assert per_month[11] > per_month[9]
    assert per_month[12] > per_month[9]
    eleven_eleven = (days.dt.month == 11) & (days.dt.day == 11)
    assert eleven_eleven.sum() > 3 * len(orders) / 730


def test_default_period_is_two_years() -> None:
    log = generate_orders(50, end=END)
    assert (END - log["order_date"].min()).days <= 730


def test_rejects_empty_period() -> None:
    with pytest.raises(ValueError, match="start must not be after end"):
        generate_orders(10, start=END, end=START)


def test_write_demo(tmp_path: Path) -> None:
    path = write_demo(tmp_path / "demo", customers=100, seed=1, end=END)
    assert path == tmp_path / "demo" / "orders.csv"
    back = pd.read_csv(path, dtype={"customer_id": str, "order_id": str})
    assert list(back.columns) == list(DEMO_COLUMNS)
    assert back["customer_id"].nunique() == 100
    first_day = generate_orders(100, end=END, seed=1)["order_date"].iloc[0]
    assert back["order_date"].iloc[0] == first_day.isoformat()
