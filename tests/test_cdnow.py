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


def independent_totals(drop_duplicates: bool = True) -> tuple[int, int, float, int]:
    """Customers, orders, revenue and customers with no positive order, by hand.

    CDNOW has no order id: each line is an order; an exact duplicate line is
    dropped by rfmkit's default cleaning rule.
    """
    orders: dict[str, int] = defaultdict(int)
    revenue = 0.0
    seen: set[tuple[str, ...]] = set()
    for line in CDNOW.read_text().splitlines()[1:]:
        fields = tuple(line.split())
        if drop_duplicates and fields in seen:
            continue
        seen.add(fields)
        customer, _date, _cds, dollars = fields
        amount = float(dollars)
        revenue += amount
        orders[customer] += amount > 0
    scored = [c for c, n in orders.items() if n > 0]
    return len(scored), sum(orders.values()), revenue, len(orders) - len(scored)


def cdnow_frame() -> pd.DataFrame:
    frame = pd.read_csv(CDNOW, sep=r"\s+", dtype={"customer_id": str, "date": str})
    return pd.DataFrame(
        {
            "customer_id": frame.customer_id,
            "order_date": pd.to_datetime(frame.date, format="%Y%m%d").dt.date,
            "cds": frame.number_of_cds,
            "amount": frame.dollar_value.astype("float64"),
        }
    )


@pytest.fixture(scope="module")
def cdnow_result():
    return rfmkit.score(cdnow_frame(), lang="en")


def test_cdnow_keeping_duplicates_counts_every_line():
    result = rfmkit.score(cdnow_frame(), keep_duplicates=True)
    customers, orders, revenue, _ = independent_totals(drop_duplicates=False)
    table = result.to_pandas()
    assert (len(table), table.frequency.sum()) == (customers, orders)
    assert table.monetary.sum() == pytest.approx(revenue, rel=1e-12)


def test_cdnow_duplicates_are_reported(cdnow_result):
    _, all_orders, _, _ = independent_totals(drop_duplicates=False)
    _, orders, _, _ = independent_totals()
    report = cdnow_result.quality.to_dict()
    duplicates = next(r for r in report["rules"] if r["rule"] == "duplicate")
    assert duplicates["count"] == all_orders - orders > 0


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
