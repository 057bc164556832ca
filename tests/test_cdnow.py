"""CDNOW totals: rfmkit agrees with an independent count in plain Python."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

import rfmkit

CDNOW = Path(__file__).parent / "data" / "CDNOW_master.txt"
AS_OF = dt.date(1998, 7, 1)  # the day after the last transaction


def independent_totals() -> tuple[int, int, float, int]:
    """Customers, orders, revenue and customers with no positive order, by hand."""
    orders: dict[str, int] = defaultdict(int)
    revenue = 0.0
    for line in CDNOW.read_text().splitlines()[1:]:
        customer, _date, _cds, dollars = line.split()
        amount = float(dollars)
        revenue += amount
        orders[customer] += amount > 0
    scored = [c for c, n in orders.items() if n > 0]
    return len(scored), sum(orders.values()), revenue, len(orders) - len(scored)


@pytest.fixture(scope="module")
def cdnow_result():
    frame = pd.read_csv(CDNOW, sep=r"\s+", dtype={"customer_id": str, "date": str})
    frame = pd.DataFrame(
        {
            "customer_id": frame.customer_id,
            "order_date": pd.to_datetime(frame.date, format="%Y%m%d").dt.date,
            "amount": frame.dollar_value.astype("float64"),
        }
    )
    return rfmkit.score(frame, lang="en")


def test_cdnow_totals_match_an_independent_count(cdnow_result):
    customers, orders, revenue, unscored = independent_totals()
    table = cdnow_result.to_pandas()
    assert cdnow_result.as_of == AS_OF
    assert len(table) == customers
    assert table.frequency.sum() == orders
    assert table.monetary.sum() == pytest.approx(revenue, rel=1e-12)
    assert cdnow_result.unscored_customers == unscored
    assert cdnow_result.summary.customers.sum() == customers
    assert cdnow_result.summary.revenue.sum() == pytest.approx(revenue, rel=1e-12)


def test_cdnow_is_concentrated(cdnow_result):
    # a well-known property of CDNOW: a minority of customers bring most revenue
    assert cdnow_result.pareto.revenue_share > 50
